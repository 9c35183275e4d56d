#!/usr/bin/env python3
"""Writes torch.optim trajectories into tests/fixtures/optim/ for the optimizer parity test.

Each file: p0 (n), grads (K, n) -- the gradient fed at step k -- and expected (K, n), the
parameters after each step, for one optimizer configuration (stored as metadata and in the name).
    /usr/bin/python3 tools/parity/make_optimizer_fixtures.py
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from safetensors_np import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "fixtures", "optim")

CONFIGS = {
    "sgd_momentum": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, weight_decay=0.01, dampening=0.1),
    "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.8, nesterov=True),
    "adam": lambda p: torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05),
    "adamw": lambda p: torch.optim.AdamW([p], lr=0.01, betas=(0.85, 0.995), eps=1e-7, weight_decay=0.1),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(7)
    n, steps = 37, 12
    for name, make in CONFIGS.items():
        p = torch.randn(n, generator=gen, dtype=torch.float64).requires_grad_(True)
        p0 = p.detach().clone()
        opt = make(p)
        grads = torch.randn(steps, n, generator=gen, dtype=torch.float64)
        expected = []
        for k in range(steps):
            opt.zero_grad()
            p.grad = grads[k].clone()
            opt.step()
            expected.append(p.detach().clone())
        path = os.path.join(OUT, name + ".safetensors")
        save_file({"p0": p0.numpy(), "grads": grads.numpy(), "expected": torch.stack(expected).numpy()}, path,
                  metadata={"optimizer": name, "torch": torch.__version__})
        print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()

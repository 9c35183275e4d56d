#!/usr/bin/env python3
"""Checks the canary_parity tool against PyTorch on fresh random cases.

    /usr/bin/python3 tools/parity/parity_check.py build/tools/canary_parity [CASE ...] [--trials N]

For each case and trial it draws random extents (batch, time, nodes), builds the torch reference
(torch_cases.py), writes WEIGHTS/INPUTS files, runs the tool, and compares every output tensor
with the float32 tolerance of the test suite: max |canary - torch| <= 1e-4 * max(1, max |torch|).
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from safetensors_np import load_file, save_file  # noqa: E402
import torch_cases  # noqa: E402


def random_dims(defaults, rng):
    dims = {}
    for k in defaults:
        dims[k] = rng.randint(1, 9) if k in ("B", "K") else rng.randint(2, 40) if k == "T" else rng.randint(2, 30)
    return dims


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    cases = args.cases or list(torch_cases.CASES)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            fn, defaults = torch_cases.CASES[case]
            for trial in range(args.trials):
                dims = random_dims(defaults, rng)
                gen = torch.Generator().manual_seed(rng.randrange(1 << 30))
                weights, inputs, outputs = fn(gen, torch.float32, **dims)
                w, i, o = (os.path.join(tmp, n) for n in ("w.safetensors", "i.safetensors", "o.safetensors"))
                save_file({k: v.numpy() for k, v in weights.items()}, w)
                save_file({k: v.numpy() for k, v in inputs.items()}, i)
                run = subprocess.run([args.tool, case, w, i, o], capture_output=True, text=True)
                if run.returncode != 0:
                    print(f"FAIL {case} {dims}: tool exited {run.returncode}: {run.stderr.strip()}")
                    failures += 1
                    continue
                got = load_file(o)
                worst = 0.0
                for name, ref in outputs.items():
                    ref = ref.numpy()
                    if name not in got:
                        print(f"FAIL {case} {dims}: output '{name}' missing")
                        failures += 1
                        continue
                    if got[name].shape != ref.shape:
                        print(f"FAIL {case} {dims}: '{name}' shape {got[name].shape} != {ref.shape}")
                        failures += 1
                        continue
                    err = float(np.max(np.abs(got[name] - ref))) if ref.size else 0.0
                    tol = 1e-4 * max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
                    worst = max(worst, err / tol * 1e-4)
                    if err > tol:
                        print(f"FAIL {case} {dims}: '{name}' max error {err:.3g} > {tol:.3g}")
                        failures += 1
                print(f"ok   {case} {dims}: worst error {worst:.3g} (relative to max(1, |ref|))")
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

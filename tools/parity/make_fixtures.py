#!/usr/bin/env python3
"""Writes the committed PyTorch reference fixtures into tests/fixtures/parity/.

Run with Debian's interpreter and python3-torch (no other dependency):
    /usr/bin/python3 tools/parity/make_fixtures.py            # all families
    /usr/bin/python3 tools/parity/make_fixtures.py dense      # only cases whose name starts so
Each fixture is one safetensors file holding weights.*, inputs.* and expected.* tensors (see
torch_cases.py). Every case is written for several shapes so that batch and time extents vary;
double-precision variants check the C++ double path as well.
"""
import os
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tools/ for safetensors_np
sys.path.insert(0, HERE)

from safetensors_np import save_file  # noqa: E402
import torch_cases  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "fixtures", "parity")



def fixture_name(case, dims, dtype):
    shape = "_".join(f"{k}{v}" for k, v in dims.items())
    return f"{case}_{shape}_{'f64' if dtype == torch.float64 else 'f32'}.safetensors"


def write(case, dims, dtype, seed):
    fn, _ = torch_cases.CASES[case]
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    weights, inputs, outputs = fn(gen, dtype, **dims)
    tensors = {}
    for prefix, group in (("weights.", weights), ("inputs.", inputs), ("expected.", outputs)):
        for k, v in group.items():
            tensors[prefix + k] = v.detach().to(dtype).contiguous().numpy()
    path = os.path.join(OUT, fixture_name(case, dims, dtype))
    save_file(tensors, path, metadata={"case": case, "torch": torch.__version__, "seed": str(seed)})
    return path


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    only = argv[1:] or None
    for case, variants in torch_cases.VARIANTS.items():
        seed = zlib.crc32(case.encode()) % 1_000_000  # stable whatever other cases exist
        if only and not any(case.startswith(o) for o in only):
            continue
        for i, (dims, dtype) in enumerate(variants):
            print("wrote", os.path.relpath(write(case, dims, dtype, seed + i)))


if __name__ == "__main__":
    main(sys.argv)

"""PyTorch reference definitions of every canary_parity case.

Each case is a function `case(gen, dtype, **dims) -> (weights, inputs, outputs)` returning three
dicts of torch tensors:
  weights  -- the torch module's state_dict (torch names)
  inputs   -- "x" (plus "adj" for graph cases) and "grad_y", the upstream gradient
  outputs  -- "y", "grad.x" and "grad.<name>" for every weight (plus "aux.<name>" where defined)
The same definitions write the committed fixtures (make_fixtures.py) and check the C++ tool on
fresh random cases (parity_check.py), so there is one reference per case.

Layout conventions: sequences are (batch, time, features) as canary stores them.
"""
import torch

CASES = {}
VARIANTS = {}  # case -> [(dims, dtype), ...] written as committed fixtures by make_fixtures.py


def case(name, default_dims, variants=None):
    """Registers a reference; `variants` lists the (dims, dtype) fixtures to commit."""
    def register(fn):
        CASES[name] = (fn, default_dims)
        VARIANTS[name] = variants or [(default_dims, torch.float32)]
        return fn
    return register


def run_module(module, x, gen, dtype, forward=None, extra_inputs=None):
    """Runs module on x, backpropagates a random upstream gradient, collects all gradients."""
    module = module.to(dtype)
    x = x.to(dtype).requires_grad_(True)
    y = forward(module, x) if forward else module(x)
    aux = {}
    if isinstance(y, tuple):
        y, aux = y
    grad_y = torch.randn(y.shape, generator=gen, dtype=dtype)
    y.backward(grad_y)
    weights = {k: v.detach().clone() for k, v in module.state_dict().items()}
    inputs = {"x": x.detach().clone(), "grad_y": grad_y}
    if extra_inputs:
        inputs.update(extra_inputs)
    outputs = {"y": y.detach().clone(), "grad.x": x.grad.detach().clone()}
    for name, p in module.named_parameters():
        outputs["grad." + name] = p.grad.detach().clone()
    for k, v in aux.items():
        outputs["aux." + k] = v.detach().clone()
    return weights, inputs, outputs


def reinit_(module, gen, scale=0.5):
    """Draws every parameter from U(-scale, scale) with our generator (reproducible fixtures)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * scale)
    return module



def _load_families():
    """Imports every cases_*.py beside this file; each registers its cases with @case."""
    import importlib
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    for f in sorted(os.listdir(here)):
        if f.startswith("cases_") and f.endswith(".py"):
            importlib.import_module(f[:-3])


_load_families()

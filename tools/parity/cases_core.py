"""Core layer references: dense (torch.nn.Linear)."""
import torch

from torch_cases import case, reinit_, run_module


@case("dense", {"B": 4}, variants=[({"B": 1}, torch.float32), ({"B": 5}, torch.float32),
                                   ({"B": 17}, torch.float32), ({"B": 3}, torch.float64)])
def dense(gen, dtype, B):
    m = reinit_(torch.nn.Linear(32, 16), gen)
    x = torch.randn(B, 32, generator=gen)
    return run_module(m, x, gen, dtype)

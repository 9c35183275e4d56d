"""Transformer references: torch.nn.MultiheadAttention (self-attention, batch_first)."""
import torch

from torch_cases import case, reinit_, run_module


class SelfAttention(torch.nn.Module):
    """mha(x, x, x)[0], with the MultiheadAttention's own parameter names (no prefix)."""

    def __init__(self, dim, heads, causal=False):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(dim, heads, batch_first=True)
        self.causal = causal

    def forward(self, x):
        mask = None
        if self.causal:
            t = x.shape[1]
            mask = torch.triu(torch.full((t, t), float("-inf"), dtype=x.dtype), diagonal=1)
        return self.mha(x, x, x, attn_mask=mask, need_weights=False)[0]

    def state_dict(self, *a, **k):  # expose the MultiheadAttention's names directly
        return self.mha.state_dict(*a, **k)

    def named_parameters(self, *a, **k):
        return self.mha.named_parameters(*a, **k)


@case("mha", {"B": 3, "T": 7}, variants=[({"B": 1, "T": 1}, torch.float32), ({"B": 3, "T": 7}, torch.float32),
                                         ({"B": 2, "T": 12}, torch.float32), ({"B": 2, "T": 5}, torch.float64)])
def mha(gen, dtype, B, T):
    m = reinit_(SelfAttention(64, 4), gen, scale=0.3)
    return run_module(m, torch.randn(B, T, 64, generator=gen), gen, dtype)


@case("mha_causal", {"B": 2, "T": 6}, variants=[({"B": 2, "T": 6}, torch.float32), ({"B": 1, "T": 9}, torch.float32)])
def mha_causal(gen, dtype, B, T):
    m = reinit_(SelfAttention(64, 4, causal=True), gen, scale=0.3)
    return run_module(m, torch.randn(B, T, 64, generator=gen), gen, dtype)

"""Sequence layer references: Conv1d (padding modes, stride, dilation), pooling over time,
LayerNorm, additive temporal attention, and a small pipeline of all of them.

canary stores sequences as (batch, time, features); torch's Conv1d and pooling modules want
(batch, channels, time), so the references transpose in and out.
"""
import torch
import torch.nn.functional as F

from torch_cases import case, reinit_, run_module

F32, F64 = torch.float32, torch.float64


def _seq(gen, B, T, width):
    return torch.randn(B, T, width, generator=gen)


def _channels_first(module):
    """Applies a (B, C, T) module to a (B, T, C) sequence."""
    return lambda m, x: m(x.transpose(1, 2)).transpose(1, 2)


class _NoWeights(torch.nn.Module):
    """A parameterless stand-in so that run_module can drive a functional reference."""


# ---- convolutions ------------------------------------------------------------------------------

@case("conv1d", {"B": 3, "T": 9},
      variants=[({"B": 3, "T": 9}, F32), ({"B": 1, "T": 1}, F32), ({"B": 2, "T": 16}, F32),
                ({"B": 5, "T": 7}, F32), ({"B": 2, "T": 5}, F64)])
def conv1d(gen, dtype, B, T):
    m = reinit_(torch.nn.Conv1d(16, 32, 3, padding=1), gen)
    return run_module(m, _seq(gen, B, T, 16), gen, dtype, forward=_channels_first(m))


@case("conv1d_same", {"B": 2, "T": 7},
      variants=[({"B": 2, "T": 7}, F32), ({"B": 3, "T": 10}, F32), ({"B": 1, "T": 2}, F32),
                ({"B": 2, "T": 9}, F64)])
def conv1d_same(gen, dtype, B, T):
    # Even kernel with dilation: total pad 2*(4-1) = 6 -> 3 left, 3 right; K = 4, dilation 1 would
    # put the odd one on the right, which conv1d_same_even below covers.
    m = reinit_(torch.nn.Conv1d(6, 8, 4, padding="same", dilation=2), gen)
    return run_module(m, _seq(gen, B, T, 6), gen, dtype, forward=_channels_first(m))


@case("conv1d_same_even", {"B": 2, "T": 7},
      variants=[({"B": 2, "T": 7}, F32), ({"B": 3, "T": 4}, F32), ({"B": 1, "T": 1}, F32),
                ({"B": 2, "T": 6}, F64)])
def conv1d_same_even(gen, dtype, B, T):
    # K = 4, dilation 1: total pad 3 -> 1 left, 2 right (torch puts the extra zero on the right).
    m = reinit_(torch.nn.Conv1d(6, 8, 4, padding="same"), gen)
    return run_module(m, _seq(gen, B, T, 6), gen, dtype, forward=_channels_first(m))


@case("conv1d_causal", {"B": 2, "T": 8},
      variants=[({"B": 2, "T": 8}, F32), ({"B": 3, "T": 5}, F32), ({"B": 1, "T": 1}, F32),
                ({"B": 2, "T": 11}, F64)])
def conv1d_causal(gen, dtype, B, T):
    # Causal: left pad dilation*(K-1) = 4 zeros with F.pad, no padding inside the conv.
    m = reinit_(torch.nn.Conv1d(6, 8, 3, dilation=2), gen)
    return run_module(m, _seq(gen, B, T, 6), gen, dtype,
                      forward=lambda m, x: m(F.pad(x.transpose(1, 2), (4, 0))).transpose(1, 2))


@case("conv1d_strided", {"B": 2, "T": 9},
      variants=[({"B": 2, "T": 9}, F32), ({"B": 3, "T": 10}, F32), ({"B": 1, "T": 1}, F32),
                ({"B": 4, "T": 5}, F32), ({"B": 2, "T": 7}, F64)])
def conv1d_strided(gen, dtype, B, T):
    # Stride 2 and dilation 2; padding 2 keeps every T >= 1 valid.
    m = reinit_(torch.nn.Conv1d(6, 8, 3, stride=2, padding=2, dilation=2), gen)
    return run_module(m, _seq(gen, B, T, 6), gen, dtype, forward=_channels_first(m))


# ---- pooling -----------------------------------------------------------------------------------

@case("maxpool1d", {"B": 3, "T": 9},
      variants=[({"B": 3, "T": 9}, F32), ({"B": 2, "T": 2}, F32), ({"B": 1, "T": 16}, F32),
                ({"B": 4, "T": 7}, F32), ({"B": 2, "T": 5}, F64)])
def maxpool1d(gen, dtype, B, T):
    m = torch.nn.MaxPool1d(2)
    return run_module(m, _seq(gen, B, T, 32), gen, dtype, forward=_channels_first(m))


@case("avgpool1d", {"B": 3, "T": 9},
      variants=[({"B": 3, "T": 9}, F32), ({"B": 2, "T": 3}, F32), ({"B": 1, "T": 12}, F32),
                ({"B": 2, "T": 8}, F64)])
def avgpool1d(gen, dtype, B, T):
    # Overlapping windows (K = 3, stride 2). T < 3 is an error in torch and canary alike (tested in
    # pooling_test.cpp); parity_check.py draws T >= 2, so T is lifted to the window here.
    T = max(T, 3)
    m = torch.nn.AvgPool1d(3, stride=2)
    return run_module(m, _seq(gen, B, T, 10), gen, dtype, forward=_channels_first(m))


@case("global_mean_pool", {"B": 3, "T": 7},
      variants=[({"B": 3, "T": 7}, F32), ({"B": 1, "T": 1}, F32), ({"B": 2, "T": 5}, F64)])
def global_mean_pool(gen, dtype, B, T):
    return run_module(_NoWeights(), _seq(gen, B, T, 12), gen, dtype, forward=lambda m, x: x.mean(dim=1))


@case("global_max_pool", {"B": 3, "T": 7},
      variants=[({"B": 3, "T": 7}, F32), ({"B": 1, "T": 1}, F32), ({"B": 2, "T": 5}, F64)])
def global_max_pool(gen, dtype, B, T):
    return run_module(_NoWeights(), _seq(gen, B, T, 12), gen, dtype, forward=lambda m, x: x.max(dim=1).values)


@case("last_step", {"B": 3, "T": 7},
      variants=[({"B": 3, "T": 7}, F32), ({"B": 1, "T": 1}, F32), ({"B": 2, "T": 5}, F64)])
def last_step(gen, dtype, B, T):
    return run_module(_NoWeights(), _seq(gen, B, T, 12), gen, dtype, forward=lambda m, x: x[:, -1, :])


# ---- normalisation -----------------------------------------------------------------------------

@case("layer_norm", {"B": 3, "T": 7},
      variants=[({"B": 3, "T": 7}, F32), ({"B": 1, "T": 1}, F32), ({"B": 4, "T": 10}, F32),
                ({"B": 2, "T": 5}, F64)])
def layer_norm(gen, dtype, B, T):
    # Random affine parameters (not torch's ones/zeros) so that weight and bias are exercised.
    m = reinit_(torch.nn.LayerNorm(24), gen, scale=1.0)
    return run_module(m, _seq(gen, B, T, 24) * 2 + 0.5, gen, dtype)


# ---- attention ---------------------------------------------------------------------------------

class TemporalAttention(torch.nn.Module):
    """Additive attention pooling: s_t = score(tanh(proj(h_t))), alpha = softmax over t,
    context = sum_t alpha_t h_t. Returns (context, {"alpha": alpha})."""

    def __init__(self, dim, attn_dim):
        super().__init__()
        self.proj = torch.nn.Linear(dim, attn_dim)
        self.score = torch.nn.Linear(attn_dim, 1, bias=False)

    def forward(self, h):
        scores = self.score(torch.tanh(self.proj(h))).squeeze(-1)  # (B, T)
        alpha = torch.softmax(scores, dim=1)
        return (alpha.unsqueeze(-1) * h).sum(dim=1), {"alpha": alpha}


@case("attention", {"B": 3, "T": 9},
      variants=[({"B": 3, "T": 9}, F32), ({"B": 1, "T": 1}, F32), ({"B": 2, "T": 16}, F32),
                ({"B": 4, "T": 7}, F32), ({"B": 2, "T": 5}, F64)])
def attention(gen, dtype, B, T):
    m = reinit_(TemporalAttention(128, 64), gen, scale=0.2)
    return run_module(m, _seq(gen, B, T, 128), gen, dtype)


# ---- a pipeline of all of them -----------------------------------------------------------------

class ConvAttentionNet(torch.nn.Module):
    """conv -> relu -> maxpool(2) -> layer norm -> attention -> linear head; (B, T, 8) -> (B, 3)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(8, 16, 3, padding="same")
        self.norm = torch.nn.LayerNorm(16)
        self.attn = TemporalAttention(16, 12)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x):
        h = torch.relu(self.conv(x.transpose(1, 2)))
        h = F.max_pool1d(h, 2).transpose(1, 2)
        context, aux = self.attn(self.norm(h))
        return self.head(context), aux


@case("conv_attention_net", {"B": 3, "T": 10},
      variants=[({"B": 3, "T": 10}, F32), ({"B": 1, "T": 2}, F32), ({"B": 2, "T": 9}, F64)])
def conv_attention_net(gen, dtype, B, T):
    m = reinit_(ConvAttentionNet(), gen, scale=0.4)
    return run_module(m, _seq(gen, B, T, 8), gen, dtype)

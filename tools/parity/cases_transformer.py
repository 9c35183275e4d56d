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


@case("transformer_encoder", {"B": 2, "T": 9},
      variants=[({"B": 1, "T": 1}, torch.float32), ({"B": 2, "T": 9}, torch.float32),
                ({"B": 3, "T": 16}, torch.float32), ({"B": 2, "T": 6}, torch.float64)])
def transformer_encoder(gen, dtype, B, T):
    m = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
    reinit_(m, gen, scale=0.2)
    with torch.no_grad():  # keep the norms near their defaults so activations stay well scaled
        for name, p in m.named_parameters():
            if name.startswith("norm") and name.endswith("weight"):
                p.add_(1.0)
    return run_module(m, torch.randn(B, T, 64, generator=gen), gen, dtype)


@case("transformer_encoder_prenorm_gelu", {"B": 2, "T": 7},
      variants=[({"B": 2, "T": 7}, torch.float32), ({"B": 1, "T": 3}, torch.float64)])
def transformer_encoder_prenorm_gelu(gen, dtype, B, T):
    m = torch.nn.TransformerEncoderLayer(32, 2, 48, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
    reinit_(m, gen, scale=0.2)
    return run_module(m, torch.randn(B, T, 32, generator=gen), gen, dtype)


class TemporalBlock(torch.nn.Module):
    """Bai, Kolter & Koltun (2018) residual block without weight normalisation: two dilated causal
    convolutions (pad both sides by (k-1)d, then chomp the right), ReLU, and a 1x1 convolution on
    the skip path when the widths differ; y = relu(h + skip). Layout (B, T, C) at the boundary."""

    def __init__(self, cin, cout, k, d):
        super().__init__()
        self.pad = (k - 1) * d
        self.conv1 = torch.nn.Conv1d(cin, cout, k, padding=self.pad, dilation=d)
        self.conv2 = torch.nn.Conv1d(cout, cout, k, padding=self.pad, dilation=d)
        self.downsample = torch.nn.Conv1d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        x = x.transpose(1, 2)
        h = torch.relu(self.conv1(x)[:, :, :-self.pad] if self.pad else self.conv1(x))
        h = torch.relu(self.conv2(h)[:, :, :-self.pad] if self.pad else self.conv2(h))
        skip = x if self.downsample is None else self.downsample(x)
        return torch.relu(h + skip).transpose(1, 2)


class TCN(torch.nn.Module):
    def __init__(self, cin, channels, k):
        super().__init__()
        blocks, c = [], cin
        for i, ch in enumerate(channels):
            blocks.append(TemporalBlock(c, ch, k, 2 ** i))
            c = ch
        self.network = torch.nn.Sequential(*blocks)

    def forward(self, x):
        return self.network(x)


@case("tcn", {"B": 2, "T": 20}, variants=[({"B": 1, "T": 1}, torch.float32), ({"B": 2, "T": 20}, torch.float32),
                                          ({"B": 3, "T": 33}, torch.float32), ({"B": 2, "T": 12}, torch.float64)])
def tcn(gen, dtype, B, T):
    m = reinit_(TCN(16, [32, 32, 16], 3), gen, scale=0.3)
    return run_module(m, torch.randn(B, T, 16, generator=gen), gen, dtype)


class SinusoidalPE(torch.nn.Module):
    """x + pe[:T], pe[t, 2k] = sin(t / 10000^(2k/D)), pe[t, 2k+1] = cos(t / 10000^(2k/D))."""

    def forward(self, x):
        t = torch.arange(x.shape[1], dtype=torch.float64).unsqueeze(1)
        i = torch.arange(x.shape[2])
        angle = t / torch.pow(torch.tensor(10000.0, dtype=torch.float64), (i - i % 2).to(torch.float64) / x.shape[2])
        pe = torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle)).to(x.dtype)
        return x + pe


class LearnedPE(torch.nn.Module):
    """x + weight[:T] with a learned (max_len, D) table (nn.Embedding of the positions)."""

    def __init__(self, dim, max_len):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(max_len, dim))

    def forward(self, x):
        return x + self.weight[: x.shape[1]]


@case("positional_sinusoidal", {"B": 2, "T": 9},
      variants=[({"B": 2, "T": 9}, torch.float32), ({"B": 1, "T": 40}, torch.float64)])
def positional_sinusoidal(gen, dtype, B, T):
    return run_module(SinusoidalPE(), torch.randn(B, T, 16, generator=gen), gen, dtype)


@case("positional_learned", {"B": 2, "T": 9},
      variants=[({"B": 2, "T": 9}, torch.float32), ({"B": 3, "T": 40}, torch.float64)])
def positional_learned(gen, dtype, B, T):
    m = reinit_(LearnedPE(16, 40), gen)
    return run_module(m, torch.randn(B, T, 16, generator=gen), gen, dtype)

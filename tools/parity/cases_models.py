"""Whole-model references: the papers' models as torch modules, compared end to end (output,
every parameter gradient, the input gradient and auxiliary outputs such as attention weights).

cnn_bilstm_attention (arXiv 2502.06847, DESIGN.md section 5 W1):
  conv (Conv1d 16->32, k3, p1) -> ReLU -> MaxPool1d(2) -> lstm (bidirectional LSTM 32->64)
  -> attn (additive attention: attn.proj, attn.score) -> head (Linear 128->1); y (B, 1),
  aux.alpha (B, floor(T/2)).
cnn_bilstm_attention_small: the same architecture with widths (6, 8, 8, 6), for fixtures of many
shapes (the full model has 60k parameters, ~0.5 MB per fixture).
"""
import torch
import torch.nn.functional as F

from cases_sequence import TemporalAttention
from torch_cases import case, run_module

F32, F64 = torch.float32, torch.float64


class CnnBiLstmAttention(torch.nn.Module):
    def __init__(self, inputs=16, conv=32, hidden=64, attn=64):
        super().__init__()
        self.conv = torch.nn.Conv1d(inputs, conv, 3, padding=1)
        self.lstm = torch.nn.LSTM(conv, hidden, batch_first=True, bidirectional=True)
        self.attn = TemporalAttention(2 * hidden, attn)
        self.head = torch.nn.Linear(2 * hidden, 1)

    def forward(self, x):  # x (B, T, inputs)
        h = torch.relu(self.conv(x.transpose(1, 2)))
        h = F.max_pool1d(h, 2).transpose(1, 2)       # (B, T//2, conv)
        seq, _ = self.lstm(h)                         # (B, T//2, 2 hidden)
        context, aux = self.attn(seq)
        return self.head(context), aux


def _reinit(m, gen):
    """Each part in the range torch's default initialisation uses, so that no gate saturates."""
    scales = {"conv": (3 * m.conv.in_channels) ** -0.5, "lstm": m.lstm.hidden_size ** -0.5,
              "attn": 0.3, "head": 0.5}
    with torch.no_grad():
        for name, p in m.named_parameters():
            s = scales[name.split(".")[0]]
            p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * s)
    return m


def _run(m, gen, dtype, B, T):
    x = torch.randn(B, T, m.conv.in_channels, generator=gen)
    return run_module(_reinit(m, gen), x, gen, dtype)


@case("cnn_bilstm_attention", {"B": 3, "T": 10},
      variants=[({"B": 3, "T": 10}, F32), ({"B": 2, "T": 7}, F32), ({"B": 1, "T": 2}, F32)])
def cnn_bilstm_attention(gen, dtype, B, T):
    return _run(CnnBiLstmAttention(), gen, dtype, B, max(T, 2))


@case("cnn_bilstm_attention_small", {"B": 3, "T": 9},
      variants=[({"B": 3, "T": 9}, F32), ({"B": 1, "T": 2}, F32), ({"B": 4, "T": 12}, F32),
                ({"B": 2, "T": 3}, F32), ({"B": 2, "T": 11}, F64)])
def cnn_bilstm_attention_small(gen, dtype, B, T):
    return _run(CnnBiLstmAttention(6, 8, 8, 6), gen, dtype, B, max(T, 2))

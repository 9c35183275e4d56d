#!/usr/bin/env python3
"""PyTorch CUDA side of bench/cuda/canary_cuda_workloads.cu: the same W1, W2 and W3 workloads
(DESIGN.md section 5), float32, timed the same way (warm-up, then the median of repeated runs, each
ending with torch.cuda.synchronize()). W3 uses torch.nn.LSTM on CUDA, i.e. cuDNN's LSTM. Prints

    <workload> <case> device=cuda ms=<median>

    python3 bench/cuda/torch_cuda_workloads.py [--reps R] [--no-cudnn]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
        torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


class W1(nn.Module):
    """cnn_bilstm_attention: Conv1d(16->32, 3, padding 1) + ReLU + MaxPool1d(2) -> BiLSTM(32 -> 64)
    -> additive attention (W: 128->64, v: 64, no bias) -> Linear(128 -> 1)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(16, 32, 3, padding=1)
        self.lstm = nn.LSTM(32, 64, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(128, 64)
        self.score = nn.Linear(64, 1, bias=False)
        self.head = nn.Linear(128, 1)

    def forward(self, x):  # (B, T, 16)
        h = torch.relu(self.conv(x.transpose(1, 2)))
        h = nn.functional.max_pool1d(h, 2).transpose(1, 2)
        seq, _ = self.lstm(h)
        alpha = torch.softmax(self.score(torch.tanh(self.proj(seq))).squeeze(-1), dim=1)
        return self.head(torch.bmm(alpha.unsqueeze(1), seq).squeeze(1))


class W2(nn.Module):
    """srr_temporal_gnn_paper_text: per graph GCN(7->32)+ReLU, GCN(32->32)+ReLU, mean over nodes;
    GRU(32 -> 32) over the K graphs; last hidden -> Linear(32 -> 1). Dense normalised adjacency."""

    def __init__(self, f=7, h=32):
        super().__init__()
        self.g1 = nn.Linear(f, h)
        self.g2 = nn.Linear(h, h)
        self.gru = nn.GRU(h, h, batch_first=True)
        self.head = nn.Linear(h, 1)

    def forward(self, x, adj):  # x (B, K, N, F), adj (B*K, N, N) target-major
        b, k, n, f = x.shape
        h = x.reshape(b * k, n, f)
        h = torch.relu(torch.bmm(adj, h @ self.g1.weight.t()) + self.g1.bias)
        h = torch.relu(torch.bmm(adj, h @ self.g2.weight.t()) + self.g2.bias)
        seq, _ = self.gru(h.mean(dim=1).reshape(b, k, -1))
        return self.head(seq[:, -1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--no-cudnn", action="store_true", help="disable cuDNN (LSTM/GRU/conv fall back to native kernels)")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("torch_cuda_workloads: no CUDA device")
    torch.backends.cudnn.enabled = not args.no_cudnn
    torch.backends.cuda.matmul.allow_tf32 = False  # canary computes in plain float32
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    reps = args.reps

    def line(w, c, ms):
        print(f"{w} {c} device=cuda ms={ms:.4f}", flush=True)

    g = torch.Generator().manual_seed(0)
    m = W1().to(dev)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    x1 = (torch.rand(1, 60, 16, generator=g) * 3.4 - 1.7).to(dev)
    x256 = (torch.rand(256, 60, 16, generator=g) * 3.4 - 1.7).to(dev)
    x32 = (torch.rand(32, 60, 16, generator=g) * 3.4 - 1.7).to(dev)
    y32 = torch.tensor([1.0 if i % 3 == 0 else 0.0 for i in range(32)], device=dev).unsqueeze(1)
    with torch.no_grad():
        line("W1", "infer_b1", median_ms(lambda: m(x1), 20, reps * 10))
        line("W1", "infer_b256", median_ms(lambda: m(x256), 3, reps))

    def w1_step():
        opt.zero_grad(set_to_none=False)
        nn.functional.binary_cross_entropy_with_logits(m(x32), y32).backward()
        opt.step()

    line("W1", "train_b32", median_ms(w1_step, 5, reps))

    k, n, f = 5, 44, 7
    m2 = W2().to(dev)
    opt2 = torch.optim.Adam(m2.parameters(), lr=1e-3)
    adj1 = torch.softmax(torch.rand(k, n, n, generator=g), dim=2).to(dev)  # a stand-in normalised adjacency
    adj8 = torch.softmax(torch.rand(8 * k, n, n, generator=g), dim=2).to(dev)
    g1 = (torch.rand(1, k, n, f, generator=g) * 3.4 - 1.7).to(dev)
    g8 = (torch.rand(8, k, n, f, generator=g) * 3.4 - 1.7).to(dev)
    y8 = torch.tensor([1.0 if i % 3 == 0 else 0.0 for i in range(8)], device=dev).unsqueeze(1)
    with torch.no_grad():
        line("W2", "infer_b1", median_ms(lambda: m2(g1, adj1), 20, reps * 10))

    def w2_step():
        opt2.zero_grad(set_to_none=False)
        nn.functional.binary_cross_entropy_with_logits(m2(g8, adj8), y8).backward()
        opt2.step()

    line("W2", "train_b8", median_ms(w2_step, 5, reps))

    lstm = nn.LSTM(64, 256, batch_first=True).to(dev)
    x = (torch.rand(64, 100, 64, generator=g) * 3.4 - 1.7).to(dev)
    with torch.no_grad():
        line("W3", "forward", median_ms(lambda: lstm(x), 2, reps))
    xg = x.clone().requires_grad_(True)

    def w3_fb():
        lstm.zero_grad(set_to_none=False)
        xg.grad = None
        lstm(xg)[0].sum().backward()

    line("W3", "forward_backward", median_ms(w3_fb, 2, reps))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Projects data-parallel step time and efficiency to more ranks (docs/distributed.md).

Communication: one sum of the flat gradient buffer per step, bytes = 4 x parameters (float32).
  ring all-reduce (reduce-scatter + all-gather): 2 (K-1) alpha + 2 (K-1)/K * bytes / beta
  recursive halving/doubling (Rabenseifner):    2 log2(K) alpha + 2 (K-1)/K * bytes / beta
beta = 25 Gb/s, alpha = per-message latency (default 10 us: TCP over 25 GbE is 10-30 us, RDMA 2-5 us).
Compute: forward + backward on a shard of b samples, t(b) = t0 + t1 * b, fitted to measured times;
plus the work every rank repeats (clipping, guards, Adam on the whole buffer), measured.
Standard library only; the inputs are the measurements quoted in docs/distributed.md.

  python3 tools/distributed/projection.py            # prints the markdown tables
"""
import math

BETA = 25e9 / 8  # bytes per second
ALPHA = 10e-6    # seconds per message


def ring(k, nbytes, alpha=ALPHA):
    return 0.0 if k == 1 else 2 * (k - 1) * alpha + 2 * (k - 1) / k * nbytes / BETA


def halving_doubling(k, nbytes, alpha=ALPHA):
    return 0.0 if k == 1 else 2 * math.log2(k) * alpha + 2 * (k - 1) / k * nbytes / BETA


def fit_line(points):
    n = len(points)
    mx = sum(b for b, _ in points) / n
    my = sum(t for _, t in points) / n
    slope = sum((b - mx) * (t - my) for b, t in points) / sum((b - mx) ** 2 for b, _ in points)
    return my - slope * mx, slope


def table(name, params, compute, replicated_s, global_batch, ranks, weak):
    nbytes = 4 * params
    t0, t1 = compute
    base = t0 + t1 * global_batch + replicated_s
    rows = []
    title = f"{name}: {params:,} parameters, {nbytes/1e3:.1f} kB per step, " + (
        f"{global_batch} samples per rank (global batch 32 K)" if weak else f"global batch {global_batch}")
    rows.append(f"\n{title}\n")
    rows.append("| K | samples per rank | compute ms | ring ms | step ms (ring) | efficiency (ring) "
                "| halving-doubling ms | efficiency (h-d) |")
    rows.append("|---|---|---|---|---|---|---|---|")
    for k in ranks:
        b = global_batch if weak else global_batch / k
        if b < 1:
            rows.append(f"| {k} | {b:.2f} | - | - | - | no sample for {k - global_batch} of the ranks | - | - |")
            continue
        comp = t0 + t1 * math.ceil(b) + replicated_s
        r, h = ring(k, nbytes), halving_doubling(k, nbytes)
        if weak:
            e_r, e_h = comp / (comp + r), comp / (comp + h)
        else:
            e_r, e_h = base / (k * (comp + r)), base / (k * (comp + h))
        rows.append(f"| {k} | {b:g} | {comp*1e3:.3f} | {r*1e3:.3f} | {(comp + r)*1e3:.3f} | {e_r:.0%} "
                    f"| {h*1e3:.3f} | {e_h:.0%} |")
    return "\n".join(rows)


def main():
    # W1 (cnn_bilstm_attention<>, float, windows (60, 16)): forward + backward ms against batch,
    # minimum of 30 repetitions on the shared 2-core machine (data_parallel_step ... sweep).
    w1_points = [(1, 0.168e-3), (2, 0.494e-3), (4, 0.689e-3), (8, 1.137e-3), (16, 2.067e-3), (32, 4.356e-3)]
    w1 = fit_line(w1_points)
    w1_replicated = 0.45e-3  # step minus forward/backward at K = 1 (clip, guards, Adam over 60,193 floats)
    # Temporal GNN srr_temporal_gnn<7, 64> on 500 stocks, K = 5 graphs, dense adjacency:
    # forward + backward 581.7 ms for 32 samples (gnn500_step), proportional to the samples.
    gnn = (0.0, 581.7e-3 / 32)
    gnn_replicated = 0.25e-3  # Adam etc. over 29,697 floats: half of W1's
    print(f"W1 compute fit: t(b) = {w1[0]*1e3:.3f} ms + {w1[1]*1e3:.3f} ms x b")
    print(table("W1 cnn_bilstm_attention", 60193, w1, w1_replicated, 32, [1, 2, 8, 16, 32, 64, 512], weak=False))
    print(table("W1 cnn_bilstm_attention", 60193, w1, w1_replicated, 32, [1, 2, 8, 64, 512], weak=True))
    print(table("temporal GNN, 500 stocks", 29697, gnn, gnn_replicated, 32, [1, 2, 8, 16, 32, 64, 512], weak=False))
    print(table("temporal GNN, 500 stocks", 29697, gnn, gnn_replicated, 32, [1, 2, 8, 64, 512], weak=True))
    print("\nsensitivity of W1 weak scaling at K = 512 to the latency alpha:")
    comp = w1[0] + w1[1] * 32 + w1_replicated
    for alpha in (2e-6, 10e-6, 30e-6):
        r, h = ring(512, 4 * 60193, alpha), halving_doubling(512, 4 * 60193, alpha)
        print(f"  alpha {alpha*1e6:.0f} us: ring {r*1e3:.2f} ms ({comp/(comp+r):.0%}), "
              f"halving-doubling {h*1e3:.2f} ms ({comp/(comp+h):.0%})")


if __name__ == "__main__":
    main()

#pragma once
// GATConv<In, Out, Heads, Concat>: torch_geometric.nn.GATConv(In, Out, heads=Heads, concat=Concat)
// (PyG 2.5.3) with its other defaults (negative_slope=0.2, dropout=0, add_self_loops=True,
// edge_dim=None, bias=True), batched over graphs of equal node count. Per graph and head k:
//
//   h = x W^T                         (N, Heads*Out), head k = columns [k Out, (k+1) Out)
//   s_ij = <h_i^k, a_dst^k> + <h_j^k, a_src^k>         for every edge j -> i, and for j = i
//   alpha_ij = softmax over the sources j of i of LeakyReLU_0.2(s_ij)
//   y_i^k = sum_j alpha_ij h_j^k;   y = concat_k y^k (Concat) or mean_k y^k (!Concat);   y += bias
//
// Structure: the layer reads the SET of edges from the same GraphBatch that GCNConv reads, as the
// non-zero pattern of its adjacency (target-major: adj[i][j] != 0 means j -> i; the diagonal is
// ignored and every node gets exactly one self loop, as PyG's remove_self_loops + add_self_loops).
// The GCN-normalised adjacency has exactly the raw pattern off the diagonal (weights >= 0 make
// every degree of an edge's endpoints positive; proof in docs/layers/gat_conv.md), so one batch
// serves GCN and GAT layers alike; weights are ignored, as PyG ignores edge_attr without edge_dim.
//
// Cost: dense masked attention per graph, O(N^2 Heads Out) time and Graphs Heads N^2 saved
// probabilities; fine for the project's graphs (N up to a few hundred). A CSR adjacency is read
// as a pattern too, but the work stays O(N^2) per graph. Equations and backward: docs/layers/gat_conv.md.
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "canary/autodiff/expr.hpp"
#include "canary/autodiff/ops.hpp"
#include "canary/core/hd.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

namespace kernels {
// The GAT attention as kernel bodies over one index: the CPU policy runs them as loops, a device
// policy as kernels (B::for_each_index), so the layer has one statement for both and no branch.
// Layouts: h (rows, Heads*C) row-major with rows = graphs*N; per-node logits (rows, Heads);
// probabilities P (graphs, Heads, N, N), P[((b Heads + k) N + i) N + j] = alpha_ij of head k.
// Every body owns the elements its index names and sums in a fixed order: no atomics, and the
// device gives the CPU's numbers up to rounding of the exponentials.

/// src[r, k] = <h[r, head k], a_src[k]>, dst[r, k] = <h[r, head k], a_dst[k]>; q = r * heads + k.
template <class T>
struct GatNodeLogits {
    const T* h;
    const T* att_src;
    const T* att_dst;
    T* src;
    T* dst;
    index heads, c;
    CANARY_HD void operator()(index q) const {
        const index r = q / heads, k = q - r * heads;
        const T* hr = h + r * heads * c + k * c;
        T as = T(0), ad = T(0);
        for (index i = 0; i < c; ++i) {
            as += hr[i] * att_src[k * c + i];
            ad += hr[i] * att_dst[k * c + i];
        }
        src[q] = as;
        dst[q] = ad;
    }
};

/// One attention row q = (b * heads + k) * n + i: LeakyReLU scores of i's sources (the edges of
/// the adjacency's pattern plus the self loop), softmax over them, 0 for every non-source.
template <class T>
struct GatSoftmaxRow {
    GcnAdjacency<T> adj;  // device memory on a device policy
    const T* src;
    const T* dst;
    T* P;
    index heads, n;
    T slope;
    CANARY_HD T score(index b, index k, index i, index j) const {
        const T s = dst[(b * n + i) * heads + k] + src[(b * n + j) * heads + k];
        return s > T(0) ? s : slope * s;
    }
    CANARY_HD void operator()(index q) const {
        const index bk = q / n, i = q - bk * n, b = bk / heads, k = bk - b * heads;
        T* row = P + q * n;
        const T none = -std::numeric_limits<T>::infinity();  // marks "not a source of i"
        if (adj.dense) {  // (the member functions of GcnAdjacency are host-only)
            const T* a = adj.dense + (b * n + i) * n;
            for (index j = 0; j < n; ++j) row[j] = (a[j] != T(0) || j == i) ? score(b, k, i, j) : none;
        } else {
            for (index j = 0; j < n; ++j) row[j] = none;
            const index r = b * n + i;
            for (index e = adj.row_ptr[r]; e < adj.row_ptr[r + 1]; ++e)
                if (adj.val[e] != T(0)) row[adj.col[e] - b * n] = score(b, k, i, adj.col[e] - b * n);
            row[i] = score(b, k, i, i);
        }
        T mx = none;
        for (index j = 0; j < n; ++j) mx = row[j] > mx ? row[j] : mx;  // finite: the self loop
        T z = T(0);
        for (index j = 0; j < n; ++j) {
            row[j] = row[j] == none ? T(0) : std::exp(row[j] - mx);
            z += row[j];
        }
        const T inv = T(1) / z;
        for (index j = 0; j < n; ++j) row[j] *= inv;
    }
};

/// y[r, col] = sum_j alpha_ij h_j of head col / C (concat), or the mean of that over the heads
/// (width C); q = r * width + col, r = b * n + i.
template <class T>
struct GatAggregate {
    const T* P;
    const T* h;
    T* y;
    index heads, c, n;
    bool concat;
    CANARY_HD T head_sum(index b, index k, index i, index ch) const {
        const T* p = P + ((b * heads + k) * n + i) * n;
        const T* hj = h + b * n * heads * c + k * c + ch;
        T acc = T(0);
        for (index j = 0; j < n; ++j) acc += p[j] * hj[j * heads * c];
        return acc;
    }
    CANARY_HD void operator()(index q) const {
        const index width = concat ? heads * c : c;
        const index r = q / width, col = q - r * width, b = r / n, i = r - b * n;
        if (concat) {
            y[q] = head_sum(b, col / c, i, col - (col / c) * c);
        } else {
            T acc = T(0);
            for (index k = 0; k < heads; ++k) acc += head_sum(b, k, i, col);
            y[q] = acc / static_cast<T>(heads);
        }
    }
};

/// Backward of one attention row q = (b * heads + k) * n + i, into dS (same layout as P):
/// dP_ij = <dy_i^k, h_j^k> (dy^k = dy / heads for the mean), dE = P (dP - <dP, P>),
/// dS = dE * LeakyReLU'(s_ij). Non-sources have P = 0 and so dS = 0.
template <class T>
struct GatScoreBackwardRow {
    const T* P;
    const T* gy;
    const T* h;
    const T* src;
    const T* dst;
    T* dS;
    index heads, c, n;
    bool concat;
    T slope;
    CANARY_HD void operator()(index q) const {
        const index bk = q / n, i = q - bk * n, b = bk / heads, k = bk - b * heads;
        const index width = concat ? heads * c : c;
        const T* g = gy + (b * n + i) * width + (concat ? k * c : 0);
        const T scale = concat ? T(1) : T(1) / static_cast<T>(heads);
        const T* p = P + q * n;
        T* d = dS + q * n;
        T dot = T(0);
        for (index j = 0; j < n; ++j) {
            T acc = T(0);
            if (p[j] != T(0)) {
                const T* hj = h + (b * n + j) * heads * c + k * c;
                for (index ch = 0; ch < c; ++ch) acc += g[ch] * hj[ch];
                acc *= scale;
            }
            d[j] = acc;
            dot += acc * p[j];
        }
        const T ad = dst[(b * n + i) * heads + k];
        for (index j = 0; j < n; ++j) {
            const T s = ad + src[(b * n + j) * heads + k];
            d[j] = p[j] * (d[j] - dot) * (s > T(0) ? T(1) : slope);
        }
    }
};

/// Per node r = b * n + m and head k (q = r * heads + k): d dst[r, k] = sum_j dS(b, k, m, j)
/// (its row), d src[r, k] = sum_i dS(b, k, i, m) (its column).
template <class T>
struct GatNodeLogitsBackward {
    const T* dS;
    T* gsrc;
    T* gdst;
    index heads, n;
    CANARY_HD void operator()(index q) const {
        const index r = q / heads, k = q - r * heads, b = r / n, m = r - b * n;
        const T* block = dS + (b * heads + k) * n * n;
        T row = T(0), col = T(0);
        for (index j = 0; j < n; ++j) row += block[m * n + j];
        for (index i = 0; i < n; ++i) col += block[i * n + m];
        gdst[q] = row;
        gsrc[q] = col;
    }
};

/// dh[r, k C + ch] += sum_i alpha_im dy_i^k[ch] + gsrc[r, k] a_src[k, ch] + gdst[r, k] a_dst[k, ch]
/// for r = b * n + m; q = r * heads * C + k * C + ch.
template <class T>
struct GatFeatureBackward {
    const T* P;
    const T* gy;
    const T* gsrc;
    const T* gdst;
    const T* att_src;
    const T* att_dst;
    T* gh;
    index heads, c, n;
    bool concat;
    CANARY_HD void operator()(index q) const {
        const index hc = heads * c, r = q / hc, kc = q - r * hc, k = kc / c, ch = kc - k * c;
        const index b = r / n, m = r - b * n;
        const index width = concat ? hc : c;
        const T* p = P + (b * heads + k) * n * n + m;  // column m of head k's block
        const T* g = gy + b * n * width + (concat ? kc : ch);
        T acc = T(0);
        for (index i = 0; i < n; ++i) acc += p[i * n] * g[i * width];
        if (!concat) acc /= static_cast<T>(heads);
        gh[q] += acc + gsrc[r * heads + k] * att_src[kc] + gdst[r * heads + k] * att_dst[kc];
    }
};

/// d a_src[k, ch] += sum_r gsrc[r, k] h[r, k C + ch] (and a_dst with gdst); q = k * C + ch.
template <class T>
struct GatAttentionVectorBackward {
    const T* h;
    const T* gsrc;
    const T* gdst;
    T* ga_src;  // nullptr: not wanted
    T* ga_dst;
    index heads, c, rows;
    CANARY_HD void operator()(index q) const {
        const index k = q / c;
        T as = T(0), ad = T(0);
        for (index r = 0; r < rows; ++r) {
            const T hv = h[r * heads * c + q];
            as += gsrc[r * heads + k] * hv;
            ad += gdst[r * heads + k] * hv;
        }
        if (ga_src) ga_src[q] += as;
        if (ga_dst) ga_dst[q] += ad;
    }
};
}  // namespace kernels

/// Multi-head graph attention of projected features h (graphs*nodes rows, heads*c columns,
/// contiguous) over the edge pattern of `adj` plus one self loop per node; a_src and a_dst hold
/// heads*c values (head-major). Returns (graphs*nodes, heads*c) heads side by side, or the mean
/// over heads (graphs*nodes, c); no bias. The result keeps h's leading extents.
/// Adjoints flow to h, a_src and a_dst (see docs/layers/gat_conv.md); the adjacency is data.
template <class T, class B>
Var<T> gat_attention(Tape<T, B>& tape, const GcnAdjacency<T>& adj, const Var<T>& h, const Var<T>& a_src,
                     const Var<T>& a_dst, index heads, index c, bool concat, T negative_slope) {
    const index n = adj.nodes, rows = adj.graphs * n, hc = heads * c;
    if (adj.empty() || !h.contiguous() || h.rows() != rows || h.cols() != hc || a_src.numel() != hc ||
        a_dst.numel() != hc)
        detail::fail("gat_attention", "features " + h.shape.str() + ", attention vectors " + a_src.shape.str() + " and " +
                                          a_dst.shape.str() + " for " + std::to_string(adj.graphs) + " graphs of " +
                                          std::to_string(n) + " nodes, " + std::to_string(heads) + " heads of " +
                                          std::to_string(c));
    const index width = concat ? hc : c;
    const bool grad = tape.recording() && (h.requires_grad() || a_src.requires_grad() || a_dst.requires_grad());
    T* src = tape.scratch(rows * heads);
    T* dst = tape.scratch(rows * heads);
    T* P = tape.scratch(adj.graphs * heads * n * n);
    Var<T> y = tape.make(h.shape.with_width(width), grad);
    if (rows == 0) return y;
    B::for_each_index(rows * heads, kernels::GatNodeLogits<T>{h.val, a_src.val, a_dst.val, src, dst, heads, c});
    B::for_each_index(adj.graphs * heads * n, kernels::GatSoftmaxRow<T>{adj, src, dst, P, heads, n, negative_slope});
    B::for_each_index(rows * width, kernels::GatAggregate<T>{P, h.val, y.val, heads, c, n, concat});
    if (grad) {
        T* dS = tape.scratch(adj.graphs * heads * n * n);
        T* gsrc = tape.scratch(rows * heads);
        T* gdst = tape.scratch(rows * heads);
        const index graphs = adj.graphs;
        tape.record([h, a_src, a_dst, y, src, dst, P, dS, gsrc, gdst, graphs, heads, c, n, rows, concat, negative_slope] {
            B::for_each_index(graphs * heads * n, kernels::GatScoreBackwardRow<T>{P, y.adj, h.val, src, dst, dS, heads, c,
                                                                                  n, concat, negative_slope});
            B::for_each_index(rows * heads, kernels::GatNodeLogitsBackward<T>{dS, gsrc, gdst, heads, n});
            if (h.adj)
                B::for_each_index(rows * heads * c, kernels::GatFeatureBackward<T>{P, y.adj, gsrc, gdst, a_src.val,
                                                                                   a_dst.val, h.adj, heads, c, n, concat});
            if (a_src.adj || a_dst.adj)
                B::for_each_index(heads * c, kernels::GatAttentionVectorBackward<T>{h.val, gsrc, gdst, a_src.adj,
                                                                                    a_dst.adj, heads, c, rows});
        });
    }
    return y;
}

/// torch_geometric.nn.GATConv(In, Out, heads=Heads, concat=Concat) with its defaults, batched over
/// graphs of equal node count (a GraphBatch); see the file comment for the equations.
template <index In, index Out, index Heads = 1, bool Concat = true>
struct GATConv {
    static_assert(In > 0 && Out > 0 && Heads > 0, "canary::GATConv<In, Out, Heads>: widths and heads must be positive");
    /// Output width per node: the heads side by side (Concat) or their mean.
    static constexpr index width = Concat ? Heads * Out : Out;
    /// Input feature width (canary::Layer).
    static constexpr index in_width = In;
    /// Output feature width (canary::Layer).
    static constexpr index out_width = width;
    /// PyG's LeakyReLU slope of the attention scores.
    static constexpr double negative_slope = 0.2;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = In * Heads * Out + 2 * Heads * Out + width;
    static constexpr std::array<ParamSpec, 4> param_specs{{{"lin.weight", Shape{Heads * Out, In}, 0},
                                                           {"att_src", Shape{1, Heads, Out}, In * Heads * Out},
                                                           {"att_dst", Shape{1, Heads, Out}, (In + 1) * Heads * Out},
                                                           {"bias", Shape{width}, (In + 2) * Heads * Out}}};

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        return "GATConv<" + std::to_string(In) + ", " + std::to_string(Out) + ", " + std::to_string(Heads) + ", " +
               (Concat ? "true" : "false") + ">";
    }

    /// PyG's reset_parameters: glorot lin.weight (bound sqrt(6 / (In + Heads*Out))), glorot
    /// att_src and att_dst (their last two extents: bound sqrt(6 / (Heads + Out))), zero bias.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        uniform_fill(p.val, In * Heads * Out, std::sqrt(6.0 / static_cast<double>(In + Heads * Out)), rng);
        const double att = std::sqrt(6.0 / static_cast<double>(Heads + Out));
        uniform_fill(p.val + param_specs[1].offset, Heads * Out, att, rng);
        uniform_fill(p.val + param_specs[2].offset, Heads * Out, att, rng);
        for (index i = 0; i < width; ++i) p.val[param_specs[3].offset + i] = T(0);
    }

    /// requires: g.x is (graphs, nodes, In) or (nodes, In) for one graph, contiguous, matching g.adj
    ///           (only its non-zero pattern is read).
    /// ensures:  the same graphs with features (graphs, nodes, width) (same rank as g.x).
    template <class T, class B>
    GraphBatch<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const GraphBatch<T>& g) const {
        detail::check_graph_batch(g, In, "GATConv", In, Out);  // builds a message only on failure
        const Var<T> h = linear(tape, g.x, p.var(param_specs[0]), Var<T>{});
        const Var<T> y = gat_attention(tape, g.adj, h, p.var(param_specs[1]), p.var(param_specs[2]), Heads, Out, Concat,
                                       static_cast<T>(negative_slope));
        return GraphBatch<T>{eval(tape, y + p.var(param_specs[3])), g.adj};
    }
};

}  // namespace canary

#pragma once
// GCNConv<In, Out>: torch_geometric.nn.GCNConv(In, Out) with its defaults (add_self_loops=True,
// normalize=True, improved=False, bias=True), batched over graphs of equal node count:
//
//   out_b = M_b (x_b W^T) + bias,   M_b[i][j] = d_i^{-1/2} a_hat_b[j][i] d_j^{-1/2}
//
// where a_hat is the raw adjacency (a[j][i] = weight of edge j -> i) with the missing self loops
// added with weight 1, d_i = sum_j a_hat[j][i] is the degree at the target and 1/sqrt(0) = 0.
// M comes precomputed in the GraphBatch (see graph_batch.hpp): it is built once per batch of
// graphs and reused by every GCN layer. Parameters (torch names): lin.weight (Out, In), bias (Out).
// Equations and backward derivation: docs/layers/gcn_conv.md.
#include <array>
#include <cmath>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/backend/kernels.hpp"
#include "canary/backend/parallel.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/model/layer.hpp"

namespace canary {

namespace kernels {
/// y(r, c) = sum_k val[k] h(col[k], c) over row r's CSR entries, in entry order.
template <class T>
struct CsrRowTimes {
    const index* row_ptr;
    const index* col;
    const T* val;
    const T* h;
    T* y;
    index f;
    CANARY_HD void operator()(index q) const {
        const index r = q / f, c = q - r * f;
        T acc = T(0);
        for (index k = row_ptr[r]; k < row_ptr[r + 1]; ++k) acc += val[k] * h[col[k] * f + c];
        y[q] = acc;
    }
};
/// dh(col[k], c) += val[k] dy(r, c) for row r's entries (the transpose product scatters).
template <class T>
struct CsrRowTransposeScatter {
    const index* row_ptr;
    const index* col;
    const T* val;
    const T* gy;
    T* gh;
    index f;
    CANARY_HD void operator()(index q) const {
        const index r = q / f, c = q - r * f;
        for (index k = row_ptr[r]; k < row_ptr[r + 1]; ++k) shared_add(gh + col[k] * f + c, val[k] * gy[q]);
    }
};
}  // namespace kernels

/// The device path of gcn_aggregate: the adjacency arrays live in the device's memory. Dense: one
/// batched GEMM over the graphs; CSR: one row-gather kernel forward, one scatter kernel (atomic adds) backward.
template <class T, class B>
Var<T> gcn_aggregate_device(Tape<T, B>& tape, const GcnAdjacency<T>& adj, const Var<T>& h, const Var<T>& bias) {
    const index n = adj.nodes, graphs = adj.graphs, f = h.cols();
    const bool has_bias = bias.val != nullptr;
    const bool grad = tape.recording() && (h.requires_grad() || (has_bias && bias.requires_grad()));
    Var<T> y = tape.make(h.shape, grad);
    if (adj.is_dense()) {
        gemm_strided_batched<B>(graphs, false, false, n, f, n, T(1), adj.dense, n, n * n, h.val, f, n * f, T(0), y.val, f, n * f);
    } else {
        B::for_each_index(graphs * n * f, kernels::CsrRowTimes<T>{adj.row_ptr, adj.col, adj.val, h.val, y.val, f});
    }
    if (has_bias) B::for_each_index(graphs * n * f, kernels::AddRow<T>{bias.val, y.val, f, f});
    if (grad) {
        tape.record([adj, h, bias, y, n, graphs, f, has_bias] {
            if (h.adj) {
                if (adj.is_dense()) {
                    gemm_strided_batched<B>(graphs, true, false, n, f, n, T(1), adj.dense, n, n * n, y.adj, f, n * f, T(1),
                                            h.adj, f, n * f);
                } else {
                    B::for_each_index(graphs * n * f,
                                      kernels::CsrRowTransposeScatter<T>{adj.row_ptr, adj.col, adj.val, y.adj, h.adj, f});
                }
            }
            if (has_bias && bias.adj) B::for_each_index(f, kernels::ColumnSums<T>{y.adj, f, graphs * n, bias.adj});
        });
    }
    return y;
}

/// y = M h + bias per graph, M the normalised adjacency (dense or CSR), h (graphs*nodes, F)
/// contiguous; bias (F) or an empty Var. Adjoints: dh += M^T dy per graph, dbias += column sums.
/// With a device backend the adjacency arrays must be in the device's memory.
template <class T, class B>
Var<T> gcn_aggregate(Tape<T, B>& tape, const GcnAdjacency<T>& adj, const Var<T>& h, const Var<T>& bias) {
    const index n = adj.nodes, graphs = adj.graphs, f = h.cols();
    if (!h.contiguous() || h.rows() != graphs * n)
        detail::fail("gcn_aggregate", "features " + h.shape.str() + " for " + std::to_string(graphs) + " graphs of " +
                                          std::to_string(n) + " nodes");
    if constexpr (is_device_backend_v<B>) {
        return gcn_aggregate_device(tape, adj, h, bias);
    } else {
        const bool has_bias = bias.val != nullptr;
        const bool grad = tape.recording() && (h.requires_grad() || (has_bias && bias.requires_grad()));
        Var<T> y = tape.make(h.shape, grad);
        // Graphs are independent: with two threads, each takes a fixed half of the batch (results
        // do not depend on the split). Below ~256K multiply-adds the handover costs more than it saves.
        const bool split = graphs * n * n * f >= (index{1} << 18);
        if (adj.is_dense()) {
            parallel_halves(
                graphs,
                [&](int, index first, index last) {
                    for (index b = first; b < last; ++b)
                        B::gemm(false, false, n, f, n, T(1), adj.dense + b * n * n, n, h.val + b * n * f, f, T(0),
                                y.val + b * n * f, f);
                },
                split);
        } else {
            B::zero(y.val, y.numel());
            for (index r = 0; r < graphs * n; ++r) {
                T* yr = y.val + r * f;
                for (index k = adj.row_ptr[r]; k < adj.row_ptr[r + 1]; ++k) {
                    const T w = adj.val[k];
                    const T* hr = h.val + adj.col[k] * f;
                    CANARY_VECTORIZE
                    for (index c = 0; c < f; ++c) yr[c] += w * hr[c];
                }
            }
        }
        if (has_bias) {
            for (index r = 0; r < graphs * n; ++r) {
                T* yr = y.val + r * f;
                CANARY_VECTORIZE
                for (index c = 0; c < f; ++c) yr[c] += bias.val[c];
            }
        }
        if (grad) {
            tape.record([adj, h, bias, y, n, graphs, f, has_bias, split] {
                if (h.adj) {
                    if (adj.is_dense()) {
                        parallel_halves(
                            graphs,
                            [&](int, index first, index last) {
                                for (index b = first; b < last; ++b)
                                    B::gemm(true, false, n, f, n, T(1), adj.dense + b * n * n, n, y.adj + b * n * f, f,
                                            T(1), h.adj + b * n * f, f);
                            },
                            split);
                    } else {
                        // The transpose of a CSR product scatters each target row's adjoint to its sources.
                        for (index r = 0; r < graphs * n; ++r) {
                            const T* gy = y.adj + r * f;
                            for (index k = adj.row_ptr[r]; k < adj.row_ptr[r + 1]; ++k) {
                                const T w = adj.val[k];
                                T* gh = h.adj + adj.col[k] * f;
                                CANARY_VECTORIZE
                                for (index c = 0; c < f; ++c) gh[c] += w * gy[c];
                            }
                        }
                    }
                }
                if (has_bias && bias.adj) {
                    for (index r = 0; r < graphs * n; ++r) {
                        const T* gy = y.adj + r * f;
                        CANARY_VECTORIZE
                        for (index c = 0; c < f; ++c) bias.adj[c] += gy[c];
                    }
                }
            });
        }
        return y;
    }
}

/// torch_geometric.nn.GCNConv(In, Out) with its defaults, batched over graphs of equal node count
/// (a GraphBatch): out_b = M_b (x_b W^T) + bias with the symmetric normalisation of the file comment.
template <index In, index Out>
struct GCNConv {
    static_assert(In > 0 && Out > 0, "canary::GCNConv<In, Out>: widths must be positive");
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = In;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Out;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = In * Out + Out;
    static constexpr std::array<ParamSpec, 2> param_specs{{{"lin.weight", Shape{Out, In}, 0},
                                                           {"bias", Shape{Out}, In * Out}}};

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "GCNConv<" + std::to_string(In) + ", " + std::to_string(Out) + ">"; }

    /// torch_geometric's reset_parameters: glorot (xavier uniform) weight, zero bias.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        const double bound = std::sqrt(6.0 / static_cast<double>(In + Out));
        uniform_fill(p.val, In * Out, bound, rng);
        for (index i = 0; i < Out; ++i) p.val[In * Out + i] = T(0);
    }

    /// requires: g.x is (graphs, nodes, In) or (nodes, In) for one graph, contiguous, matching g.adj.
    /// ensures:  the same graphs with features (graphs, nodes, Out) (same rank as g.x).
    template <class T, class B>
    GraphBatch<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const GraphBatch<T>& g) const {
        detail::check_graph_batch(g, In, "GCNConv", In, Out);  // builds a message only on failure
        const Var<T> w = p.var(param_specs[0]);
        const Var<T> bias = p.var(param_specs[1]);
        // torch_geometric order: transform first (lin, no bias), then propagate, then add the bias.
        // M (X W^T) = (M X) W^T, so when the layer widens (In < Out) the aggregation runs on the
        // narrower input instead: N^2 In instead of N^2 Out multiply-adds per graph (same result
        // up to float rounding; e.g. GCNConv(7, 32) aggregates 7 columns instead of 32).
        if constexpr (In < Out) {
            const Var<T> ax = gcn_aggregate(tape, g.adj, g.x, Var<T>{});
            return GraphBatch<T>{linear(tape, ax, w, bias), g.adj};
        } else {
            const Var<T> h = linear(tape, g.x, w, Var<T>{});
            return GraphBatch<T>{gcn_aggregate(tape, g.adj, h, bias), g.adj};
        }
    }
};

}  // namespace canary

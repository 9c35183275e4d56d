#pragma once
// Tape operations on batches of equal-sized graphs: gcn_aggregate (the propagation of
// canary::GCNConv, layers/gcn_conv.hpp) and graph_pool (the readout of the GlobalPool layers,
// layers/graph_pool.hpp). Equations and backward passes: docs/layers/gcn_conv.md,
// docs/layers/graph_pool.md. Each has a CPU path and a device path of kernel bodies, chosen by
// `is_device_backend_v<B>` here, so the layers stay free of backend branches.
#include <cmath>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/backend/kernels.hpp"
#include "canary/backend/parallel.hpp"
#include "canary/core/adjacency.hpp"
#include "canary/core/hd.hpp"

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

enum class GraphReduce { mean, sum, max };

namespace detail {

template <GraphReduce R>
constexpr const char* pool_name() {
    if constexpr (R == GraphReduce::mean) return "GlobalMeanPool";
    else if constexpr (R == GraphReduce::sum) return "GlobalSumPool";
    else return "GlobalMaxPool";
}

/// Device path, forward: one index per (graph, feature), nodes in order, the CPU's NaN rule.
template <class T, GraphReduce R>
struct NodeReduce {
    const T* x;
    T* y;
    index* arg;  // max only
    index nodes, f;
    CANARY_HD void operator()(index q) const {
        const index b = q / f, c = q - b * f;
        const T* xb = x + b * nodes * f;
        if constexpr (R == GraphReduce::max) {
            T best = xb[c];
            index at = 0;
            for (index n = 1; n < nodes; ++n) {
                const T v = xb[n * f + c];
                if (best == best && (v > best || v != v)) {  // x != x: NaN wins and stays (torch.max)
                    best = v;
                    at = n;
                }
            }
            y[q] = best;
            arg[q] = at;
        } else {
            T acc = T(0);
            for (index n = 0; n < nodes; ++n) acc += xb[n * f + c];
            if constexpr (R == GraphReduce::mean) acc *= T(1) / static_cast<T>(nodes);
            y[q] = acc;
        }
    }
};

/// Device path, backward: max routes each (graph, feature) to its winner (distinct targets);
/// mean and sum spread dy over every node (one index per node feature).
template <class T, GraphReduce R>
struct NodeReduceBackward {
    const T* gy;
    const index* arg;
    T* gx;
    index nodes, f;
    CANARY_HD void operator()(index q) const {
        if constexpr (R == GraphReduce::max) {
            const index b = q / f, c = q - b * f;
            gx[(b * nodes + arg[q]) * f + c] += gy[q];
        } else {
            const index row = q / f, c = q - row * f, b = row / nodes;
            const T scale = R == GraphReduce::mean ? T(1) / static_cast<T>(nodes) : T(1);
            gx[q] += scale * gy[b * f + c];
        }
    }
};

template <GraphReduce R, class T, class B>
Var<T> graph_pool_device(Tape<T, B>& tape, const Var<T>& x, index graphs, index nodes) {
    const index f = x.cols();
    const bool grad = tape.recording() && x.requires_grad();
    Var<T> y = tape.make(Shape{graphs, f}, grad);
    index* arg = nullptr;
    if constexpr (R == GraphReduce::max) arg = tape.template scratch<index>(graphs * f);
    B::for_each_index(graphs * f, NodeReduce<T, R>{x.val, y.val, arg, nodes, f});
    if (grad) {
        tape.record([x, y, arg, graphs, nodes, f] {
            B::for_each_index(R == GraphReduce::max ? graphs * f : graphs * nodes * f,
                              NodeReduceBackward<T, R>{y.adj, arg, x.adj, nodes, f});
        });
    }
    return y;
}

/// The pooling primitive on contiguous x viewed as (graphs, nodes, F).
template <GraphReduce R, class T, class B>
Var<T> graph_pool(Tape<T, B>& tape, const Var<T>& x, index graphs, index nodes) {
    const index f = x.cols();
    if (nodes <= 0 || !x.contiguous() || x.rows() != graphs * nodes)
        fail(pool_name<R>(), "input " + x.shape.str() + " is not " + std::to_string(graphs) + " graphs of " +
                                 std::to_string(nodes) + " > 0 nodes (contiguous)");
    if constexpr (is_device_backend_v<B>) {
        return graph_pool_device<R>(tape, x, graphs, nodes);
    } else {
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> y = tape.make(Shape{graphs, f}, grad);
        index* arg = nullptr;  // max: the node that won each (graph, feature)
        if constexpr (R == GraphReduce::max) arg = tape.template scratch<index>(graphs * f);
        for (index b = 0; b < graphs; ++b) {
            T* yb = y.val + b * f;
            const T* xb = x.val + b * nodes * f;
            if constexpr (R == GraphReduce::max) {
                index* ab = arg + b * f;
                for (index c = 0; c < f; ++c) {
                    yb[c] = xb[c];
                    ab[c] = 0;
                }
                for (index n = 1; n < nodes; ++n)
                    for (index c = 0; c < f; ++c) {
                        const T v = xb[n * f + c];
                        // Strictly greater keeps the first maximum; a NaN wins and stays (as torch.max).
                        if (!std::isnan(yb[c]) && (v > yb[c] || std::isnan(v))) {
                            yb[c] = v;
                            ab[c] = n;
                        }
                    }
            } else {
                for (index c = 0; c < f; ++c) yb[c] = T(0);
                for (index n = 0; n < nodes; ++n) {
                    CANARY_VECTORIZE
                    for (index c = 0; c < f; ++c) yb[c] += xb[n * f + c];
                }
                if constexpr (R == GraphReduce::mean) {
                    const T inv = T(1) / static_cast<T>(nodes);
                    for (index c = 0; c < f; ++c) yb[c] *= inv;
                }
            }
        }
        if (grad) {
            tape.record([x, y, arg, graphs, nodes, f] {
                for (index b = 0; b < graphs; ++b) {
                    const T* gy = y.adj + b * f;
                    T* gx = x.adj + b * nodes * f;
                    if constexpr (R == GraphReduce::max) {
                        for (index c = 0; c < f; ++c) gx[arg[b * f + c] * f + c] += gy[c];
                    } else {
                        const T scale = R == GraphReduce::mean ? T(1) / static_cast<T>(nodes) : T(1);
                        for (index n = 0; n < nodes; ++n) {
                            CANARY_VECTORIZE
                            for (index c = 0; c < f; ++c) gx[n * f + c] += scale * gy[c];
                        }
                    }
                }
            });
        }
        return y;
    }
}

}  // namespace detail

}  // namespace canary

#pragma once
// Readout layers: mean, sum or max of the node features of each graph, (graphs, nodes, F) ->
// (graphs, F), as torch_geometric's global_mean_pool / global_add_pool / global_max_pool on a
// batch of equal-sized graphs. They accept a GraphBatch (and drop its structure) or a plain
// (graphs, nodes, F) Var; a (nodes, F) input is one graph and gives (1, F).
// Equations and backward: docs/layers/graph_pool.md.
#include <cmath>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/core/hd.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/model/layer.hpp"

namespace canary {

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

/// Global pooling over the nodes of each graph: (graphs, nodes, F) -> (graphs, F).
template <GraphReduce R>
struct GlobalPool {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = any_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = any_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;
    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return detail::pool_name<R>(); }

    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const {
        if (in.rank() == 3) return Shape{in[0], in[2]};
        return Shape{1, in.cols()};
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const GraphBatch<T>& g) const {
        detail::check_graph_batch(g, -1, detail::pool_name<R>(), -1, -1);
        return detail::graph_pool<R>(tape, g.x, g.adj.graphs, g.adj.nodes);
    }
    /// x: (graphs, nodes, F), or (nodes, F) for one graph.
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        if (x.shape.rank() == 3) return detail::graph_pool<R>(tape, x, x.shape[0], x.shape[1]);
        if (x.shape.rank() == 2) return detail::graph_pool<R>(tape, x, 1, x.shape[0]);
        detail::fail(detail::pool_name<R>(), "needs (graphs, nodes, F) or (nodes, F), got " + x.shape.str());
    }
};

using GlobalMeanPool = GlobalPool<GraphReduce::mean>;
using GlobalSumPool = GlobalPool<GraphReduce::sum>;
using GlobalMaxPool = GlobalPool<GraphReduce::max>;

}  // namespace canary

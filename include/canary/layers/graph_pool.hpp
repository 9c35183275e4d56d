#pragma once
// Readout layers: mean, sum or max of the node features of each graph, (graphs, nodes, F) ->
// (graphs, F), as torch_geometric's global_mean_pool / global_add_pool / global_max_pool on a
// batch of equal-sized graphs. They accept a GraphBatch (and drop its structure) or a plain
// (graphs, nodes, F) Var; a (nodes, F) input is one graph and gives (1, F).
// Equations and backward: docs/layers/graph_pool.md.
#include <cmath>
#include <string>

#include "canary/autodiff/graph_ops.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

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

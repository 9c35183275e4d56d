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

#include "canary/autodiff/graph_ops.hpp"  // gcn_aggregate
#include "canary/autodiff/ops.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

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

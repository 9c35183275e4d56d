#pragma once
// TimeDistributed<Encoder>: one encoder applied to every step of a sequence, as ONE call on all
// batch * steps items (one block batch, no loop over steps), then reshaped back to (batch, steps, D).
//
// Its main use is a graph encoder over a sequence of K graphs (arXiv 2512.17185's temporal GNN):
//
//   GraphSequenceBatch{x (B, K, N, F), adjacency of the B*K graphs}   graph b*K + k = step k of item b
//     -> Encoder on GraphBatch{x viewed as (B*K, N, F), adjacency}    e.g. GCN, ReLU, GCN, ReLU, mean
//     -> (B*K, D) viewed as (B, K, D)                                  ready for a GRU / LSTM
//
// It also accepts a plain Var (B, K, ...): the first two axes are merged for the encoder and split
// again after it. The reshapes are views (no copy): gradients flow through the shared buffers.
// Parameters keep the encoder's names (no position prefix inside a Sequential), so
// Sequential<TimeDistributed<Sequential<Named<"gcn1", ...>, ...>>, Named<"gru", GRU<..>>, ...>
// has the torch names gcn1.*, gcn2.*, gru.*, head.*.
#include <string>
#include <type_traits>

#include "canary/autodiff/tape.hpp"
#include "canary/core/error.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// A batch of graph sequences as it flows through a Sequential: node features (B, K, N, F) and the
/// normalised adjacency of all B*K graphs (graph b*K + k is step k of sequence b), built once per
/// batch and shared by every GCN layer of the encoder.
template <class T>
struct GraphSequenceBatch {
    Var<T> x;
    GcnAdjacency<T> adj;

    /// Sequences in the batch (B of x (B, K, N, F)); 0 when x is not 4-d.
    index batch() const noexcept { return x.shape.rank() == 4 ? x.shape[0] : 0; }
    /// Graphs per sequence (K of x (B, K, N, F)); 0 when x is not 4-d.
    index steps() const noexcept { return x.shape.rank() == 4 ? x.shape[1] : 0; }
};

/// Applies one Encoder to every step of a sequence as a single call on batch * steps items, then
/// reshapes back to (batch, steps, Encoder's output width); e.g. a graph encoder over K graphs.
template <Layer Encoder>
struct TimeDistributed {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = Encoder::in_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Encoder::out_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = Encoder::param_count;
    static constexpr bool inline_param_names = true;  // see Sequential::visit_params

    Encoder encoder{};

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "TimeDistributed<" + encoder.name() + ">"; }

    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        init_params(encoder, p, rng);
    }
    /// Calls f(name, shape, offset) for every parameter, names after `prefix` in torch's state_dict convention.
    template <class F>
    void visit_params(std::string_view prefix, index offset, F&& f) const {
        canary::visit_params(encoder, prefix, offset, f);
    }

    /// (B, K, N, F) -> (B, K, D) for a graph encoder that pools; (B, K, ...) -> (B, K, ...') otherwise.
    Shape output_shape(Shape in) const {
        if (in.rank() < 3) return output_shape_of(encoder, in);
        const Shape inner = output_shape_of(encoder, merge(in));
        return split(inner, in[0], in[1]);
    }

    /// requires: g.x contiguous (B, K, N, In); g.adj holds B*K graphs of N nodes.
    /// ensures:  the encoder's per-graph output, (B, K, D) (or (B, K, N, D) if it does not pool).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const GraphSequenceBatch<T>& g) const {
        const Shape& s = g.x.shape;
        if (s.rank() != 4 || !g.x.contiguous() || g.adj.graphs != s[0] * s[1] || g.adj.nodes != s[2] ||
            (in_width != any_width && s[3] != in_width))
            throw shape_error(name() + ": graph sequence features " + s.str() + " (need (batch, steps, nodes, " +
                              (in_width == any_width ? std::string("F") : std::to_string(in_width)) +
                              "), contiguous) with an adjacency of " + std::to_string(g.adj.graphs) + " graphs of " +
                              std::to_string(g.adj.nodes) + " nodes (need batch * steps graphs)");
        const GraphBatch<T> inner{g.x.reshaped(Shape{s[0] * s[1], s[2], s[3]}), g.adj};
        return unfold(encoder.forward(tape, p, inner), s[0], s[1]);
    }

    /// requires: x contiguous (B, K, ...) of rank 3 or 4.  ensures: encoder on (B*K, ...), split back.
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        if (x.shape.rank() < 3 || !x.contiguous())
            throw shape_error(name() + ": input " + x.shape.str() + " is not a contiguous (batch, steps, ...) tensor");
        return unfold(encoder.forward(tape, p, x.reshaped(merge(x.shape))), x.shape[0], x.shape[1]);
    }

private:
    static Shape merge(const Shape& s) {
        if (s.rank() == 3) return Shape{s[0] * s[1], s[2]};
        return Shape{s[0] * s[1], s[2], s[3]};
    }
    static Shape split(const Shape& s, index batch, index steps) {
        if (s.rank() == 2) return Shape{batch, steps, s[1]};
        if (s.rank() == 3) return Shape{batch, steps, s[1], s[2]};
        throw shape_error("TimeDistributed: encoder output " + s.str() + " cannot be split into (batch, steps, ...)");
    }
    template <class Out>
    static auto unfold(const Out& y, index batch, index steps) {
        if constexpr (requires { y.x; }) return unfold(y.x, batch, steps);
        else {
            if (y.shape.rows() * y.shape.cols() == 0 || y.shape[0] != batch * steps)
                throw shape_error("TimeDistributed: encoder output " + y.shape.str() + " has not batch * steps = " +
                                  std::to_string(batch * steps) + " items");
            if (!y.contiguous()) throw shape_error("TimeDistributed: encoder output " + y.shape.str() + " is strided");
            return y.reshaped(split(y.shape, batch, steps));
        }
    }
};

}  // namespace canary

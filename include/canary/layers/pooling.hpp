#pragma once
// Pooling over time of (batch, time, features) sequences. All keep the feature width.
//   MaxPool1D<K, S>  torch.nn.MaxPool1d(K, S) over time: (B, T, F) -> (B, floor((T-K)/S)+1, F)
//   AvgPool1D<K, S>  torch.nn.AvgPool1d(K, S) over time, same output length
//   GlobalMeanPool   x.mean(dim=1):           (B, T, F) -> (B, F)
//   GlobalMaxPool    x.max(dim=1).values:     (B, T, F) -> (B, F)
//   LastStep         x[:, -1, :]:             (B, T, F) -> (B, F)
// No padding (torch's default), floor semantics. Max pooling keeps the index of the winning step of
// every output element in tape scratch; ties go to the first maximum and NaN wins, as in torch.
// Equations and backward passes: docs/layers/pooling.md.
#include <cmath>
#include <cstdint>
#include <string>

#include "canary/layers/graph_pool.hpp"  // GlobalMeanPool, GlobalMaxPool over time or nodes
#include "canary/autodiff/pool_ops.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

namespace pooling_detail {

/// Throws a shape_error naming `layer` unless x is a (batch, time, features) tensor.
inline void require_sequence(const std::string& layer, const Shape& s) {
    if (s.rank() != 3) throw shape_error(layer + ": needs a (batch, time, features) input, got " + s.str());
}

}  // namespace pooling_detail

/// requires: input (B, T, F) with T >= K.  ensures: (B, floor((T-K)/S)+1, F), torch MaxPool1d(K, S).
template <index K, index Stride = K>
struct MaxPool1D {
    static_assert(K > 0 && Stride > 0, "canary::MaxPool1D<K, Stride>: kernel and stride must be positive");
    static_assert(K < (index{1} << 30), "canary::MaxPool1D: kernel too large");
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = any_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = any_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "MaxPool1D<" + std::to_string(K) + ", " + std::to_string(Stride) + ">"; }
    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const {
        return in.rank() == 3 && in[1] >= K ? Shape{in[0], (in[1] - K) / Stride + 1, in[2]} : in;
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        if (x.shape.rank() != 3) pooling_detail::require_sequence(name(), x.shape);
        if (x.shape[1] < K) too_short(x.shape);
        if (x.shape[1] > (index{1} << 31) - 1) too_long(x.shape);  // winners are stored as int32
        const index steps_out = (x.shape[1] - K) / Stride + 1;
        return pooling_detail::max_over_time(tape, x, K, Stride, steps_out, Shape{x.shape[0], steps_out, x.cols()});
    }

private:
    [[noreturn]] void too_short(const Shape& s) const {
        throw shape_error(name() + ": input " + s.str() + " has fewer than " + std::to_string(K) + " time steps");
    }
    [[noreturn]] void too_long(const Shape& s) const {
        throw shape_error(name() + ": input " + s.str() + " has more than 2^31 time steps");
    }
};

/// requires: input (B, T, F) with T >= K.  ensures: (B, floor((T-K)/S)+1, F), torch AvgPool1d(K, S).
template <index K, index Stride = K>
struct AvgPool1D {
    static_assert(K > 0 && Stride > 0, "canary::AvgPool1D<K, Stride>: kernel and stride must be positive");
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = any_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = any_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "AvgPool1D<" + std::to_string(K) + ", " + std::to_string(Stride) + ">"; }
    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const {
        return in.rank() == 3 && in[1] >= K ? Shape{in[0], (in[1] - K) / Stride + 1, in[2]} : in;
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        if (x.shape.rank() != 3) pooling_detail::require_sequence(name(), x.shape);
        if (x.shape[1] < K) too_short(x.shape);
        const index steps_out = (x.shape[1] - K) / Stride + 1;
        return pooling_detail::mean_over_time(tape, x, K, Stride, steps_out, Shape{x.shape[0], steps_out, x.cols()});
    }

private:
    [[noreturn]] void too_short(const Shape& s) const {
        throw shape_error(name() + ": input " + s.str() + " has fewer than " + std::to_string(K) + " time steps");
    }
};

// GlobalMeanPool, GlobalMaxPool (and GlobalSumPool) reduce axis 1 of (B, X, F): over time for a
// sequence, over nodes for a batch of graphs. One implementation serves both: graph_pool.hpp.

/// requires: input (B, T, F), T >= 1.  ensures: (B, F) = x[:, T-1, :], a contiguous copy (the
/// hidden state a sequence-to-one model classifies); the gradient goes to the last step only.
struct LastStep {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = any_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = any_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;
    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "LastStep"; }
    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const { return in.rank() == 3 ? Shape{in[0], in[2]} : in; }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        if (x.shape.rank() != 3 || x.shape[1] < 1) bad(x.shape);
        // Var::time_step needs a contiguous parent; a rank-3 view with a wider row stride is
        // handled by building the strided view here.
        const index steps = x.shape[1], F = x.cols();
        const Var<T> last{x.val + (steps - 1) * x.ld, x.adj ? x.adj + (steps - 1) * x.ld : nullptr,
                          Shape{x.shape[0], F}, steps * x.ld};
        return copy(tape, last);
    }

private:
    [[noreturn]] void bad(const Shape& s) const {
        pooling_detail::require_sequence(name(), s);
        throw shape_error(name() + ": input " + s.str() + " has no time steps");
    }
};

}  // namespace canary

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
#include "canary/autodiff/ops.hpp"
#include "canary/core/hd.hpp"
#include "canary/model/layer.hpp"

namespace canary {

namespace pooling_detail {

/// Throws a shape_error naming `layer` unless x is a (batch, time, features) tensor.
inline void require_sequence(const std::string& layer, const Shape& s) {
    if (s.rank() != 3) throw shape_error(layer + ": needs a (batch, time, features) input, got " + s.str());
}

// ---- the device path: kernel bodies over one output (forward) or one input (backward) element,
// so the backward pass gathers in the CPU's order instead of scattering with atomics.

/// y(b, t, f) = max over its window, with the CPU's tie and NaN rules; winner = the step.
template <class T>
struct MaxWindow {
    const T* x;
    index ldx;
    T* y;
    std::int32_t* winner;  // nullptr in inference
    index steps, steps_out, F, window, step;
    CANARY_HD void operator()(index q) const {
        const index row = q / F, f = q - row * F;  // row = b * steps_out + t
        const index b = row / steps_out, t = row - b * steps_out, first = t * step;
        T best = x[(b * steps + first) * ldx + f];
        index at = first;
        for (index s = first + 1; s < first + window; ++s) {
            const T v = x[(b * steps + s) * ldx + f];
            if (v > best || (v != v && best == best)) {  // v != v: NaN wins and stays (torch)
                best = v;
                at = s;
            }
        }
        y[q] = best;
        if (winner) winner[q] = static_cast<std::int32_t>(at);
    }
};

/// dx(b, s, f) += dy of every window that s won, windows in ascending order.
template <class T>
struct MaxWindowBackward {
    const T* gy;
    const std::int32_t* winner;
    T* gx;
    index ldx;
    index steps, steps_out, F, window, step;
    CANARY_HD void operator()(index q) const {
        const index row = q / F, f = q - row * F;  // row = b * steps + s
        const index b = row / steps, s = row - b * steps;
        const index hi = s / step < steps_out - 1 ? s / step : steps_out - 1;
        const index lo_num = s - window + 1;
        const index lo = lo_num <= 0 ? 0 : (lo_num + step - 1) / step;
        T acc = gx[row * ldx + f];
        for (index t = lo; t <= hi; ++t) {
            const index o = (b * steps_out + t) * F + f;
            if (winner[o] == s) acc += gy[o];
        }
        gx[row * ldx + f] = acc;
    }
};

/// y(b, t, f) = (sum over its window) * scale, summed in step order.
template <class T>
struct MeanWindow {
    const T* x;
    index ldx;
    T* y;
    index steps, steps_out, F, window, step;
    T scale;
    CANARY_HD void operator()(index q) const {
        const index row = q / F, f = q - row * F;
        const index b = row / steps_out, t = row - b * steps_out;
        T acc = T(0);
        for (index s = t * step; s < t * step + window; ++s) acc += x[(b * steps + s) * ldx + f];
        y[q] = acc * scale;
    }
};

/// dx(b, s, f) += dy * scale of every window containing s, windows in ascending order.
template <class T>
struct MeanWindowBackward {
    const T* gy;
    T* gx;
    index ldx;
    index steps, steps_out, F, window, step;
    T scale;
    CANARY_HD void operator()(index q) const {
        const index row = q / F, f = q - row * F;
        const index b = row / steps, s = row - b * steps;
        const index hi = s / step < steps_out - 1 ? s / step : steps_out - 1;
        const index lo_num = s - window + 1;
        const index lo = lo_num <= 0 ? 0 : (lo_num + step - 1) / step;
        T acc = gx[row * ldx + f];
        for (index t = lo; t <= hi; ++t) acc += gy[(b * steps_out + t) * F + f] * scale;
        gx[row * ldx + f] = acc;
    }
};

template <class T, class B>
Var<T> max_over_time_device(Tape<T, B>& tape, const Var<T>& x, index window, index step, index steps_out, Shape out_shape) {
    const index batch = x.shape[0], steps = x.shape[1], F = x.cols();
    const bool grad = tape.recording() && x.requires_grad();
    Var<T> y = tape.make(out_shape, grad);
    std::int32_t* winner = grad ? tape.template scratch<std::int32_t>(batch * steps_out * F) : nullptr;
    B::for_each_index(batch * steps_out * F, MaxWindow<T>{x.val, x.ld, y.val, winner, steps, steps_out, F, window, step});
    if (grad) {
        tape.record([x, y, winner, batch, steps, steps_out, F, window, step] {
            B::for_each_index(batch * steps * F,
                              MaxWindowBackward<T>{y.adj, winner, x.adj, x.ld, steps, steps_out, F, window, step});
        });
    }
    return y;
}

template <class T, class B>
Var<T> mean_over_time_device(Tape<T, B>& tape, const Var<T>& x, index window, index step, index steps_out, Shape out_shape) {
    const index batch = x.shape[0], steps = x.shape[1], F = x.cols();
    const bool grad = tape.recording() && x.requires_grad();
    Var<T> y = tape.make(out_shape, grad);
    const T scale = T(1) / static_cast<T>(window);
    B::for_each_index(batch * steps_out * F, MeanWindow<T>{x.val, x.ld, y.val, steps, steps_out, F, window, step, scale});
    if (grad) {
        tape.record([x, y, batch, steps, steps_out, F, window, step, scale] {
            B::for_each_index(batch * steps * F,
                              MeanWindowBackward<T>{y.adj, x.adj, x.ld, steps, steps_out, F, window, step, scale});
        });
    }
    return y;
}

/// Max over windows of `window` steps every `step` steps, for each (batch, feature); also the
/// time index of each maximum. The shared kernel of MaxPool1D and GlobalMaxPool.
template <class T, class B>
Var<T> max_over_time(Tape<T, B>& tape, const Var<T>& x, index window, index step, index steps_out, Shape out_shape) {
    if constexpr (is_device_backend_v<B>) {
        return max_over_time_device(tape, x, window, step, steps_out, out_shape);
    } else {
        const index batch = x.shape[0], steps = x.shape[1], F = x.cols();
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> y = tape.make(out_shape, grad);
        std::int32_t* winner = grad ? tape.template scratch<std::int32_t>(batch * steps_out * F) : nullptr;
        for (index b = 0; b < batch; ++b) {
            for (index t = 0; t < steps_out; ++t) {
                T* yr = y.val + (b * steps_out + t) * F;
                const index first = t * step;
                const T* x0 = x.val + (b * steps + first) * x.ld;
                std::int32_t* wr = winner ? winner + (b * steps_out + t) * F : nullptr;
                for (index f = 0; f < F; ++f) yr[f] = x0[f];
                if (wr)
                    for (index f = 0; f < F; ++f) wr[f] = static_cast<std::int32_t>(first);
                for (index s = first + 1; s < first + window; ++s) {
                    const T* xs = x.val + (b * steps + s) * x.ld;
                    for (index f = 0; f < F; ++f) {
                        // Strictly greater keeps the first maximum; a NaN wins and stays (torch).
                        if (xs[f] > yr[f] || (std::isnan(xs[f]) && !std::isnan(yr[f]))) {
                            yr[f] = xs[f];
                            if (wr) wr[f] = static_cast<std::int32_t>(s);
                        }
                    }
                }
            }
        }
        if (grad) {
            tape.record([x, y, winner, batch, steps, steps_out, F] {
                // Each output's adjoint goes to the single input that won its window.
                for (index b = 0; b < batch; ++b)
                    for (index t = 0; t < steps_out; ++t) {
                        const T* g = y.adj + (b * steps_out + t) * F;
                        const std::int32_t* wr = winner + (b * steps_out + t) * F;
                        for (index f = 0; f < F; ++f) x.adj[(b * steps + wr[f]) * x.ld + f] += g[f];
                    }
            });
        }
        return y;
    }
}

/// Mean over windows of `window` steps every `step` steps, for each (batch, feature).
template <class T, class B>
Var<T> mean_over_time(Tape<T, B>& tape, const Var<T>& x, index window, index step, index steps_out, Shape out_shape) {
    if constexpr (is_device_backend_v<B>) {
        return mean_over_time_device(tape, x, window, step, steps_out, out_shape);
    } else {
        const index batch = x.shape[0], steps = x.shape[1], F = x.cols();
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> y = tape.zeros(out_shape, grad);
        const T scale = T(1) / static_cast<T>(window);
        for (index b = 0; b < batch; ++b)
            for (index t = 0; t < steps_out; ++t) {
                T* yr = y.val + (b * steps_out + t) * F;
                for (index s = t * step; s < t * step + window; ++s) {
                    const T* xs = x.val + (b * steps + s) * x.ld;
                    CANARY_VECTORIZE
                    for (index f = 0; f < F; ++f) yr[f] += xs[f];
                }
                CANARY_VECTORIZE
                for (index f = 0; f < F; ++f) yr[f] *= scale;
            }
        if (grad) {
            tape.record([x, y, window, step, batch, steps, steps_out, F, scale] {
                // y = (1/K) sum of its window  =>  every input of the window receives dy / K.
                for (index b = 0; b < batch; ++b)
                    for (index t = 0; t < steps_out; ++t) {
                        const T* g = y.adj + (b * steps_out + t) * F;
                        for (index s = t * step; s < t * step + window; ++s) {
                            T* gx = x.adj + (b * steps + s) * x.ld;
                            CANARY_VECTORIZE
                            for (index f = 0; f < F; ++f) gx[f] += g[f] * scale;
                        }
                    }
            });
        }
        return y;
    }
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

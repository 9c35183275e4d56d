#pragma once
// Tape operations pooling over time of (batch, time, features) sequences: max_over_time and
// mean_over_time, the computations of canary::MaxPool1D / AvgPool1D (layers/pooling.hpp).
// Equations and backward passes: docs/layers/pooling.md. Each has a CPU path and a device path
// of kernel bodies, chosen by `is_device_backend_v<B>` here, so the layers stay branch-free.
#include <cmath>
#include <cstdint>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/core/hd.hpp"

namespace canary {

namespace pooling_detail {

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

}  // namespace canary

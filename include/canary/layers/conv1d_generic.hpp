#pragma once
// The backend-generic Conv1D (device policies run it; see device_forward in backend/traits.hpp):
// the CPU layer's im2col + GEMM algorithm with every host loop turned into a kernel body.
// Forward: one weight-permutation kernel, one im2col kernel, one bias kernel, one GEMM.
// Backward: one column-sum kernel (bias), one GEMM + one scatter kernel (weights), one GEMM + one
// col2im kernel that gathers, for each input element, its (at most Kernel) window entries in the
// CPU's order, so no atomics are needed.
#include "canary/backend/kernels.hpp"
#include "canary/layers/conv1d.hpp"

namespace canary {

namespace kernels {

/// w_taps[o][k][i] = w[o][i][k]: torch's (Out, In, Kernel) weight as (Out, Kernel * In) GEMM rows.
/// With `accumulate`, the reverse direction: w[o][i][k] += w_taps[o][k][i] (the weight gradient).
template <class T>
struct ConvTaps {
    const T* src;
    T* dst;
    index in, kernel;
    bool to_taps;  // true: dst = taps from src = weight; false: dst = weight gradient += src = taps
    CANARY_HD void operator()(index q) const {
        const index window = kernel * in;
        const index o = q / window, rem = q - o * window, k = rem / in, i = rem - k * in;
        const index w_at = (o * in + i) * kernel + k;
        if (to_taps) dst[q] = src[w_at];
        else dst[w_at] += src[q];
    }
};

/// One element of the im2col matrix (rows b * steps_out + t, columns k * In + i).
template <class T>
struct Im2Col {
    const T* x;
    index ldx;
    T* columns;
    index in, kernel, steps, steps_out, stride, dilation, pad_left;
    CANARY_HD void operator()(index q) const {
        const index window = kernel * in;
        const index r = q / window, rem = q - r * window, k = rem / in, i = rem - k * in;
        const index b = r / steps_out, t = r - b * steps_out;
        const index source = t * stride - pad_left + k * dilation;
        columns[q] = (source < 0 || source >= steps) ? T(0) : x[(b * steps + source) * ldx + i];
    }
};

/// dx(b, s, i) += the im2col gradient entries that read x(b, s, i), in the CPU's order (t
/// ascending, i.e. k descending); one index per input element.
template <class T>
struct Col2Im {
    const T* d_columns;
    T* dx;
    index ldx;
    index in, kernel, steps, steps_out, stride, dilation, pad_left;
    CANARY_HD void operator()(index q) const {
        const index row = q / in, i = q - row * in;
        const index b = row / steps, s = row - b * steps;
        const index window = kernel * in;
        T acc = dx[row * ldx + i];
        for (index k = kernel - 1; k >= 0; --k) {
            const index num = s + pad_left - k * dilation;  // = t * stride
            if (num < 0 || num % stride != 0) continue;
            const index t = num / stride;
            if (t >= steps_out) continue;
            acc += d_columns[(b * steps_out + t) * window + k * in + i];
        }
        dx[row * ldx + i] = acc;
    }
};

}  // namespace kernels

/// Conv1D's forward pass on a device backend: the same computation as Conv1D::forward_cpu, as
/// kernels and the backend's GEMM.
template <index In, index Out, index Kernel, index Stride, index Dilation>
struct device_forward<Conv1D<In, Out, Kernel, Stride, Dilation>> {
    using Layer = Conv1D<In, Out, Kernel, Stride, Dilation>;

    /// The forward pass of `layer` on input x (batch, time, In) in device memory.
    template <class T, class B>
    static Var<T> run(const Layer& layer, Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) {
        if (x.shape.rank() != 3 || x.cols() != In) layer.bad_input(x.shape);
        const index batch = x.shape[0], steps = x.shape[1];
        const index steps_out = layer.output_length(steps);
        if (steps_out <= 0) layer.too_short(x.shape);
        const index pad_left = layer.padding.left(Layer::receptive_field);
        constexpr index window = Kernel * In;
        constexpr index weight_count = Layer::weight_count;
        const index rows_out = batch * steps_out;

        const Var<T> w = p.var(Layer::param_specs[0]);
        const Var<T> bias = p.var(Layer::param_specs[1]);
        const bool grad = tape.recording() && (x.requires_grad() || w.requires_grad() || bias.requires_grad());

        T* w_taps = tape.scratch(weight_count);
        B::for_each_index(weight_count, kernels::ConvTaps<T>{w.val, w_taps, In, Kernel, true});
        T* columns = tape.scratch(rows_out * window);
        B::for_each_index(rows_out * window,
                          kernels::Im2Col<T>{x.val, x.ld, columns, In, Kernel, steps, steps_out, Stride, Dilation, pad_left});

        Var<T> y = tape.make(Shape{batch, steps_out, Out}, grad);
        B::for_each_index(rows_out * Out, kernels::BroadcastRow<T>{bias.val, y.val, Out, Out});
        B::gemm(false, true, rows_out, Out, window, T(1), columns, window, w_taps, window, T(1), y.val, Out);

        if (grad) {
            T* d_columns = x.adj ? tape.scratch(rows_out * window) : nullptr;
            T* d_w_taps = w.adj ? tape.scratch(weight_count) : nullptr;
            tape.record([x, w, bias, y, columns, w_taps, d_columns, d_w_taps, batch, steps, steps_out, pad_left, rows_out] {
                if (bias.adj) B::for_each_index(Out, kernels::ColumnSums<T>{y.adj, Out, rows_out, bias.adj});
                if (d_w_taps) {
                    B::gemm(true, false, Out, window, rows_out, T(1), y.adj, Out, columns, window, T(0), d_w_taps, window);
                    B::for_each_index(weight_count, kernels::ConvTaps<T>{d_w_taps, w.adj, In, Kernel, false});
                }
                if (d_columns) {
                    B::gemm(false, false, rows_out, window, Out, T(1), y.adj, Out, w_taps, window, T(0), d_columns, window);
                    B::for_each_index(batch * steps * In, kernels::Col2Im<T>{d_columns, x.adj, x.ld, In, Kernel, steps, steps_out,
                                                                             Stride, Dilation, pad_left});
                }
            });
        }
        return y;
    }
};

}  // namespace canary

#pragma once
// conv1d: the 1-D convolution over time of canary::Conv1D (layers/conv1d.hpp) as one tape
// operation, by im2col. Forward: the weight re-laid from torch's (Out, In, K) to (Out, K*In), the
// input windows gathered into a (B*Tout, K*In) buffer (zeros over the padding), one GEMM.
// Backward: bias column sums, one GEMM plus a permutation for the weight, one GEMM plus col2im
// for the input. Equations: docs/layers/conv1d.md.
//
// A device policy runs the same algorithm with every host loop as a kernel body below; col2im
// there gathers, for each input element, its (at most Kernel) window entries in the CPU's order,
// so no atomics are needed.
#include "canary/autodiff/tape.hpp"
#include "canary/backend/kernels.hpp"

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

/// x (batch, steps, In) contiguous rows of any stride, w (Out, In, Kernel), bias (Out):
/// y (batch, steps_out, Out) with y[b, t] = bias + sum_k W[:, :, k] x[b, t * Stride - pad_left + k * Dilation]
/// (zero outside [0, steps)). The caller checks the shapes and that steps_out > 0.
template <index In, index Out, index Kernel, index Stride, index Dilation, class T, class B>
Var<T> conv1d(Tape<T, B>& tape, const Var<T>& x, const Var<T>& w, const Var<T>& bias, index pad_left, index steps_out) {
    if constexpr (is_device_backend_v<B>) {
        const index batch = x.shape[0], steps = x.shape[1];
        constexpr index window = Kernel * In;  // one im2col row
        constexpr index weight_count = Out * In * Kernel;
        const index rows_out = batch * steps_out;
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
    } else {
        const index batch = x.shape[0], steps = x.shape[1];
        constexpr index window = Kernel * In;  // one im2col row
        constexpr index weight_count = Out * In * Kernel;
        const index rows_out = batch * steps_out;
        const bool grad = tape.recording() && (x.requires_grad() || w.requires_grad() || bias.requires_grad());

        // Weight re-laid from torch's (Out, In, K) to (Out, K*In) so that it matches the im2col
        // rows, whose column block k holds the input row seen by kernel tap k.
        T* w_taps = tape.scratch(weight_count);
        for (index o = 0; o < Out; ++o)
            for (index i = 0; i < In; ++i)
                for (index k = 0; k < Kernel; ++k) w_taps[o * window + k * In + i] = w.val[(o * In + i) * Kernel + k];

        T* columns = tape.scratch(rows_out * window);
        for (index b = 0; b < batch; ++b) {
            for (index t = 0; t < steps_out; ++t) {
                T* row = columns + (b * steps_out + t) * window;
                for (index k = 0; k < Kernel; ++k) {
                    const index source = t * Stride - pad_left + k * Dilation;
                    if (source < 0 || source >= steps) B::zero(row + k * In, In);
                    else B::copy(x.val + (b * steps + source) * x.ld, row + k * In, In);
                }
            }
        }

        Var<T> y = tape.make(Shape{batch, steps_out, Out}, grad);
        for (index r = 0; r < rows_out; ++r) B::copy(bias.val, y.val + r * Out, Out);
        B::gemm(false, true, rows_out, Out, window, T(1), columns, window, w_taps, window, T(1), y.val, Out);

        if (grad) {
            // Backward buffers are taken now: the backward pass must not allocate.
            T* d_columns = x.adj ? tape.scratch(rows_out * window) : nullptr;
            T* d_w_taps = w.adj ? tape.scratch(weight_count) : nullptr;
            tape.record([x, w, bias, y, columns, w_taps, d_columns, d_w_taps, batch, steps, steps_out, pad_left,
                         rows_out] {
                if (bias.adj) {
                    for (index r = 0; r < rows_out; ++r) {
                        const T* g = y.adj + r * Out;
                        CANARY_VECTORIZE
                        for (index o = 0; o < Out; ++o) bias.adj[o] += g[o];
                    }
                }
                if (d_w_taps) {
                    // dW_taps = dY^T columns, then permuted back into torch's (Out, In, K) and added.
                    B::gemm(true, false, Out, window, rows_out, T(1), y.adj, Out, columns, window, T(0), d_w_taps,
                            window);
                    for (index o = 0; o < Out; ++o)
                        for (index i = 0; i < In; ++i)
                            for (index k = 0; k < Kernel; ++k)
                                w.adj[(o * In + i) * Kernel + k] += d_w_taps[o * window + k * In + i];
                }
                if (d_columns) {
                    // dColumns = dY W_taps, then col2im: each column block goes back to the input
                    // row it was copied from (padding positions received nothing real: dropped).
                    B::gemm(false, false, rows_out, window, Out, T(1), y.adj, Out, w_taps, window, T(0), d_columns,
                            window);
                    for (index b = 0; b < batch; ++b) {
                        for (index t = 0; t < steps_out; ++t) {
                            const T* row = d_columns + (b * steps_out + t) * window;
                            for (index k = 0; k < Kernel; ++k) {
                                const index source = t * Stride - pad_left + k * Dilation;
                                if (source < 0 || source >= steps) continue;
                                T* gx = x.adj + (b * steps + source) * x.ld;
                                const T* g = row + k * In;
                                CANARY_VECTORIZE
                                for (index i = 0; i < In; ++i) gx[i] += g[i];
                            }
                        }
                    }
                }
            });
        }
        return y;
    }
}

}  // namespace canary

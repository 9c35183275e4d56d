#pragma once
// Primitive matrix-level operations with hand-written adjoints. The derivations are in
// docs/autodiff.md; each backward closure below is the corresponding formula.
//
// Backends: matmul only calls B::gemm and works on every policy. An operation that touches
// elements from the host branches on `if constexpr (is_device_backend_v<B>)` to device_ops::op(...)
// (canary/autodiff/device_ops.hpp, written with kernel bodies that any device policy runs); its
// else branch is the CPU code.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "canary/autodiff/device_ops.hpp"
#include "canary/autodiff/expr.hpp"
#include "canary/autodiff/tape.hpp"

namespace canary {

namespace detail {
// Messages are built only on failure: the hot path must not allocate.
[[noreturn]] inline void fail(const char* op, const std::string& what) { throw shape_error(std::string(op) + ": " + what); }
}  // namespace detail

/// C = op(A) op(B) for matrix views. Adjoints: dA += dC op(B)^T (transposed back), dB += op(A)^T dC.
template <class T, class B>
Var<T> matmul(Tape<T, B>& tape, const Var<T>& a, const Var<T>& b, bool trans_a = false, bool trans_b = false) {
    const index m = trans_a ? a.cols() : a.rows();
    const index k = trans_a ? a.rows() : a.cols();
    const index kb = trans_b ? b.cols() : b.rows();
    const index n = trans_b ? b.rows() : b.cols();
    if (k != kb) detail::fail("matmul", "inner extents differ: " + a.shape.str() + (trans_a ? "^T" : "") + " x " +
                                           b.shape.str() + (trans_b ? "^T" : ""));
    const bool grad = tape.recording() && (a.requires_grad() || b.requires_grad());
    Var<T> c = tape.make(Shape{m, n}, grad);
    B::gemm(trans_a, trans_b, m, n, k, T(1), a.val, a.ld, b.val, b.ld, T(0), c.val, c.ld);
    if (grad) {
        tape.record([a, b, c, m, n, k, trans_a, trans_b] {
            if (a.adj) {
                // op(A) = C' op(B)^T  =>  dA = dC op(B)^T, or its transpose when A is stored transposed.
                if (!trans_a) B::gemm(false, !trans_b, m, k, n, T(1), c.adj, c.ld, b.val, b.ld, T(1), a.adj, a.ld);
                else B::gemm(trans_b, true, k, m, n, T(1), b.val, b.ld, c.adj, c.ld, T(1), a.adj, a.ld);
            }
            if (b.adj) {
                if (!trans_b) B::gemm(!trans_a, false, k, n, m, T(1), a.val, a.ld, c.adj, c.ld, T(1), b.adj, b.ld);
                else B::gemm(true, trans_a, n, k, m, T(1), c.adj, c.ld, a.val, a.ld, T(1), b.adj, b.ld);
            }
        });
    }
    return c;
}

/// y = x W^T + b over the last dimension (torch.nn.functional.linear). x: (..., In), W: (Out, In),
/// b: (Out) or an empty Var for no bias. The result keeps x's leading extents.
/// Adjoints: dx += dy W, dW += dy^T x, db += column sums of dy.
template <class T, class B>
Var<T> linear(Tape<T, B>& tape, const Var<T>& x, const Var<T>& w, const Var<T>& b) {
    const index in = w.cols(), out = w.rows();
    if (x.cols() != in) detail::fail("linear", "input width " + std::to_string(x.cols()) + " but weight " + w.shape.str());
    const bool has_bias = b.val != nullptr;
    if (has_bias && b.numel() != out) detail::fail("linear", "bias " + b.shape.str() + " for " + std::to_string(out) + " outputs");
    if constexpr (is_device_backend_v<B>) {
        return device_ops::linear(tape, x, w, b);
    } else {
        const bool grad = tape.recording() && (x.requires_grad() || w.requires_grad() || (has_bias && b.requires_grad()));
        const index rows = x.rows();
        Var<T> y = tape.make(x.contiguous() ? x.shape.with_width(out) : Shape{rows, out}, grad);
        if (has_bias) {
            for (index r = 0; r < rows; ++r) B::copy(b.val, y.val + r * y.ld, out);
        }
        B::gemm(false, true, rows, out, in, T(1), x.val, x.ld, w.val, w.ld, has_bias ? T(1) : T(0), y.val, y.ld);
        if (grad) {
            tape.record([x, w, b, y, rows, in, out, has_bias] {
                if (x.adj) B::gemm(false, false, rows, in, out, T(1), y.adj, y.ld, w.val, w.ld, T(1), x.adj, x.ld);
                if (w.adj) B::gemm(true, false, out, in, rows, T(1), y.adj, y.ld, x.val, x.ld, T(1), w.adj, w.ld);
                if (has_bias && b.adj) {
                    for (index r = 0; r < rows; ++r) {
                        const T* g = y.adj + r * y.ld;
                        CANARY_VECTORIZE
                        for (index c = 0; c < out; ++c) b.adj[c] += g[c];
                    }
                }
            });
        }
        return y;
    }
}

/// The sum of all elements, as a (1) variable. Adjoint: every element receives dS.
template <class T, class B>
Var<T> sum(Tape<T, B>& tape, const Var<T>& x) {
    if constexpr (is_device_backend_v<B>) {
        return device_ops::sum(tape, x);
    } else {
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> s = tape.make(Shape{1}, grad);
        T acc = T(0);
        for (index r = 0; r < x.rows(); ++r)
            for (index c = 0; c < x.cols(); ++c) acc += x(r, c);
        s.val[0] = acc;
        if (grad) {
            tape.record([x, s] {
                const T g = s.adj[0];
                for (index r = 0; r < x.rows(); ++r)
                    for (index c = 0; c < x.cols(); ++c) x.grad(r, c) += g;
            });
        }
        return s;
    }
}

/// The mean of all elements, as a (1) variable. Adjoint: dS / n to every element.
template <class T, class B>
Var<T> mean(Tape<T, B>& tape, const Var<T>& x) {
    if (x.numel() == 0) detail::fail("mean", "empty tensor");
    return eval(tape, sum(tape, x) * (T(1) / static_cast<T>(x.numel())));
}

/// Column sums of the matrix view: (rows, C) -> (1, C). Adjoint: dX(r, c) += dS(c).
template <class T, class B>
Var<T> sum_rows(Tape<T, B>& tape, const Var<T>& x) {
    if constexpr (is_device_backend_v<B>) {
        return device_ops::sum_rows(tape, x);
    } else {
        const bool grad = tape.recording() && x.requires_grad();
        const index C = x.cols();
        Var<T> s = tape.zeros(Shape{1, C}, grad);
        for (index r = 0; r < x.rows(); ++r) {
            const T* xr = x.val + r * x.ld;
            CANARY_VECTORIZE
            for (index c = 0; c < C; ++c) s.val[c] += xr[c];
        }
        if (grad) {
            tape.record([x, s, C] {
                for (index r = 0; r < x.rows(); ++r) {
                    T* g = x.adj + r * x.ld;
                    CANARY_VECTORIZE
                    for (index c = 0; c < C; ++c) g[c] += s.adj[c];
                }
            });
        }
        return s;
    }
}

/// Row sums of the matrix view: (R, C) -> (R, 1). Adjoint: dX(r, c) += dS(r).
template <class T, class B>
Var<T> sum_cols(Tape<T, B>& tape, const Var<T>& x) {
    if constexpr (is_device_backend_v<B>) {
        return device_ops::sum_cols(tape, x);
    } else {
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> s = tape.make(Shape{x.rows(), 1}, grad);
        for (index r = 0; r < x.rows(); ++r) {
            T acc = T(0);
            for (index c = 0; c < x.cols(); ++c) acc += x(r, c);
            s.val[r] = acc;
        }
        if (grad) {
            tape.record([x, s] {
                const index C = x.cols();
                for (index r = 0; r < x.rows(); ++r) {
                    const T g = s.adj[r];
                    T* xr = x.adj + r * x.ld;
                    CANARY_VECTORIZE
                    for (index c = 0; c < C; ++c) xr[c] += g;
                }
            });
        }
        return s;
    }
}

/// Concatenation along the last dimension: (R, Ca) ++ (R, Cb) -> (R, Ca + Cb). Its inverse,
/// splitting, is a pair of col_block views and needs no node. Adjoint: each input receives its block.
template <class T, class B>
Var<T> concat_cols(Tape<T, B>& tape, const Var<T>& a, const Var<T>& b) {
    if (a.rows() != b.rows()) detail::fail("concat_cols", "row counts differ: " + a.shape.str() + " and " + b.shape.str());
    if constexpr (is_device_backend_v<B>) {
        return device_ops::concat_cols(tape, a, b);
    } else {
        const bool grad = tape.recording() && (a.requires_grad() || b.requires_grad());
        const index ca = a.cols(), cb = b.cols();
        Shape shape = (a.contiguous() && a.shape.rank() >= 2) ? a.shape.with_width(ca + cb) : Shape{a.rows(), ca + cb};
        Var<T> y = tape.make(shape, grad);
        for (index r = 0; r < a.rows(); ++r) {
            B::copy(a.val + r * a.ld, y.val + r * y.ld, ca);
            B::copy(b.val + r * b.ld, y.val + r * y.ld + ca, cb);
        }
        if (grad) {
            tape.record([a, b, y, ca, cb] {
                for (index r = 0; r < a.rows(); ++r) {
                    const T* g = y.adj + r * y.ld;
                    if (a.adj) {
                        CANARY_VECTORIZE
                        for (index c = 0; c < ca; ++c) a.adj[r * a.ld + c] += g[c];
                    }
                    if (b.adj) {
                        CANARY_VECTORIZE
                        for (index c = 0; c < cb; ++c) b.adj[r * b.ld + c] += g[ca + c];
                    }
                }
            });
        }
        return y;
    }
}

/// A contiguous copy of a (possibly strided) view, e.g. one time step. Adjoint: identity.
template <class T, class B>
Var<T> copy(Tape<T, B>& tape, const Var<T>& x) {
    return eval(tape, x);
}

/// Softmax along the last dimension (each row of the matrix view sums to one).
/// Adjoint: dX = Y * (dY - rowsum(dY * Y)).
template <class T, class B>
Var<T> softmax(Tape<T, B>& tape, const Var<T>& x) {
    if constexpr (is_device_backend_v<B>) {
        return device_ops::softmax(tape, x);
    } else {
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> y = tape.make(x.contiguous() ? x.shape : Shape{x.rows(), x.cols()}, grad);
        const index C = x.cols();
        for (index r = 0; r < x.rows(); ++r) {
            const T* xr = x.val + r * x.ld;
            T* yr = y.val + r * y.ld;
            T mx = -std::numeric_limits<T>::infinity();
            for (index c = 0; c < C; ++c) mx = std::max(mx, xr[c]);
            T z = T(0);
            for (index c = 0; c < C; ++c) {
                yr[c] = std::exp(xr[c] - mx);
                z += yr[c];
            }
            const T inv = T(1) / z;
            for (index c = 0; c < C; ++c) yr[c] *= inv;
        }
        if (grad) {
            tape.record([x, y, C] {
                for (index r = 0; r < x.rows(); ++r) {
                    const T* yr = y.val + r * y.ld;
                    const T* gy = y.adj + r * y.ld;
                    T dot = T(0);
                    for (index c = 0; c < C; ++c) dot += gy[c] * yr[c];
                    T* gx = x.adj + r * x.ld;
                    for (index c = 0; c < C; ++c) gx[c] += yr[c] * (gy[c] - dot);
                }
            });
        }
        return y;
    }
}

/// context(b, :) = sum_t weights(b, t) * x(b, t, :): a (B, T) weighting of a (B, T, F) sequence
/// -> (B, F). Per batch row it is the product weights_b (1, T) x X_b (T, F), so
///   dweights_b += dcontext_b X_b^T   and   dX_b += weights_b^T dcontext_b.
/// requires: x rank 3 (B, T, F) with the matrix row stride x.ld; weights (B, T) with row stride ld.
template <class T, class B>
Var<T> weighted_time_sum(Tape<T, B>& tape, const Var<T>& weights, const Var<T>& x) {
    if (x.shape.rank() != 3 || weights.rows() != x.shape[0] || weights.cols() != x.shape[1])
        detail::fail("weighted_time_sum", "weights " + weights.shape.str() + " do not fit the sequence " + x.shape.str());
    const index batch = x.shape[0], steps = x.shape[1], F = x.cols();
    const bool grad = tape.recording() && (weights.requires_grad() || x.requires_grad());
    Var<T> context = tape.make(Shape{batch, F}, grad);
    if constexpr (is_device_backend_v<B>) {
        // The device path: the same products, each as ONE batched GEMM over the batch rows.
        gemm_strided_batched<B>(batch, false, false, 1, F, steps, T(1), weights.val, steps, weights.ld, x.val, x.ld,
                                steps * x.ld, T(0), context.val, F, F);
        if (grad) {
            tape.record([weights, x, context, batch, steps, F] {
                if (weights.adj)
                    gemm_strided_batched<B>(batch, false, true, 1, steps, F, T(1), context.adj, F, F, x.val, x.ld, steps * x.ld,
                                            T(1), weights.adj, steps, weights.ld);
                if (x.adj)
                    gemm_strided_batched<B>(batch, true, false, steps, F, 1, T(1), weights.val, steps, weights.ld, context.adj,
                                            F, F, T(1), x.adj, x.ld, steps * x.ld);
            });
        }
    } else {
        for (index b = 0; b < batch; ++b)
            B::gemm(false, false, 1, F, steps, T(1), weights.val + b * weights.ld, steps, x.val + b * steps * x.ld, x.ld,
                    T(0), context.val + b * F, F);
        if (grad) {
            tape.record([weights, x, context, batch, steps, F] {
                for (index b = 0; b < batch; ++b) {
                    const T* g = context.adj + b * F;
                    const T* xb = x.val + b * steps * x.ld;
                    if (weights.adj)
                        B::gemm(false, true, 1, steps, F, T(1), g, F, xb, x.ld, T(1), weights.adj + b * weights.ld, steps);
                    if (x.adj)
                        B::gemm(true, false, steps, F, 1, T(1), weights.val + b * weights.ld, steps, g, F, T(1),
                                x.adj + b * steps * x.ld, x.ld);
                }
            });
        }
    }
    return context;
}

namespace kernels {
/// y(b, i) = x(b, i) + table(i) over contiguous (batch, n) rows; a (row, column) body.
template <class T>
struct AddTable {
    const T* x;
    const T* table;
    T* y;
    index n;  // time * dim
    CANARY_HD void operator()(index b, index i) const { y[b * n + i] = x[b * n + i] + table[i]; }
};
}  // namespace kernels

namespace detail {
/// y(b, t, :) = x(b, t, :) + table(t, :) for a contiguous (batch, time, dim) x and a (time, dim)
/// table; the adjoints reach x and, when table_adj is given, the table (batches summed in order).
/// One statement for every policy: a vectorised row loop on the CPU, one kernel on a device.
template <class T, class B>
Var<T> add_time_table(Tape<T, B>& tape, const Var<T>& x, const T* table, T* table_adj, const std::string& who) {
    if (x.shape.rank() != 3 || !x.contiguous()) throw shape_error(who + ": input must be a (batch, time, features) tensor");
    const index batch = x.shape[0], n = x.shape[1] * x.shape[2];
    const bool grad = tape.recording() && (x.requires_grad() || table_adj);
    Var<T> y = tape.make(x.shape, grad);
    B::for_each_row(batch, n, kernels::AddTable<T>{x.val, table, y.val, n});
    if (grad) {
        tape.record([x, y, table_adj, batch, n] {
            if (x.adj) B::for_each_row(batch, n, kernels::CopyRows<T, true>{y.adj, n, x.adj, n});
            if (table_adj) B::for_each_index(n, kernels::ColumnSums<T>{y.adj, n, batch, table_adj});
        });
    }
    return y;
}
}  // namespace detail

}  // namespace canary

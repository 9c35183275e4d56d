#pragma once
// The device implementations of the tape operations (canary/autodiff/ops.hpp, train/losses.hpp),
// written once for every device policy: they touch memory only through the policy's static
// interface (B::gemm, B::zero, B::copy, B::for_each_index with the bodies of
// canary/backend/kernels.hpp, and B::reduce for a deterministic sum). They record tape nodes, so
// they live in autodiff/ (a backend only runs pointer-level kernels); an operation dispatches here
// with `if constexpr (is_device_backend_v<B>)`. Each mirrors its CPU operation: same result shape,
// same adjoint formula. Nothing here includes a CUDA header, so the host test policy of
// tests/backend/device_path_test.cpp runs this very code on the CPU.
#include <string>

#include "canary/autodiff/expr.hpp"
#include "canary/autodiff/tape.hpp"
#include "canary/backend/kernels.hpp"

namespace canary {

namespace kernels {
/// Element k of a (rows, cols) strided view.
template <class T>
struct ElementAt {
    const T* x;
    index ld;
    index cols;
    CANARY_HD T operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        return x[i * ld + j];
    }
};

/// Per-element loss value f.value(x, y) at element k.
template <class T, class F>
struct LossAt {
    F f;
    const T* x;
    index ldx;
    const T* y;
    index ldy;
    index cols;
    CANARY_HD T operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        return f.value(x[i * ldx + j], y[i * ldy + j]);
    }
};
}  // namespace kernels

struct device_ops {
    template <class T, class B>
    static Var<T> sum(Tape<T, B>& tape, const Var<T>& x) {
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> s = tape.make(Shape{1}, grad);
        B::reduce(x.numel(), kernels::ElementAt<T>{x.val, x.ld, x.cols()}, T(1), s.val);
        if (grad) {
            tape.record([x, s] {
                B::for_each_index(x.numel(), kernels::AddScalar<T>{s.adj, x.adj, x.ld, x.cols()});
            });
        }
        return s;
    }

    template <class T, class B>
    static Var<T> sum_rows(Tape<T, B>& tape, const Var<T>& x) {
        const bool grad = tape.recording() && x.requires_grad();
        const index C = x.cols();
        Var<T> s = tape.zeros(Shape{1, C}, grad);
        B::for_each_index(C, kernels::ColumnSums<T>{x.val, x.ld, x.rows(), s.val});
        if (grad) {
            tape.record([x, s, C] {
                B::for_each_index(x.rows() * C, kernels::AddRow<T>{s.adj, x.adj, x.ld, C});
            });
        }
        return s;
    }

    template <class T, class B>
    static Var<T> sum_cols(Tape<T, B>& tape, const Var<T>& x) {
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> s = tape.make(Shape{x.rows(), 1}, grad);
        B::for_each_index(x.rows(), kernels::RowSums<T>{x.val, x.ld, x.cols(), s.val, 1});
        if (grad) {
            tape.record([x, s] {
                B::for_each_index(x.numel(), kernels::AddPerRow<T>{s.adj, 1, x.adj, x.ld, x.cols()});
            });
        }
        return s;
    }

    /// linear(): bias broadcast kernel, one cuBLAS GEMM forward; two GEMMs and one column-sum
    /// kernel backward.
    template <class T, class B>
    static Var<T> linear(Tape<T, B>& tape, const Var<T>& x, const Var<T>& w, const Var<T>& b) {
        const index in = w.cols(), out = w.rows();
        const bool has_bias = b.val != nullptr;
        const bool grad = tape.recording() && (x.requires_grad() || w.requires_grad() || (has_bias && b.requires_grad()));
        const index rows = x.rows();
        Var<T> y = tape.make(x.contiguous() ? x.shape.with_width(out) : Shape{rows, out}, grad);
        if (has_bias) B::for_each_index(rows * out, kernels::BroadcastRow<T>{b.val, y.val, y.ld, out});
        B::gemm(false, true, rows, out, in, T(1), x.val, x.ld, w.val, w.ld, has_bias ? T(1) : T(0), y.val, y.ld);
        if (grad) {
            tape.record([x, w, b, y, rows, in, out, has_bias] {
                if (x.adj) B::gemm(false, false, rows, in, out, T(1), y.adj, y.ld, w.val, w.ld, T(1), x.adj, x.ld);
                if (w.adj) B::gemm(true, false, out, in, rows, T(1), y.adj, y.ld, x.val, x.ld, T(1), w.adj, w.ld);
                if (has_bias && b.adj) B::for_each_index(out, kernels::ColumnSums<T>{y.adj, y.ld, rows, b.adj});
            });
        }
        return y;
    }

    template <class T, class B>
    static Var<T> concat_cols(Tape<T, B>& tape, const Var<T>& a, const Var<T>& b) {
        const bool grad = tape.recording() && (a.requires_grad() || b.requires_grad());
        const index ca = a.cols(), cb = b.cols(), rows = a.rows();
        Shape shape = (a.contiguous() && a.shape.rank() >= 2) ? a.shape.with_width(ca + cb) : Shape{rows, ca + cb};
        Var<T> y = tape.make(shape, grad);
        B::for_each_index(rows * ca, kernels::CopyMatrix<T>{a.val, a.ld, y.val, y.ld, ca, false});
        B::for_each_index(rows * cb, kernels::CopyMatrix<T>{b.val, b.ld, y.val + ca, y.ld, cb, false});
        if (grad) {
            tape.record([a, b, y, ca, cb, rows] {
                if (a.adj) B::for_each_index(rows * ca, kernels::CopyMatrix<T>{y.adj, y.ld, a.adj, a.ld, ca, true});
                if (b.adj) B::for_each_index(rows * cb, kernels::CopyMatrix<T>{y.adj + ca, y.ld, b.adj, b.ld, cb, true});
            });
        }
        return y;
    }

    /// Softmax along the last dimension; one thread per row (the CPU's row loop as a body).
    template <class T, class B>
    static Var<T> softmax(Tape<T, B>& tape, const Var<T>& x) {
        const bool grad = tape.recording() && x.requires_grad();
        Var<T> y = tape.make(x.contiguous() ? x.shape : Shape{x.rows(), x.cols()}, grad);
        const index C = x.cols();
        B::for_each_index(x.rows(), kernels::SoftmaxRows<T>{x.val, x.ld, y.val, y.ld, C});
        if (grad) {
            tape.record([x, y, C] {
                B::for_each_index(x.rows(), kernels::SoftmaxRowsBackward<T>{y.val, y.adj, y.ld, x.adj, x.ld, C});
            });
        }
        return y;
    }

    /// loss = mean_i f.value(x_i, y_i); dx_i += dL f.derivative(x_i, y_i) / n. One deterministic
    /// reduction kernel forward, one element-wise kernel backward.
    template <class T, class B, class F>
    static Var<T> mean_elementwise_loss(Tape<T, B>& tape, const Var<T>& pred, const Var<T>& target, F f) {
        const index n = pred.numel();
        const bool grad = tape.recording() && pred.requires_grad();
        Var<T> loss = tape.make(Shape{1}, grad);
        B::reduce(n, kernels::LossAt<T, F>{f, pred.val, pred.ld, target.val, target.ld, pred.cols()}, static_cast<T>(n),
                  loss.val);
        if (grad) {
            tape.record([pred, target, loss, n, f] {
                B::for_each_index(n, kernels::ElementwiseLossBackward<T, F>{f, pred.val, pred.ld, target.val, target.ld,
                                                                              pred.adj, loss.adj, static_cast<T>(n),
                                                                              pred.cols()});
            });
        }
        return loss;
    }
};

}  // namespace canary

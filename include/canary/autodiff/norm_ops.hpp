#pragma once
// layer_norm: the computation of canary::LayerNorm (layers/layer_norm.hpp) as one tape operation,
// normalising each row of the matrix view over its Dim values, then scaling and shifting. The CPU
// path keeps its row loops; a device policy runs the kernel bodies below (one per row forward;
// backward one per column for weight and bias, one per row for the input, in the CPU's order).
#include <cmath>

#include "canary/autodiff/tape.hpp"
#include "canary/core/hd.hpp"

namespace canary {

namespace kernels {
/// LayerNorm forward of one row (the CPU loop): two-pass mean and variance, xhat (when saved),
/// y = xhat * w + b, 1/sigma (when saved).
template <class T>
struct LayerNormRow {
    const T* x;
    index ldx;
    T* y;
    index ldy;
    T* xhat;  // nullptr in inference: y holds xhat transiently
    T* rstd;
    const T* w;
    const T* b;
    index dim;
    T eps;
    CANARY_HD void operator()(index r) const {
        const T* xr = x + r * ldx;
        T* yr = y + r * ldy;
        T mu = T(0);
        for (index c = 0; c < dim; ++c) mu += xr[c];
        mu /= static_cast<T>(dim);
        T var = T(0);
        for (index c = 0; c < dim; ++c) var += (xr[c] - mu) * (xr[c] - mu);
        var /= static_cast<T>(dim);
        const T inv = T(1) / std::sqrt(var + eps);
        T* hr = xhat ? xhat + r * dim : yr;
        for (index c = 0; c < dim; ++c) hr[c] = (xr[c] - mu) * inv;
        for (index c = 0; c < dim; ++c) yr[c] = hr[c] * w[c] + b[c];
        if (rstd) rstd[r] = inv;
    }
};
/// Weight and bias gradients of one column, rows in order (the CPU's accumulation order).
template <class T>
struct LayerNormParamGrad {
    const T* g;
    index ldg;
    const T* xhat;
    index rows, dim;
    T* dw;  // may be nullptr
    T* db;  // may be nullptr
    CANARY_HD void operator()(index c) const {
        for (index r = 0; r < rows; ++r) {
            if (dw) dw[c] += g[r * ldg + c] * xhat[r * dim + c];
            if (db) db[c] += g[r * ldg + c];
        }
    }
};
/// Input gradient of one row.
template <class T>
struct LayerNormInputGrad {
    const T* g;
    index ldg;
    const T* xhat;
    const T* rstd;
    const T* w;
    T* gx;
    index ldx;
    index dim;
    CANARY_HD void operator()(index r) const {
        const T* gr = g + r * ldg;
        const T* hr = xhat + r * dim;
        const T inv_dim = T(1) / static_cast<T>(dim);
        T mean_gw = T(0), mean_gw_xhat = T(0);
        for (index c = 0; c < dim; ++c) {
            const T gw = gr[c] * w[c];
            mean_gw += gw;
            mean_gw_xhat += gw * hr[c];
        }
        mean_gw *= inv_dim;
        mean_gw_xhat *= inv_dim;
        T* gxr = gx + r * ldx;
        const T s = rstd[r];
        for (index c = 0; c < dim; ++c) gxr[c] += s * (gr[c] * w[c] - mean_gw - hr[c] * mean_gw_xhat);
    }
};
}  // namespace kernels

/// y = (x - mean) / sqrt(var + epsilon) * w + bias per row of x (width Dim); w, bias (Dim).
template <index Dim, class T, class B>
Var<T> layer_norm(Tape<T, B>& tape, const Var<T>& x, const Var<T>& w, const Var<T>& bias, T epsilon) {
    if constexpr (is_device_backend_v<B>) {
        const bool grad = tape.recording() && (x.requires_grad() || w.requires_grad() || bias.requires_grad());
        const index rows = x.rows();
        Var<T> y = tape.make(x.contiguous() ? x.shape : Shape{rows, Dim}, grad);
        T* xhat = grad ? tape.scratch(rows * Dim) : nullptr;
        T* rstd = grad ? tape.scratch(rows) : nullptr;
        B::for_each_index(rows, kernels::LayerNormRow<T>{x.val, x.ld, y.val, y.ld, xhat, rstd, w.val, bias.val, Dim,
                                                         epsilon});
        if (grad) {
            tape.record([x, w, bias, y, xhat, rstd, rows] {
                if (w.adj || bias.adj)
                    B::for_each_index(Dim, kernels::LayerNormParamGrad<T>{y.adj, y.ld, xhat, rows, Dim, w.adj, bias.adj});
                if (x.adj)
                    B::for_each_index(rows, kernels::LayerNormInputGrad<T>{y.adj, y.ld, xhat, rstd, w.val, x.adj, x.ld, Dim});
            });
        }
        return y;
    } else {
        const bool grad = tape.recording() && (x.requires_grad() || w.requires_grad() || bias.requires_grad());
        const index rows = x.rows();
        Var<T> y = tape.make(x.contiguous() ? x.shape : Shape{rows, Dim}, grad);
        // Saved for the backward pass: the normalised input and 1/sigma of every row.
        T* xhat = grad ? tape.scratch(rows * Dim) : nullptr;
        T* rstd = grad ? tape.scratch(rows) : nullptr;
        for (index r = 0; r < rows; ++r) {
            const T* xr = x.val + r * x.ld;
            T* yr = y.val + r * y.ld;
            // Two passes (mean, then centred squares) avoid the cancellation of E[x^2] - E[x]^2.
            T mu = T(0);
            for (index c = 0; c < Dim; ++c) mu += xr[c];
            mu /= static_cast<T>(Dim);
            T var = T(0);
            for (index c = 0; c < Dim; ++c) var += (xr[c] - mu) * (xr[c] - mu);
            var /= static_cast<T>(Dim);
            const T inv = T(1) / std::sqrt(var + epsilon);
            T* hr = xhat ? xhat + r * Dim : yr;  // without a tape record, y holds xhat transiently
            CANARY_VECTORIZE
            for (index c = 0; c < Dim; ++c) hr[c] = (xr[c] - mu) * inv;
            CANARY_VECTORIZE
            for (index c = 0; c < Dim; ++c) yr[c] = hr[c] * w.val[c] + bias.val[c];
            if (rstd) rstd[r] = inv;
        }
        if (grad) {
            tape.record([x, w, bias, y, xhat, rstd, rows] {
                const T inv_dim = T(1) / static_cast<T>(Dim);
                for (index r = 0; r < rows; ++r) {
                    const T* g = y.adj + r * y.ld;
                    const T* hr = xhat + r * Dim;
                    if (w.adj) {
                        CANARY_VECTORIZE
                        for (index c = 0; c < Dim; ++c) w.adj[c] += g[c] * hr[c];
                    }
                    if (bias.adj) {
                        CANARY_VECTORIZE
                        for (index c = 0; c < Dim; ++c) bias.adj[c] += g[c];
                    }
                    if (x.adj) {
                        T mean_gw = T(0), mean_gw_xhat = T(0);
                        for (index c = 0; c < Dim; ++c) {
                            const T gw = g[c] * w.val[c];
                            mean_gw += gw;
                            mean_gw_xhat += gw * hr[c];
                        }
                        mean_gw *= inv_dim;
                        mean_gw_xhat *= inv_dim;
                        T* gx = x.adj + r * x.ld;
                        const T s = rstd[r];
                        CANARY_VECTORIZE
                        for (index c = 0; c < Dim; ++c) gx[c] += s * (g[c] * w.val[c] - mean_gw - hr[c] * mean_gw_xhat);
                    }
                }
            });
        }
        return y;
    }
}

}  // namespace canary

#pragma once
// Kernel bodies shared by every backend: small CANARY_HD functors over one index. A backend runs
// them with B::for_each_index(n, body): the CPU policy as a plain loop, the CUDA policy as a
// grid-stride kernel. The CPU tests run these bodies on the host and compare them with the CPU
// operations (tests/backend/backend_kernels_test.cpp), so the code the GPU executes is tested here too.
//
// Conventions: matrices are row-major views (pointer, row stride); a body writes only the
// elements its index owns, so iterations are independent. Sums keep the CPU operations' order
// (a body that owns a column or a row loops over the other extent sequentially).
#include <cmath>
#include <limits>

#include "canary/core/math.hpp"
#include "canary/core/hd.hpp"
#include "canary/core/shape.hpp"

namespace canary::kernels {

/// *p += v where several indices of one kernel may add to the same place: atomic on a device
/// (float order then varies between runs, within rounding), a plain add in host loops.
template <class T>
CANARY_HD inline void shared_add(T* p, T v) {
#if CANARY_DEVICE_PASS
    atomicAdd(p, v);
#else
    *p += v;
#endif
}

/// body(r, j) for k = r * cols + j: how a device policy runs a (row, column) body (Cpu::for_each_row)
/// over one flat index.
template <class F>
struct RowCol {
    F body;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index r = k / cols;
        body(r, k - r * cols);
    }
};

/// dst(r, j) = src(r, j), or += with Accumulate; a (row, column) body.
template <class T, bool Accumulate>
struct CopyRows {
    const T* src;
    index lds;
    T* dst;
    index ldd;
    CANARY_HD void operator()(index r, index j) const {
        if constexpr (Accumulate) dst[r * ldd + j] += src[r * lds + j];
        else dst[r * ldd + j] = src[r * lds + j];
    }
};

/// dst(r, j) = value; a (row, column) body.
template <class T>
struct FillRows {
    T* dst;
    index ldd;
    T value;
    CANARY_HD void operator()(index r, index j) const { dst[r * ldd + j] = value; }
};

/// dst[k] = a[k] + b[k] (an n-vector).
template <class T>
struct AddVectors {
    const T* a;
    const T* b;
    T* dst;
    CANARY_HD void operator()(index k) const { dst[k] = a[k] + b[k]; }
};

/// dst[k] += src[k] (an n-vector).
template <class T>
struct AddInto {
    const T* src;
    T* dst;
    CANARY_HD void operator()(index k) const { dst[k] += src[k]; }
};

/// p[k] = value (an n-vector)
template <class T>
struct Fill {
    T* p;
    T value;
    CANARY_HD void operator()(index k) const { p[k] = value; }
};

/// p[k] *= s (an n-vector)
template <class T>
struct Scale {
    T* p;
    T s;
    CANARY_HD void operator()(index k) const { p[k] *= s; }
};

/// dst(i, j) = value for a (rows, cols) strided view; k runs over rows * cols.
template <class T>
struct FillMatrix {
    T* dst;
    index ldd;
    index cols;
    T value;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        dst[i * ldd + j] = value;
    }
};

/// dst(i, j) = src(i, j), or += with accumulate; k runs over rows * cols.
template <class T>
struct CopyMatrix {
    const T* src;
    index lds;
    T* dst;
    index ldd;
    index cols;
    bool accumulate;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        if (accumulate) dst[i * ldd + j] += src[i * lds + j];
        else dst[i * ldd + j] = src[i * lds + j];
    }
};

/// dst(i, j) = row[j] for every row (a bias broadcast); k runs over rows * cols.
template <class T>
struct BroadcastRow {
    const T* row;
    T* dst;
    index ldd;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        dst[i * ldd + j] = row[j];
    }
};

/// For column j of a contiguous (rows, cols) block: acc = its sum over rows (in order), then
/// first[j] += acc and second[j] += acc where given (the two bias gradients of a recurrent cell).
template <class T>
struct ColumnSumsInto {
    const T* m;
    index rows;
    index cols;
    T* first;
    T* second;
    CANARY_HD void operator()(index j) const {
        T acc = T(0);
        for (index r = 0; r < rows; ++r) acc += m[r * cols + j];
        if (first) first[j] += acc;
        if (second) second[j] += acc;
    }
};

/// dst[k] = a[j] + b[j] with j = k mod cols (e.g. b_ih + b_hh of an LSTM, summed once per sequence).
template <class T>
struct SumOfRows {
    const T* a;
    const T* b;
    T* dst;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index j = k - (k / cols) * cols;
        dst[k] = a[j] + b[j];
    }
};

/// dst(i, j) += row[j] for every row (the adjoint of a column sum); k runs over rows * cols.
template <class T>
struct AddRow {
    const T* row;
    T* dst;
    index ldd;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        dst[i * ldd + j] += row[j];
    }
};

/// dst(i, j) += s for every element of a (rows, cols) view, s read from *scalar; k over rows * cols.
template <class T>
struct AddScalar {
    const T* scalar;
    T* dst;
    index ldd;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        dst[i * ldd + j] += *scalar;
    }
};

/// out[c] += sum over rows of x(r, c), rows in order; one index per column (column sums, the bias
/// gradient of linear, sum_rows).
template <class T>
struct ColumnSums {
    const T* x;
    index ldx;
    index rows;
    T* out;
    CANARY_HD void operator()(index c) const {
        T acc = out[c];
        for (index r = 0; r < rows; ++r) acc += x[r * ldx + c];
        out[c] = acc;
    }
};

/// out[r * ldo] = sum over columns of x(r, c), columns in order; one index per row (sum_cols).
template <class T>
struct RowSums {
    const T* x;
    index ldx;
    index cols;
    T* out;
    index ldo;
    CANARY_HD void operator()(index r) const {
        T acc = T(0);
        for (index c = 0; c < cols; ++c) acc += x[r * ldx + c];
        out[r * ldo] = acc;
    }
};

/// dst(r, c) += g[r * ldg] for every column; k runs over rows * cols (the adjoint of RowSums).
template <class T>
struct AddPerRow {
    const T* g;
    index ldg;
    T* dst;
    index ldd;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        dst[i * ldd + j] += g[i * ldg];
    }
};

/// Softmax of one row (max-shifted, as canary::softmax); one index per row.
template <class T>
struct SoftmaxRows {
    const T* x;
    index ldx;
    T* y;
    index ldy;
    index cols;
    CANARY_HD void operator()(index r) const {
        const T* xr = x + r * ldx;
        T* yr = y + r * ldy;
        T mx = -std::numeric_limits<T>::infinity();
        for (index c = 0; c < cols; ++c) mx = mx < xr[c] ? xr[c] : mx;  // std::max(mx, x)
        T z = T(0);
        for (index c = 0; c < cols; ++c) {
            yr[c] = std::exp(xr[c] - mx);
            z += yr[c];
        }
        const T inv = T(1) / z;
        for (index c = 0; c < cols; ++c) yr[c] *= inv;
    }
};

/// The softmax adjoint of one row: dX += Y * (dY - rowsum(dY * Y)); one index per row.
template <class T>
struct SoftmaxRowsBackward {
    const T* y;
    const T* gy;
    index ldy;
    T* gx;
    index ldx;
    index cols;
    CANARY_HD void operator()(index r) const {
        const T* yr = y + r * ldy;
        const T* g = gy + r * ldy;
        T dot = T(0);
        for (index c = 0; c < cols; ++c) dot += g[c] * yr[c];
        T* xr = gx + r * ldx;
        for (index c = 0; c < cols; ++c) xr[c] += yr[c] * (g[c] - dot);
    }
};

/// One element of torch.optim.Adam / AdamW, with the same order of operations as canary::Adam.
template <class T>
struct AdamUpdate {
    T* p;
    const T* g;
    T* m;
    T* v;
    T beta1, beta2, eps, step_size, sqrt_bc2, decay, coupled;
    CANARY_HD void operator()(index i) const {
        const T gi = g[i] + coupled * p[i];
        p[i] *= decay;
        m[i] = beta1 * m[i] + (T(1) - beta1) * gi;
        v[i] = beta2 * v[i] + (T(1) - beta2) * gi * gi;
        p[i] -= step_size * m[i] / (std::sqrt(v[i]) / sqrt_bc2 + eps);
    }
};

/// One element of torch.optim.SGD, with the same order of operations as canary::SGD.
template <class T>
struct SgdUpdate {
    T* p;
    const T* g;
    T* buf;  // momentum buffer (unused without momentum)
    T lr, momentum, weight_decay, dampening;
    bool nesterov, first;
    CANARY_HD void operator()(index i) const {
        T d = g[i] + weight_decay * p[i];
        if (momentum != T(0)) {
            T& b = buf[i];
            b = first ? d : momentum * b + (T(1) - dampening) * d;
            d = nesterov ? d + momentum * b : b;
        }
        p[i] -= lr * d;
    }
};

/// g_i^2 in double (the terms of clip_grad_norm's norm).
template <class T>
struct SquareAsDouble {
    const T* g;
    CANARY_HD double operator()(index i) const { return static_cast<double>(g[i]) * static_cast<double>(g[i]); }
};

/// The per-element value and derivative of torch.nn.BCEWithLogitsLoss(pos_weight):
///   l = (1 - y) x + (1 + (w - 1) y) softplus(-x),  dl/dx = (1 + (w - 1) y)(s(x) - 1) + (1 - y).
template <class T>
struct BceWithLogits {
    T pos_weight;
    static CANARY_HD T softplus_stable(T x) {
        return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    }
    static CANARY_HD T sigmoid_exact(T x) {
        return x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
    }
    CANARY_HD T value(T x, T y) const {
        return (T(1) - y) * x + (T(1) + (pos_weight - T(1)) * y) * softplus_stable(-x);
    }
    CANARY_HD T derivative(T x, T y) const {
        return (T(1) + (pos_weight - T(1)) * y) * (sigmoid_exact(x) - T(1)) + (T(1) - y);
    }
};

/// The per-element sigmoid focal loss and its derivative (canary::focal_loss's formulas).
template <class T>
struct FocalLoss {
    T alpha, gamma;
    CANARY_HD void parts(T x, T y, T& a_t, T& p, T& pt, T& ce) const {
        p = BceWithLogits<T>::sigmoid_exact(x);
        ce = (T(1) - y) * x + BceWithLogits<T>::softplus_stable(-x);
        pt = p * y + (T(1) - p) * (T(1) - y);
        a_t = alpha >= T(0) ? alpha * y + (T(1) - alpha) * (T(1) - y) : T(1);
    }
    CANARY_HD T value(T x, T y) const {
        T a_t, p, pt, ce;
        parts(x, y, a_t, p, pt, ce);
        return a_t * ce * std::pow(T(1) - pt, gamma);
    }
    CANARY_HD T derivative(T x, T y) const {
        T a_t, p, pt, ce;
        parts(x, y, a_t, p, pt, ce);
        const T one_minus_pt = T(1) - pt;
        const T m = std::pow(one_minus_pt, gamma);
        const T dm = gamma == T(0) ? T(0) : gamma * std::pow(one_minus_pt, gamma - T(1)) * -(p * (T(1) - p) * (T(2) * y - T(1)));
        return a_t * ((p - y) * m + ce * dm);
    }
};

/// torch.nn.MSELoss per element: l = (x - y)^2, dl/dx = 2 (x - y).
template <class T>
struct SquaredError {
    CANARY_HD T value(T x, T y) const { return (x - y) * (x - y); }
    CANARY_HD T derivative(T x, T y) const { return T(2) * (x - y); }
};

/// dx(i, j) += scale * f.derivative(x(i, j), y(i, j)), scale = *upstream / n; k over rows * cols.
template <class T, class F>
struct ElementwiseLossBackward {
    F f;
    const T* x;
    index ldx;
    const T* y;
    index ldy;
    T* gx;
    const T* upstream;
    T n;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        const T scale = *upstream / n;
        gx[i * ldx + j] += scale * f.derivative(x[i * ldx + j], y[i * ldy + j]);
    }
};

}  // namespace canary::kernels

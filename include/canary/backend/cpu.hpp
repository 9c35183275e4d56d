#pragma once
// The CPU backend policy. Layers never touch memory or BLAS directly; they go through a backend
// type, so a GPU policy with the same static interface slots in without changing layer code.
#include <algorithm>
#include <cstring>

#include <Eigen/Core>

#include "canary/backend/traits.hpp"
#include "canary/core/arena.hpp"
#include "canary/core/hd.hpp"
#include "canary/core/shape.hpp"

// Inner loops over contiguous columns carry no dependence between iterations; telling the
// compiler lets it vectorise the fused element-wise kernels (including the transcendental
// functions of canary/autodiff/math.hpp) even when it cannot prove that leaves do not alias.
#if defined(__clang__)
#define CANARY_VECTORIZE _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define CANARY_VECTORIZE _Pragma("GCC ivdep")
#else
#define CANARY_VECTORIZE
#endif

namespace canary {

namespace detail {
inline int& thread_setting() noexcept {
    static int threads = 1;
    return threads;
}
}  // namespace detail

/// How many threads canary may use inside one operation (default 1). Results do not depend on it:
/// work is split only where each thread computes a fixed part (e.g. the two directions of a
/// bidirectional layer). Also passed to Eigen::setNbThreads, which matters only when the program
/// is compiled with OpenMP. Set it before running models, not while one runs.
inline void set_num_threads(int n) {
    detail::thread_setting() = n < 1 ? 1 : n;
    Eigen::setNbThreads(detail::thread_setting());
}
inline int num_threads() noexcept { return detail::thread_setting(); }

/// The Eigen-based CPU policy.
struct Cpu {
    using memory = HostMemory;
    static constexpr const char* name = "cpu";

    template <class T>
    using RowMajorMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, Eigen::Unaligned,
                                   Eigen::OuterStride<>>;
    template <class T>
    using ConstRowMajorMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                                        Eigen::Unaligned, Eigen::OuterStride<>>;

    /// C = alpha * op(A) * op(B) + beta * C, all row-major with leading dimensions (row strides).
    /// op(A) is (m x k): A is stored (m x k) when !trans_a and (k x m) when trans_a; likewise B.
    /// beta == 0 overwrites C without reading it (C may hold garbage).
    template <class T>
    static void gemm(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a, index lda,
                     const T* b, index ldb, T beta, T* c, index ldc) {
        if (m == 0 || n == 0) return;
        RowMajorMap<T> C(c, m, n, Eigen::OuterStride<>(ldc));
        if (k == 0) {
            if (beta == T(0)) C.setZero();
            else C *= beta;
            return;
        }
        if (beta == T(0)) C.setZero();
        else if (beta != T(1)) C *= beta;
        const ConstRowMajorMap<T> A(a, trans_a ? k : m, trans_a ? m : k, Eigen::OuterStride<>(lda));
        const ConstRowMajorMap<T> B(b, trans_b ? n : k, trans_b ? k : n, Eigen::OuterStride<>(ldb));
        if (!trans_a && !trans_b) C.noalias() += alpha * A * B;
        else if (!trans_a && trans_b) C.noalias() += alpha * A * B.transpose();
        else if (trans_a && !trans_b) C.noalias() += alpha * A.transpose() * B;
        else C.noalias() += alpha * A.transpose() * B.transpose();
    }

    template <class T>
    static void fill(T* p, index n, T value) {
        std::fill(p, p + n, value);
    }
    template <class T>
    static void zero(T* p, index n) {
        if (n > 0) std::memset(p, 0, sizeof(T) * static_cast<std::size_t>(n));
    }
    template <class T>
    static void copy(const T* src, T* dst, index n) {
        if (n > 0) std::memcpy(dst, src, sizeof(T) * static_cast<std::size_t>(n));
    }

    /// Runs body(i) for i in [0, n): the host side of the backends' shared kernel bodies (CANARY_HD
    /// functors over an index). A device policy launches the same body as a grid-stride kernel.
    /// requires: body(i) for distinct i write distinct memory (no dependence between iterations).
    template <class F>
    static void for_each_index(index n, const F& body) {
        CANARY_VECTORIZE
        for (index i = 0; i < n; ++i) body(i);
    }
};

}  // namespace canary

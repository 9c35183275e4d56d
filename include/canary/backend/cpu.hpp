#pragma once
// The CPU backend policy. Layers never touch memory or BLAS directly; they go through a backend
// type, so a GPU policy with the same static interface slots in without changing layer code.
#include <algorithm>
#include <cstring>

#include <Eigen/Core>

#include "canary/backend/parallel.hpp"
#include "canary/core/arena.hpp"
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

/// How many threads canary may use inside one operation (default 1; canary uses at most 2). Work
/// is split only into fixed parts that each write their own memory: the two directions of a
/// bidirectional RNN, two halves of the graphs of a batch or of the batch of an attention, two
/// halves of the rows of a large GEMM (docs/performance.md, "Threading policy"). Results are
/// deterministic for a given setting; the RNN, GCN and attention splits are bitwise equal to one
/// thread, a split GEMM may differ in the last bits. Also passed to Eigen::setNbThreads, which
/// matters only when the program is compiled with OpenMP. Set it before running models, not while
/// one runs.
inline void set_num_threads(int n) {
    detail::thread_setting() = n < 1 ? 1 : n;
    Eigen::setNbThreads(detail::thread_setting());
}

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
    ///
    /// With canary::num_threads() >= 2, outside another parallel part, a product of at least 2^21
    /// multiply-adds is split into two halves of the rows of C (of the columns when C has few
    /// rows), one per thread.
    template <class T>
    static void gemm(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a, index lda,
                     const T* b, index ldb, T beta, T* c, index ldc) {
        if (m == 0 || n == 0) return;
        if (m * n * k >= (index{1} << 21) && num_threads() >= 2 && !in_parallel_part()) {
            if (m >= 64) {
                const index top = (m / 2 + 7) / 8 * 8;  // a multiple of 8 rows keeps rows aligned to the kernel
                const T* a_low = trans_a ? a + top : a + top * lda;
                parallel_invoke(
                    [&] { gemm_serial(trans_a, trans_b, top, n, k, alpha, a, lda, b, ldb, beta, c, ldc); },
                    [&] {
                        gemm_serial(trans_a, trans_b, m - top, n, k, alpha, a_low, lda, b, ldb, beta, c + top * ldc, ldc);
                    });
                return;
            }
            if (n >= 64) {
                const index left = (n / 2 + 15) / 16 * 16;
                const T* b_right = trans_b ? b + left * ldb : b + left;
                parallel_invoke(
                    [&] { gemm_serial(trans_a, trans_b, m, left, k, alpha, a, lda, b, ldb, beta, c, ldc); },
                    [&] {
                        gemm_serial(trans_a, trans_b, m, n - left, k, alpha, a, lda, b_right, ldb, beta, c + left, ldc);
                    });
                return;
            }
        }
        gemm_serial(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// gemm on the calling thread only.
    template <class T>
    static void gemm_serial(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a, index lda,
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
};

}  // namespace canary

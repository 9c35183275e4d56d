#pragma once
// The CPU backend policy. Layers never touch memory or BLAS directly; they go through a backend
// type, so a GPU policy with the same static interface slots in without changing layer code.
#include <algorithm>
#include <cstring>

#include <Eigen/Core>

#include "canary/backend/parallel.hpp"
#include "canary/backend/traits.hpp"
#include "canary/core/arena.hpp"
#include "canary/core/hd.hpp"
#include "canary/core/shape.hpp"
#include "canary/backend/separate_gemm.hpp"

// Inner loops over contiguous columns carry no dependence between iterations; telling the
// compiler lets it vectorise the fused element-wise kernels (including the transcendental
// functions of canary/core/math.hpp) even when it cannot prove that leaves do not alias.
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
/// bidirectional RNN, the two halves of the batch of a unidirectional RNN, two halves of the graphs
/// of a batch or of the batch of an attention, two halves of the rows of a large GEMM
/// (docs/performance.md, "Threading policy"). Results are deterministic for a given setting; the
/// bidirectional, GCN and attention splits are bitwise equal to one thread, the unidirectional
/// RNN's weight gradient and a split GEMM may differ in the last bits. Also passed to Eigen::setNbThreads, which
/// matters only when the program is compiled with OpenMP. Set it before running models, not while
/// one runs.
inline void set_num_threads(int n) {
    detail::thread_setting() = n < 1 ? 1 : n;
    Eigen::setNbThreads(detail::thread_setting());
}

namespace detail {

/// Eigen packs GEMM operands into blocks that it allocates per call, with malloc when a block is
/// larger than EIGEN_STACK_ALLOCATION_LIMIT (128 KB): on the Transformer and batch-256 LSTM shapes
/// that means an mmap/munmap and fresh page faults on every product (the cost measured is in
/// docs/performance.md, "Measurements behind code shapes"). This keeps the blocks in a grow-only
/// per-thread workspace instead.
template <class T>
struct GemmWorkspace {
    T* a = nullptr;
    T* b = nullptr;
    std::size_t a_size = 0, b_size = 0;
    static T* grow(T*& p, std::size_t& size, std::size_t wanted) {
        if (wanted > size) {
            Eigen::internal::aligned_free(p);
            p = static_cast<T*>(Eigen::internal::aligned_malloc(wanted * sizeof(T)));
            size = wanted;
        }
        return p;
    }
    ~GemmWorkspace() {
        Eigen::internal::aligned_free(a);
        Eigen::internal::aligned_free(b);
    }
};

/// The calling thread's workspace (lives until the thread ends).
template <class T>
GemmWorkspace<T>& gemm_workspace() {
    thread_local GemmWorkspace<T> workspace;
    return workspace;
}

/// Eigen's blocking for a row-major product (the sizes Eigen's own `C += A * B` would choose, so
/// the arithmetic is the same), with the packed blocks in the per-thread workspace.
template <class T>
class ReusedBlocking : public Eigen::internal::level3_blocking<T, T> {
public:
    /// A row-major (m x n) result is computed by Eigen as the column-major (n x m) transpose.
    ReusedBlocking(index m, index n, index k) {
        this->m_mc = n;
        this->m_nc = m;
        this->m_kc = k;
        Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc, Eigen::Index{1});
        size_a = static_cast<std::size_t>(this->m_mc * this->m_kc);
        size_b = static_cast<std::size_t>(this->m_kc * this->m_nc);
    }
    /// Whether Eigen would allocate these blocks on the heap.
    bool needs_heap() const noexcept {
        return (size_a > size_b ? size_a : size_b) * sizeof(T) > EIGEN_STACK_ALLOCATION_LIMIT;
    }
    void use(GemmWorkspace<T>& ws) {
        this->m_blockA = GemmWorkspace<T>::grow(ws.a, ws.a_size, size_a);
        this->m_blockB = GemmWorkspace<T>::grow(ws.b, ws.b_size, size_b);
    }

private:
    std::size_t size_a = 0, size_b = 0;
};

/// C += alpha op(A) op(B) through Eigen's GEMM with reused blocks. Returns false (having done
/// nothing) when Eigen's own call would not touch the heap.
template <class T>
bool eigen_gemm_reusing_workspace(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a,
                                  index lda, const T* b, index ldb, T* c, index ldc) {
    ReusedBlocking<T> blocking(m, n, k);
    if (!blocking.needs_heap()) return false;
    blocking.use(gemm_workspace<T>());
    using Eigen::ColMajor;
    using Eigen::RowMajor;
    using Eigen::internal::general_matrix_matrix_product;
    // op(A) is row-major with stride lda, or (trans_a) column-major with stride lda; same for B.
    if (!trans_a && !trans_b)
        general_matrix_matrix_product<index, T, RowMajor, false, T, RowMajor, false, RowMajor, 1>::run(
            m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking);
    else if (!trans_a && trans_b)
        general_matrix_matrix_product<index, T, RowMajor, false, T, ColMajor, false, RowMajor, 1>::run(
            m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking);
    else if (trans_a && !trans_b)
        general_matrix_matrix_product<index, T, ColMajor, false, T, RowMajor, false, RowMajor, 1>::run(
            m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking);
    else
        general_matrix_matrix_product<index, T, ColMajor, false, T, ColMajor, false, RowMajor, 1>::run(
            m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking);
    return true;
}

}  // namespace detail

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

    /// gemm on the calling thread only. With CANARY_SEPARATE_GEMM (canary/backend/separate_gemm.hpp)
    /// float and double go to one separately compiled copy of eigen_gemm, so each translation unit
    /// skips Eigen's GEMM.
    template <class T>
    static void gemm_serial(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a, index lda,
                            const T* b, index ldb, T beta, T* c, index ldc) {
        if constexpr (detail::separate_gemm<T>)
            detail::gemm_compiled(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            eigen_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    /// gemm_serial's Eigen implementation (what gemm_serial runs in every mode).
    template <class T>
    static void eigen_gemm(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a, index lda,
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
        // Products that Eigen computes with its GEMM kernel (not GEMV, not the small coefficient-wise
        // path) and whose packed blocks would go to the heap: the same kernel, reused blocks.
        if (m > 1 && n > 1 && m + n + k >= 20 &&
            detail::eigen_gemm_reusing_workspace(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc))
            return;
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

    /// Runs body(r, j) for r in [0, rows), j in [0, cols): a row loop around a vectorised column
    /// loop, the shape of the hand-written CPU loops over (batch, hidden) or (rows, features). A
    /// device policy runs the same body over rows * cols indices.
    /// requires: distinct (r, j) write distinct memory.
    template <class F>
    static void for_each_row(index rows, index cols, const F& body) {
        for (index r = 0; r < rows; ++r) {
            CANARY_VECTORIZE
            for (index j = 0; j < cols; ++j) body(r, j);
        }
    }
};

}  // namespace canary

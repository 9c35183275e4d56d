#pragma once
// A CPU policy whose float GEMM is oneDNN's dnnl_sgemm (Debian libdnnl-dev 2.6); every other
// operation, double GEMMs and the tiny float GEMMs where the library call costs more than it saves
// are the Eigen policy's (canary::Cpu). It is canary::DefaultCpu, the backend of Model<Net> and
// Tape<T>, for users of the CMake target canary::canary when oneDNN was found
// (canary/backend/default.hpp); it can also be named:
//
//   #include "canary/backend/onednn.hpp"          // link libdnnl and libgomp (CMake: canary::onednn)
//   canary::Model<Net, float, canary::CpuOneDnn> model(0);
//   canary::Tape<float, canary::CpuOneDnn> tape;
//
// Results agree with Cpu's to float rounding (a different summation order), not bit for bit.
//
// Threads: a dnnl_sgemm of at least parallel_gemm_volume multiply-adds uses canary::num_threads()
// OpenMP threads, smaller ones one thread (Debian builds oneDNN with GNU OpenMP; the policy sets
// the calling thread's OpenMP thread count before the call when it differs). Inside a part of
// canary's own parallel_invoke (canary/backend/parallel.hpp) GEMMs use one thread. Other code that
// already runs GEMMs on several std::threads at once should cap each of them to one GEMM thread with
// `canary::detail::onednn_gemm_thread_cap() = 1` in that thread (no oversubscription). With more
// than one thread oneDNN may split the work differently, so results at 1 and 2 threads can differ
// in the last bits. On a machine shared with other work, run with OMP_WAIT_POLICY=passive: GNU
// OpenMP's default lets the idle GEMM thread spin after each call, which steals the core from
// canary's single-threaded element-wise work and from other processes (docs/performance.md).
#include <type_traits>

#include <oneapi/dnnl/dnnl.h>

#include "canary/backend/cpu.hpp"

// omp_set_num_threads comes from the OpenMP runtime that libdnnl uses (libgomp, linked by the
// canary::onednn target). Only the declaration is needed, no OpenMP compile flag: canary's code and
// Eigen stay single-threaded.
#if __has_include(<omp.h>)
#include <omp.h>
#else
extern "C" void omp_set_num_threads(int);
#endif

namespace canary {

namespace detail {
/// Per calling thread: the most OpenMP threads one dnnl_sgemm may use (0 = no cap).
inline int& onednn_gemm_thread_cap() noexcept {
    thread_local int cap = 0;
    return cap;
}
/// Sets the calling thread's OpenMP thread count for oneDNN (`parallel`: may use more than one),
/// only when it changes.
inline void onednn_apply_threads(bool parallel) noexcept {
    thread_local int applied = -1;
    // Inside one part of canary's own parallel_invoke (a direction of a BiLSTM, half a batch) the
    // other core is already busy: one GEMM thread.
    int want = parallel && !in_parallel_part() ? num_threads() : 1;
    if (const int cap = onednn_gemm_thread_cap(); cap > 0 && want > cap) want = cap;
    if (want != applied) {
        omp_set_num_threads(want);
        applied = want;
    }
}
}  // namespace detail

/// Cpu with the float GEMM done by oneDNN (dnnl_sgemm, row-major like canary's contract).
struct CpuOneDnn : Cpu {
    static constexpr const char* name = "cpu_onednn";

    /// Float GEMMs with m * n * k below this, and matrix-vector products (m == 1 or n == 1), go to
    /// Eigen (Cpu::gemm): there the fixed cost of the library call (checks, dispatch, packing
    /// set-up) is a large part of the work. The threshold sits in the range where the two were
    /// level; the crossover measurements are in docs/performance.md, "GEMM policy".
    static constexpr index small_gemm_volume = 32 * 1024;
    /// Float GEMMs with fewer multiply-adds than this run on one thread even when
    /// canary::num_threads() > 1: below it a fork/join costs a noticeable share of the product.
    /// A guard, not a measured optimum.
    static constexpr index parallel_gemm_volume = index(1) << 22;

    /// Same contract as Cpu::gemm: C = alpha * op(A) * op(B) + beta * C, row-major, leading
    /// dimensions are row strides; beta == 0 overwrites C without reading it.
    template <class T>
    static void gemm(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a, index lda,
                     const T* b, index ldb, T beta, T* c, index ldc) {
        if constexpr (!std::is_same_v<T, float>) {
            Cpu::gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } else {
            if (m == 0 || n == 0) return;
            if (k == 0 || m == 1 || n == 1 || m * n * k < small_gemm_volume) {
                Cpu::gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                return;
            }
            detail::onednn_apply_threads(m * n * k >= parallel_gemm_volume);
            const dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b,
                                                ldb, beta, c, ldc);
            // oneDNN checks the leading dimensions more strictly than Eigen needs (e.g. ld >= 1 for
            // an empty operand); anything it refuses is done by Eigen instead. C is untouched then.
            if (st != dnnl_success) Cpu::gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }
};

}  // namespace canary

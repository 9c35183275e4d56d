#pragma once
// The CUDA backend policy: Tape<float, Cuda>, Model<Net, float, Cuda>. Same static interface as
// canary::Cpu (memory, gemm, fill, zero, copy, for_each_index) plus explicit transfers. Values,
// adjoints, parameters and the tape's workspace arena live in device memory; GEMMs go through
// cuBLAS; element-wise math is the SAME expression templates as on the CPU, each expression
// compiled into one fused kernel (canary/autodiff/expr.hpp dispatches on is_device_backend_v).
//
// Only nvcc-compiled translation units (.cu) include this header: the kernels are templates over
// the expression and body types, instantiated where they are used (as with CUB and Thrust).
// Requires nvcc flags --extended-lambda --expt-relaxed-constexpr and -std=c++20 (the canary::cuda
// CMake target sets them). Host-only code that just needs the device query, device buffers or
// transfers can include canary/backend/cuda/runtime.hpp with any compiler.
#if !defined(__CUDACC__)
#error "canary/backend/cuda.hpp needs nvcc (a .cu translation unit); host code may include canary/backend/cuda/runtime.hpp"
#endif

#include <algorithm>
#include <type_traits>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "canary/backend/cpu.hpp"
#include "canary/backend/cuda/runtime.hpp"
#include "canary/backend/kernels.hpp"
#include "canary/core/hd.hpp"

namespace canary {

namespace cuda {

/// Grid-stride loop running body(k) for k in [0, n).
template <class F>
__global__ void for_each_index_kernel(index n, F body) {
    const index stride = static_cast<index>(blockDim.x) * gridDim.x;
    for (index k = static_cast<index>(blockIdx.x) * blockDim.x + threadIdx.x; k < n; k += stride) body(k);
}

inline constexpr int block_size = 256;
inline int grid_size(index n) {
    const index blocks = (n + block_size - 1) / block_size;
    return static_cast<int>(std::clamp<index>(blocks, 1, 65535));
}

/// Launches body over [0, n) on the default stream; launch errors become cuda_error naming `what`.
template <class F>
void launch(index n, const F& body, const char* what, const char* file, int line) {
    static_assert(std::is_trivially_copyable_v<F>, "canary::cuda: a kernel body must be trivially copyable");
    if (n <= 0) return;
    for_each_index_kernel<<<grid_size(n), block_size>>>(n, body);
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) detail::throw_runtime(e, what, file, line);
}

inline constexpr int reduce_threads = 256;

/// out[0] = (sum over k in [0, n) of f(k)) / divisor, by ONE block: a fixed summation tree, so
/// the result is the same on every run (deterministic, unlike atomics). Meant for losses and
/// scalar sums (n up to about a million); wide parallel reductions use column or row bodies.
template <class T, class F>
__global__ void reduce_kernel(index n, F f, T divisor, T* out) {
    __shared__ T partial[reduce_threads];
    T acc = T(0);
    for (index k = threadIdx.x; k < n; k += reduce_threads) acc += f(k);
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int s = reduce_threads / 2; s > 0; s >>= 1) {
        if (static_cast<int>(threadIdx.x) < s) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = partial[0] / divisor;
}

}  // namespace cuda

/// The CUDA policy. All pointers it receives are device pointers, except the host side of
/// to_device / to_host. Work is queued on the default stream; to_host waits for it.
struct Cuda {
    using memory = cuda::DeviceMemory;
    static constexpr const char* name = "cuda";
    static constexpr bool on_device = true;
    static constexpr bool device_pass = true;  // kernels run nvcc's device code (see traits.hpp)

    /// C = alpha op(A) op(B) + beta C in row-major terms (the contract of Cpu::gemm). cuBLAS is
    /// column-major: a row-major (r x c) matrix with stride ld is its column-major transpose with
    /// the same ld, so the call computes C^T = op(B)^T op(A)^T, swapping the operands.
    template <class T>
    static void gemm(bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a, index lda,
                     const T* b, index ldb, T beta, T* c, index ldc) {
        static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "canary::Cuda::gemm: float or double");
        if (m == 0 || n == 0) return;
        if (k == 0) {
            // cuBLAS leaves C untouched for k == 0 only when beta == 1; keep Cpu's contract.
            if (beta == T(0)) {
                for (index r = 0; r < m; ++r) zero(c + r * ldc, n);
            } else if (beta != T(1)) {
                for (index r = 0; r < m; ++r)
                    for_each_index(n, kernels::Scale<T>{c + r * ldc, beta});
            }
            return;
        }
        const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
        // cuBLAS checks lda >= rows of the stored column-major matrix even when it has one row.
        const int la = static_cast<int>(std::max<index>(lda, trans_a ? m : k));
        const int lb = static_cast<int>(std::max<index>(ldb, trans_b ? k : n));
        const int lc = static_cast<int>(std::max<index>(ldc, n));
        cublasHandle_t h = cuda::cublas_handle();
        if constexpr (std::is_same_v<T, float>)
            CANARY_CUBLAS_CHECK(cublasSgemm(h, op_b, op_a, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
                                            &alpha, b, lb, a, la, &beta, c, lc));
        else
            CANARY_CUBLAS_CHECK(cublasDgemm(h, op_b, op_a, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
                                            &alpha, b, lb, a, la, &beta, c, lc));
    }

    /// count GEMMs at fixed strides in one cublas<S|D>gemmStridedBatched call (operands swapped as in gemm).
    static constexpr bool has_batched_gemm = true;
    template <class T>
    static void gemm_strided_batched(index count, bool trans_a, bool trans_b, index m, index n, index k, T alpha,
                                     const T* a, index lda, index stride_a, const T* b, index ldb, index stride_b, T beta,
                                     T* c, index ldc, index stride_c) {
        static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "canary::Cuda::gemm_strided_batched: float or double");
        if (count <= 0 || m == 0 || n == 0) return;
        if (k == 0) {  // keep gemm's contract for the degenerate case
            for (index i = 0; i < count; ++i)
                gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc);
            return;
        }
        const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
        const int la = static_cast<int>(std::max<index>(lda, trans_a ? m : k));
        const int lb = static_cast<int>(std::max<index>(ldb, trans_b ? k : n));
        const int lc = static_cast<int>(std::max<index>(ldc, n));
        cublasHandle_t h = cuda::cublas_handle();
        if constexpr (std::is_same_v<T, float>)
            CANARY_CUBLAS_CHECK(cublasSgemmStridedBatched(h, op_b, op_a, static_cast<int>(n), static_cast<int>(m),
                                                          static_cast<int>(k), &alpha, b, lb, stride_b, a, la, stride_a,
                                                          &beta, c, lc, stride_c, static_cast<int>(count)));
        else
            CANARY_CUBLAS_CHECK(cublasDgemmStridedBatched(h, op_b, op_a, static_cast<int>(n), static_cast<int>(m),
                                                          static_cast<int>(k), &alpha, b, lb, stride_b, a, la, stride_a,
                                                          &beta, c, lc, stride_c, static_cast<int>(count)));
    }

    template <class T>
    static void fill(T* p, index n, T value) {
        for_each_index(n, kernels::Fill<T>{p, value});
    }
    template <class T>
    static void zero(T* p, index n) {
        if (n > 0) CANARY_CUDA_CHECK(cudaMemsetAsync(p, 0, sizeof(T) * static_cast<std::size_t>(n)));
    }
    /// Device -> device copy.
    template <class T>
    static void copy(const T* src, T* dst, index n) {
        if (n > 0)
            CANARY_CUDA_CHECK(cudaMemcpyAsync(dst, src, sizeof(T) * static_cast<std::size_t>(n), cudaMemcpyDeviceToDevice));
    }
    template <class T>
    static void to_device(const T* host, T* device_ptr, index n) {
        cuda::to_device(host, device_ptr, n);
    }
    template <class T>
    static void to_host(const T* device_ptr, T* host, index n) {
        cuda::to_host(device_ptr, host, n);
    }
    static void synchronize() { cuda::synchronize(); }

    /// out[0] = (sum of f(k) for k in [0, n)) / divisor, out a device pointer; deterministic.
    template <class T, class F>
    static void reduce(index n, const F& f, T divisor, T* out) {
        static_assert(std::is_trivially_copyable_v<F>, "canary::Cuda::reduce: the body must be trivially copyable");
        cuda::reduce_kernel<T><<<1, cuda::reduce_threads>>>(n, f, divisor, out);
        const cudaError_t e = cudaGetLastError();
        if (e != cudaSuccess) cuda::detail::throw_runtime(e, "canary::Cuda::reduce kernel launch", __FILE__, __LINE__);
    }

    /// One kernel running body(i) for i in [0, n) (grid-stride); the device side of
    /// Cpu::for_each_index, with the same requirement that iterations be independent.
    template <class F>
    static void for_each_index(index n, const F& body) {
        cuda::launch(n, body, "canary::Cuda::for_each_index kernel launch", __FILE__, __LINE__);
    }

    /// Cpu::for_each_row's body(r, j) as one kernel over rows * cols indices.
    template <class F>
    static void for_each_row(index rows, index cols, const F& body) {
        if (cols > 0) for_each_index(rows * cols, kernels::RowCol<F>{body, cols});
    }
};

}  // namespace canary

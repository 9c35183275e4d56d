#pragma once
// What generic code may ask of a backend policy without knowing it. A policy whose buffers live on
// an accelerator declares `static constexpr bool on_device = true`; operations (autodiff/) then run
// their kernel bodies through the policy instead of touching memory from the host. The CPU policy
// declares nothing, so this header never pulls device headers into a CPU build.
#include <vector>

#include "canary/core/shape.hpp"

namespace canary {

template <class B>
inline constexpr bool is_device_backend_v = [] {
    if constexpr (requires { B::on_device; }) return static_cast<bool>(B::on_device);
    else return false;
}();

/// Whether generic code may split B's work over host threads (canary::parallel_invoke): a host
/// policy's buffers are host memory that two threads can fill side by side; a device policy queues
/// its kernels on one stream from one thread, so its work is never split.
template <class B>
inline constexpr bool host_parallel_v = !is_device_backend_v<B>;

/// Whether B runs kernel bodies in nvcc's device pass (CANARY_DEVICE_PASS), where an expression
/// leaf without adjoint is resolved to nullptr and skipped, and broadcast adjoints are added
/// atomically. A device policy running its kernels on the host (the test policy HostDevice)
/// declares nothing and gets the host-style scratch sink instead.
template <class B>
inline constexpr bool runs_device_pass_v = [] {
    if constexpr (requires { B::device_pass; }) return static_cast<bool>(B::device_pass);
    else return false;
}();

/// `count` independent GEMMs C_i = alpha op(A_i) op(B_i) + beta C_i with A_i = a + i * stride_a
/// (likewise B_i, C_i), in Cpu::gemm's row-major contract. A policy with a batched GEMM
/// (`has_batched_gemm`, e.g. cuBLAS's strided-batched call) does them in one call; otherwise one
/// B::gemm each. Used by the device paths (per graph, per batch row, per attention head).
template <class B, class T>
void gemm_strided_batched(index count, bool trans_a, bool trans_b, index m, index n, index k, T alpha, const T* a,
                          index lda, index stride_a, const T* b, index ldb, index stride_b, T beta, T* c, index ldc,
                          index stride_c) {
    if (count <= 0) return;
    if constexpr (requires { B::has_batched_gemm; }) {
        B::gemm_strided_batched(count, trans_a, trans_b, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b, beta, c, ldc,
                                stride_c);
    } else {
        for (index i = 0; i < count; ++i)
            B::gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc);
    }
}

/// Writes value(i) for i = 0, 1, ..., n - 1 (in that order) to dst in B's memory: directly on a
/// host policy; on a device policy into a host buffer, then one transfer. For values that come
/// from host-side state (the tape's random generator, a table computed in double), so that a
/// device model sees exactly the CPU model's values.
template <class B, class T, class F>
void fill_from_host(T* dst, index n, F&& value) {
    if constexpr (is_device_backend_v<B>) {
        std::vector<T> host(static_cast<std::size_t>(n));
        for (index i = 0; i < n; ++i) host[static_cast<std::size_t>(i)] = value(i);
        B::to_device(host.data(), dst, n);
    } else {
        for (index i = 0; i < n; ++i) dst[i] = value(i);
    }
}

/// Calls read(p) with p pointing to host memory holding the n contiguous values at src in B's
/// memory: src itself on a host policy (no copy), a temporary host copy on a device policy.
template <class B, class T, class F>
void read_on_host(const T* src, index n, F&& read) {
    if constexpr (is_device_backend_v<B>) {
        std::vector<T> host(static_cast<std::size_t>(n));
        B::to_host(src, host.data(), n);
        read(static_cast<const T*>(host.data()));
    } else {
        read(src);
    }
}

}  // namespace canary

#pragma once
// What generic code may ask of a backend policy without knowing it. A policy whose buffers live on
// an accelerator declares `static constexpr bool on_device = true`; operations then dispatch to the
// policy's device implementations (`B::device::...`) instead of touching memory from the host. The
// CPU policy declares nothing, so this header never pulls device headers into a CPU build.
#include "canary/core/shape.hpp"

namespace canary {

template <class B>
inline constexpr bool is_device_backend_v = [] {
    if constexpr (requires { B::on_device; }) return static_cast<bool>(B::on_device);
    else return false;
}();

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

/// The backend-generic forward of a layer (written with B::gemm, B::for_each_index and the kernel
/// bodies only), which device policies run; specialised in canary/layers/*_generic.hpp, which the
/// device policy headers include. A layer's forward dispatches to `device_forward<Layer>::run(layer,
/// tape, params, x)` when `is_device_backend_v<B>`.
template <class Layer>
struct device_forward;

}  // namespace canary

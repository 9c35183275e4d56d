#pragma once
// Scaled dot-product attention over heads, as one primitive with a hand-written adjoint.
//
// Input: the packed projections qkv (B*T, 3D) of a (B, T, D) sequence (columns [0, D) = Q,
// [D, 2D) = K, [2D, 3D) = V; head h owns columns [h dh, (h+1) dh) of each, dh = D / H).
// Per batch b and head h:   S = Q K^T / sqrt(dh) (+ mask),  P = softmax_rows(S),  O = P V.
// Output O (B, T, D), heads concatenated along features (torch.nn.MultiheadAttention's layout).
//
// Adjoint (per b, h):  dV += P^T dO;  dP = dO V^T;  dS = P * (dP - rowsum(dP * P));
//                      dQ += dS K / sqrt(dh);  dK += dS^T Q / sqrt(dh).
// Masked entries get probability exactly 0 (and so no gradient). A row whose keys are all masked
// would be 0/0; torch returns NaN there, canary throws (it is always a caller's mistake).
#include <cmath>
#include <cstdint>
#include <limits>

#include "canary/core/math.hpp"
#include "canary/autodiff/tape.hpp"
#include "canary/backend/parallel.hpp"
#include "canary/core/hd.hpp"

namespace canary {

/// Optional masks: key_padding (B, T) bytes, nonzero = this key is padding (ignored);
/// causal: query t attends to keys <= t only.
struct AttentionMask {
    const std::uint8_t* key_padding = nullptr;
    bool causal = false;
};

namespace kernels {
/// Softmax of one score row of one (batch, head), q = (b * heads + h) * time + i, with the CPU's
/// two variants: unmasked rows use math::exp, masked rows std::exp with masked scores set to zero.
/// (On a device a query whose keys are all masked gives NaN; the CPU throws a shape_error.)
template <class T>
struct AttentionSoftmaxRow {
    T* P;
    const std::uint8_t* key_padding;  // device memory on a device policy
    bool causal;
    index heads, time;
    CANARY_HD void operator()(index q) const {
        const index bh = q / time, i = q - bh * time, b = bh / heads;
        T* row = P + q * time;
        if (!causal && !key_padding) {
            T mx = row[0];
            for (index j = 1; j < time; ++j) mx = row[j] > mx ? row[j] : mx;
            for (index j = 0; j < time; ++j) row[j] = math::exp(row[j] - mx);
            T z = T(0);
            for (index j = 0; j < time; ++j) z += row[j];
            const T inv = T(1) / z;
            for (index j = 0; j < time; ++j) row[j] *= inv;
            return;
        }
        const T neg_inf = -std::numeric_limits<T>::infinity();
        T mx = neg_inf;
        for (index j = 0; j < time; ++j) {
            const bool masked = (causal && j > i) || (key_padding && key_padding[b * time + j]);
            if (masked) row[j] = neg_inf;
            mx = row[j] > mx ? row[j] : mx;
        }
        T z = T(0);
        for (index j = 0; j < time; ++j) {
            row[j] = row[j] == neg_inf ? T(0) : std::exp(row[j] - mx);
            z += row[j];
        }
        const T inv = T(1) / z;
        for (index j = 0; j < time; ++j) row[j] *= inv;
    }
};
/// dS = P * (dP - rowsum(dP * P)) for one row, in place over dP.
template <class T>
struct AttentionSoftmaxBackwardRow {
    const T* P;
    T* dP;
    index time;
    CANARY_HD void operator()(index q) const {
        const T* p = P + q * time;
        T* g = dP + q * time;
        T dot = T(0);
        for (index j = 0; j < time; ++j) dot += g[j] * p[j];
        for (index j = 0; j < time; ++j) g[j] = p[j] * (g[j] - dot);
    }
};
}  // namespace kernels

/// The device path of multi_head_attention: per head one batched GEMM over the batch for each of
/// the CPU's products, and ONE softmax kernel over every score row of every head (one
/// softmax-backward kernel), so dP is kept for all heads (batch * heads * time^2 values).
/// mask.key_padding must be in the device's memory.
template <class T, class B>
Var<T> multi_head_attention_device(Tape<T, B>& tape, const Var<T>& qkv, index batch, index time, index heads,
                                   AttentionMask mask, T** probabilities_out) {
    const index D3 = qkv.cols(), D = D3 / 3, dh = D / heads, tt = time * time;
    const index s_qkv = time * D3, s_p = heads * tt, s_out = time * D;  // strides between batch items
    const bool grad = tape.recording() && qkv.requires_grad();
    Var<T> out = tape.make(Shape{batch, time, D}, grad);
    T* P = tape.scratch(batch * heads * tt);
    const T scale = T(1) / std::sqrt(static_cast<T>(dh));
    const T* q = qkv.val;
    for (index h = 0; h < heads; ++h)  // S_bh = scale Q_bh K_bh^T, batched over b
        gemm_strided_batched<B>(batch, false, true, time, time, dh, scale, q + h * dh, D3, s_qkv, q + D + h * dh, D3, s_qkv,
                                T(0), P + h * tt, time, s_p);
    B::for_each_index(batch * heads * time, kernels::AttentionSoftmaxRow<T>{P, mask.key_padding, mask.causal, heads, time});
    for (index h = 0; h < heads; ++h)  // O_bh = P_bh V_bh
        gemm_strided_batched<B>(batch, false, false, time, dh, time, T(1), P + h * tt, time, s_p, q + 2 * D + h * dh, D3,
                                s_qkv, T(0), out.val + h * dh, D, s_out);
    if (probabilities_out) *probabilities_out = P;
    if (grad) {
        T* dP = tape.scratch(batch * heads * tt);
        tape.record([qkv, out, P, dP, batch, time, heads, D, D3, dh, tt, s_qkv, s_p, s_out, scale] {
            const T* q = qkv.val;
            T* gq = qkv.adj;
            for (index h = 0; h < heads; ++h) {
                const T* dO = out.adj + h * dh;
                // dV += P^T dO;  dP = dO V^T
                gemm_strided_batched<B>(batch, true, false, time, dh, time, T(1), P + h * tt, time, s_p, dO, D, s_out, T(1),
                                        gq + 2 * D + h * dh, D3, s_qkv);
                gemm_strided_batched<B>(batch, false, true, time, time, dh, T(1), dO, D, s_out, q + 2 * D + h * dh, D3, s_qkv,
                                        T(0), dP + h * tt, time, s_p);
            }
            B::for_each_index(batch * heads * time, kernels::AttentionSoftmaxBackwardRow<T>{P, dP, time});
            for (index h = 0; h < heads; ++h) {
                // dQ += scale dS K;  dK += scale dS^T Q
                gemm_strided_batched<B>(batch, false, false, time, dh, time, scale, dP + h * tt, time, s_p, q + D + h * dh, D3,
                                        s_qkv, T(1), gq + h * dh, D3, s_qkv);
                gemm_strided_batched<B>(batch, true, false, time, dh, time, scale, dP + h * tt, time, s_p, q + h * dh, D3,
                                        s_qkv, T(1), gq + D + h * dh, D3, s_qkv);
            }
        });
    }
    return out;
}

template <class T, class B>
Var<T> multi_head_attention(Tape<T, B>& tape, const Var<T>& qkv, index batch, index time, index heads,
                            AttentionMask mask = {}, T** probabilities_out = nullptr) {
    const index D3 = qkv.cols(), D = D3 / 3, dh = D / heads;
    if (D3 != 3 * D || D != dh * heads || qkv.rows() != batch * time || !qkv.contiguous())
        throw shape_error("multi_head_attention: packed qkv " + qkv.shape.str() + " does not fit batch " +
                          std::to_string(batch) + ", time " + std::to_string(time) + ", heads " + std::to_string(heads));
    if constexpr (is_device_backend_v<B>) {
        return multi_head_attention_device(tape, qkv, batch, time, heads, mask, probabilities_out);
    } else {
        const bool grad = tape.recording() && qkv.requires_grad();
        Var<T> out = tape.make(Shape{batch, time, D}, grad);
        T* P = tape.scratch(batch * heads * time * time);  // kept for backward and for inspection
        const T scale = T(1) / std::sqrt(static_cast<T>(dh));
        const bool masked_rows = mask.causal || mask.key_padding;
        // Batch elements are independent: with two threads each takes a fixed half (results do not
        // depend on the split); below ~256K multiply-adds the handover costs more than it saves.
        const bool split = batch * heads * time * time * dh >= (index{1} << 18);
        auto attend = [&](int, index first, index last) {
            for (index b = first; b < last; ++b) {
                const T* base = qkv.val + b * time * D3;
                for (index h = 0; h < heads; ++h) {
                    T* S = P + (b * heads + h) * time * time;
                    B::gemm(false, true, time, time, dh, scale, base + h * dh, D3, base + D + h * dh, D3, T(0), S, time);
                    for (index i = 0; i < time; ++i) {
                        T* row = S + i * time;
                        if (!masked_rows) {  // no mask: branch-free loops that vectorise (math::exp)
                            T mx = row[0];
                            for (index j = 1; j < time; ++j) mx = row[j] > mx ? row[j] : mx;
                            CANARY_VECTORIZE
                            for (index j = 0; j < time; ++j) row[j] = math::exp(row[j] - mx);
                            T z = T(0);
                            for (index j = 0; j < time; ++j) z += row[j];
                            const T inv = T(1) / z;
                            CANARY_VECTORIZE
                            for (index j = 0; j < time; ++j) row[j] *= inv;
                            continue;
                        }
                        T mx = -std::numeric_limits<T>::infinity();
                        for (index j = 0; j < time; ++j) {
                            const bool masked = (mask.causal && j > i) || (mask.key_padding && mask.key_padding[b * time + j]);
                            if (masked) row[j] = -std::numeric_limits<T>::infinity();
                            mx = row[j] > mx ? row[j] : mx;
                        }
                        if (mx == -std::numeric_limits<T>::infinity())
                            throw shape_error("multi_head_attention: every key of query " + std::to_string(i) + " in batch " +
                                              std::to_string(b) + " is masked");
                        T z = T(0);
                        for (index j = 0; j < time; ++j) {
                            row[j] = row[j] == -std::numeric_limits<T>::infinity() ? T(0) : std::exp(row[j] - mx);
                            z += row[j];
                        }
                        const T inv = T(1) / z;
                        for (index j = 0; j < time; ++j) row[j] *= inv;
                    }
                    B::gemm(false, false, time, dh, time, T(1), S, time, base + 2 * D + h * dh, D3, T(0),
                            out.val + b * time * D + h * dh, D);
                }
            }
        };
        parallel_halves(batch, attend, split);
        if (probabilities_out) *probabilities_out = P;
        if (grad) {
            T* dP = tape.scratch(2 * time * time);  // one score-gradient block per thread
            tape.record([qkv, out, P, dP, batch, time, heads, D, D3, dh, scale, split] {
                auto attend_back = [&](int part, index first, index last) {
                    T* dS = dP + part * time * time;
                    for (index b = first; b < last; ++b) {
                        const T* base = qkv.val + b * time * D3;
                        T* gbase = qkv.adj + b * time * D3;
                        const T* gout = out.adj + b * time * D;
                        for (index h = 0; h < heads; ++h) {
                            const T* Pbh = P + (b * heads + h) * time * time;
                            const T* dO = gout + h * dh;
                            // dV += P^T dO ; dP = dO V^T
                            B::gemm(true, false, time, dh, time, T(1), Pbh, time, dO, D, T(1), gbase + 2 * D + h * dh, D3);
                            B::gemm(false, true, time, time, dh, T(1), dO, D, base + 2 * D + h * dh, D3, T(0), dS, time);
                            for (index i = 0; i < time; ++i) {
                                const T* p = Pbh + i * time;
                                T* g = dS + i * time;
                                T dot = T(0);
                                for (index j = 0; j < time; ++j) dot += g[j] * p[j];
                                for (index j = 0; j < time; ++j) g[j] = p[j] * (g[j] - dot);
                            }
                            // dQ += dS K * scale ; dK += dS^T Q * scale
                            B::gemm(false, false, time, dh, time, scale, dS, time, base + D + h * dh, D3, T(1), gbase + h * dh,
                                    D3);
                            B::gemm(true, false, time, dh, time, scale, dS, time, base + h * dh, D3, T(1),
                                    gbase + D + h * dh, D3);
                        }
                    }
                };
                parallel_halves(batch, attend_back, split);
            });
        }
        return out;
    }
}

}  // namespace canary

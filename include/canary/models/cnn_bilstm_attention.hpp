#pragma once
// The CNN-BiLSTM-attention crash classifier of arXiv 2502.06847 (workload W1 of docs/performance.md) as one
// type alias:
//
//   x (B, T, In)
//   -> conv: Conv1D(In -> Conv, kernel 3, padding 1) + ReLU   (B, T, Conv)
//   -> MaxPool1D(2)                                           (B, floor(T/2), Conv)
//   -> lstm: Bidirectional LSTM(Conv -> Hidden per direction) (B, floor(T/2), 2 Hidden)
//   -> attn: s_t = v^T tanh(W h_t + b), alpha = softmax_t(s),
//            context = sum_t alpha_t h_t                      (B, 2 Hidden)   alpha (B, floor(T/2))
//   -> head: Dense(2 Hidden -> 1)                             (B, 1) logit
//
// With the defaults (In 16, Conv 32, Hidden 64, Attn 64) it has 60,193 parameters. torch names:
// conv.weight/bias, lstm.weight_ih_l0[_reverse]..., attn.proj.weight/bias, attn.score.weight,
// head.weight/bias. Needs T >= 2. Architecture, shapes, weight loading and the attention audit:
// docs/models/cnn_bilstm_attention.md.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "canary/layers/activations.hpp"
#include "canary/layers/attention.hpp"
#include "canary/layers/bidirectional.hpp"
#include "canary/layers/conv1d.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/lstm.hpp"
#include "canary/layers/pooling.hpp"
#include "canary/model/model.hpp"
#include "canary/layers/sequential.hpp"

namespace canary::models {

// PaddedConv1D (canary/layers/conv1d.hpp) gives the convolutions torch's padding=1 by default.

template <index In = 16, index Conv = 32, index Hidden = 64, index Attn = 64>
using cnn_bilstm_attention =
    Sequential<Named<"conv", PaddedConv1D<In, Conv, 3, 1>>, ReLU, MaxPool1D<2>,
               Named<"lstm", Bidirectional<LSTM<Conv, Hidden>>>, Named<"attn", TemporalAttention<2 * Hidden, Attn>>,
               Named<"head", Dense<2 * Hidden, 1>>>;

// conv 16*32*3 + 32 = 1,568; lstm 2 * 4*64*(32 + 64 + 2) = 50,176; attn 64*128 + 64 + 64 = 8,320;
// head 128 + 1 = 129.
static_assert(cnn_bilstm_attention<>::param_count == 1568 + 50176 + 8320 + 129);
static_assert(cnn_bilstm_attention<>::param_count == 60193);

/// Position of the attention layer in the Sequential (model.get<cnn_bilstm_attention_attn>()).
inline constexpr std::size_t cnn_bilstm_attention_attn = 4;

/// The attention layer of a cnn_bilstm_attention model, e.g. to attach an AttentionProbe:
///   AttentionProbe probe;  attention_layer(model).probe = &probe;
template <class M>
auto& attention_layer(M& model) {
    return model.template get<cnn_bilstm_attention_attn>();
}

/// Attention weights of `n` windows (n, T, In) row-major: (n, floor(T/2)) row-major, each row sums
/// to one. Runs an inference tape in batches; the model's own probe (if any) is left in place.
/// Entry (i, j) is the weight of pooled step j, which covers input days 2j and 2j + 1.
template <class M>
std::vector<double> attention_weights(M& model, const typename M::scalar* windows, index n, index steps,
                                      index batch_size = 256) {
    using T = typename M::scalar;
    constexpr index in = M::in_width;
    auto& attn = attention_layer(model);
    AttentionProbe* const previous = attn.probe;
    AttentionProbe probe;
    attn.probe = &probe;
    const index pooled = steps / 2;
    std::vector<double> out(static_cast<std::size_t>(n * pooled));
    Tape<T, typename M::backend> tape(false);
    try {
        for (index start = 0; start < n; start += batch_size) {
            const index count = std::min(batch_size, n - start);
            tape.reset();
            const Var<T> x = tape.input(windows + start * steps * in, Shape{count, steps, in});
            model.forward(tape, x);
            for (index b = 0; b < count; ++b)
                for (index t = 0; t < pooled; ++t) out[static_cast<std::size_t>((start + b) * pooled + t)] = probe(b, t);
        }
    } catch (...) {
        attn.probe = previous;
        throw;
    }
    attn.probe = previous;
    return out;
}

/// Spreads pooled-step weights (floor(T/2)) back over the T input days of a window: day 2j and
/// 2j + 1 each get alpha_j / 2; the last day of an odd-length window (dropped by the max pool) gets
/// 0. The result still sums to one: a per-day view for plots next to day-level saliency.
inline std::vector<double> attention_per_day(const double* pooled_alpha, index steps) {
    std::vector<double> day(static_cast<std::size_t>(steps), 0.0);
    for (index j = 0; j < steps / 2; ++j) {
        day[static_cast<std::size_t>(2 * j)] = pooled_alpha[j] / 2;
        day[static_cast<std::size_t>(2 * j + 1)] = pooled_alpha[j] / 2;
    }
    return day;
}

}  // namespace canary::models

#pragma once
// MultiHeadAttention<Dim, Heads>: self-attention equal to torch.nn.MultiheadAttention(Dim, Heads,
// batch_first=True) called as mha(x, x, x) and returning its first output.
//   [Q K V] = x W_in^T + b_in            (one GEMM: in_proj_weight (3 Dim, Dim), in_proj_bias (3 Dim))
//   head h: softmax(Q_h K_h^T / sqrt(Dim / Heads) + mask) V_h, heads concatenated
//   y = concat W_out^T + b_out          (out_proj.weight (Dim, Dim), out_proj.bias (Dim))
// Derivations: docs/layers/multihead_attention.md. Attention dropout is not implemented (the
// encoder layer applies dropout to the attention output instead; torch's default is 0 here too).
#include <cmath>
#include <string>

#include "canary/autodiff/attention_ops.hpp"
#include "canary/autodiff/ops.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// Self-attention equal to torch.nn.MultiheadAttention(Dim, Heads, batch_first=True) called as
/// mha(x, x, x) (first output); input and output (batch, time, Dim), optionally causal.
template <index Dim, index Heads>
struct MultiHeadAttention {
    static_assert(Dim > 0 && Heads > 0, "canary::MultiHeadAttention<Dim, Heads>: positive sizes required");
    static_assert(Dim % Heads == 0, "canary::MultiHeadAttention<Dim, Heads>: Dim must be divisible by Heads");
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = Dim;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Dim;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 3 * Dim * Dim + 3 * Dim + Dim * Dim + Dim;
    static constexpr std::array<ParamSpec, 4> param_specs{{
        {"in_proj_weight", Shape{3 * Dim, Dim}, 0},
        {"in_proj_bias", Shape{3 * Dim}, 3 * Dim * Dim},
        {"out_proj.weight", Shape{Dim, Dim}, 3 * Dim * Dim + 3 * Dim},
        {"out_proj.bias", Shape{Dim}, 4 * Dim * Dim + 3 * Dim},
    }};

    bool causal = false;  ///< query t sees keys <= t only (torch's square subsequent mask)

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        return "MultiHeadAttention<" + std::to_string(Dim) + ", " + std::to_string(Heads) + ">" + (causal ? " causal" : "");
    }

    /// torch: xavier_uniform_ for in_proj_weight, zero biases, Linear's default for out_proj.weight.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        uniform_fill(p.val, 3 * Dim * Dim, std::sqrt(6.0 / static_cast<double>(Dim + 3 * Dim)), rng);
        uniform_fill(p.val + 3 * Dim * Dim + 3 * Dim, Dim * Dim, 1.0 / std::sqrt(static_cast<double>(Dim)), rng);
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x, const std::uint8_t* key_padding_mask = nullptr,
                   T** attention_probabilities = nullptr) const {
        if (x.shape.rank() != 3 || x.cols() != Dim)
            throw shape_error(name() + ": input must be (batch, time, " + std::to_string(Dim) + "), got " + x.shape.str());
        const index batch = x.shape[0], time = x.shape[1];
        Var<T> qkv = linear(tape, x, p.var(param_specs[0]), p.var(param_specs[1]));
        Var<T> heads = multi_head_attention(tape, qkv, batch, time, Heads, AttentionMask{key_padding_mask, causal},
                                            attention_probabilities);
        return linear(tape, heads, p.var(param_specs[2]), p.var(param_specs[3]));
    }
};

}  // namespace canary

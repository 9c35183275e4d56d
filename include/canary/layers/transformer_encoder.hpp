#pragma once
// TransformerEncoderLayer<Dim, Heads, FF, Activation> = torch.nn.TransformerEncoderLayer(Dim, Heads,
// dim_feedforward=FF, activation, batch_first=True), post-norm by default, pre-norm with
// norm_first = true:
//   post-norm:  x1 = norm1(x + drop(self_attn(x)));       y = norm2(x1 + drop(ff(x1)))
//   pre-norm:   x1 = x + drop(self_attn(norm1(x)));       y = x1 + drop(ff(norm2(x1)))
//   ff(z) = linear2(drop(act(linear1(z))))
// Parameter names and order as torch's state_dict: self_attn.{in_proj_weight, in_proj_bias,
// out_proj.weight, out_proj.bias}, linear1.{weight, bias}, linear2.{weight, bias}, norm1.{weight,
// bias}, norm2.{weight, bias}. Residual sums are fused expressions; every sub-layer carries its own
// backward, so the layer's adjoint is their composition (docs/layers/transformer_encoder.md).
#include <cstdint>
#include <string>

#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/dropout.hpp"
#include "canary/layers/layer_norm.hpp"
#include "canary/layers/multihead_attention.hpp"

namespace canary {

namespace kernels {
/// One element of encoder_dropout's mask: splitmix64 of (key + i * golden), zero when the top 32
/// bits fall below p * 2^32, else the keep scale.
template <class T>
struct HashDropoutMask {
    T* m;
    std::uint64_t key;
    std::uint64_t threshold;
    T keep_scale;
    CANARY_HD void operator()(index i) const {
        std::uint64_t z = key + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        m[i] = (z >> 32) < threshold ? T(0) : keep_scale;
    }
};
}  // namespace kernels

namespace detail {
/// Dropout for the encoder layer: torch.nn.Dropout semantics (zero with probability p, survivors
/// scaled by 1/(1-p), identity outside training), but the mask of element i is a hash of (one draw
/// from the tape's generator, i): SplitMix64's finaliser over a Weyl sequence. Independent
/// elements vectorise, where Dropout's per-element generator calls are a serial chain (its cost:
/// docs/performance.md, "Measurements behind code shapes"). Same seed, same masks.
template <class T, class B>
Var<T> encoder_dropout(Tape<T, B>& tape, double p, const Var<T>& x) {
    if (!tape.training() || p == 0.0) return x;
    Var<T> mask = tape.make(Shape{x.rows(), x.cols()}, false);
    const std::uint64_t key = tape.rng().next_u64();
    // Zero when the top 32 bits fall below p * 2^32.
    const std::uint64_t threshold = static_cast<std::uint64_t>(p * 4294967296.0);
    const T keep_scale = T(1) / static_cast<T>(1.0 - p);
    T* m = mask.val;
    const index n = mask.numel();
    // One statement for every policy: a vectorised loop on the CPU, one kernel on a device.
    B::for_each_index(n, kernels::HashDropoutMask<T>{m, key, threshold, keep_scale});
    return eval(tape, x * mask);
}
}  // namespace detail

/// torch.nn.TransformerEncoderLayer(Dim, Heads, dim_feedforward=FF, activation, batch_first=True):
/// self-attention and feed-forward blocks with residuals, post-norm by default, pre-norm with
/// norm_first = true.
template <index Dim, index Heads, index FF, class Activation = ReLU>
struct TransformerEncoderLayer {
    using Attention = MultiHeadAttention<Dim, Heads>;
    using Linear1 = Dense<Dim, FF>;
    using Linear2 = Dense<FF, Dim>;
    using Norm = LayerNorm<Dim>;
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = Dim;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Dim;
    static constexpr index attention_offset = 0;
    static constexpr index linear1_offset = Attention::param_count;
    static constexpr index linear2_offset = linear1_offset + Linear1::param_count;
    static constexpr index norm1_offset = linear2_offset + Linear2::param_count;
    static constexpr index norm2_offset = norm1_offset + Norm::param_count;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = norm2_offset + Norm::param_count;

    double dropout = 0.1;     ///< torch's default
    bool norm_first = false;  ///< pre-norm when true
    bool causal = false;      ///< causal self-attention mask
    double eps = 1e-5;

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        return "TransformerEncoderLayer<" + std::to_string(Dim) + ", " + std::to_string(Heads) + ", " +
               std::to_string(FF) + ", " + Activation{}.name() + ">" + (norm_first ? " pre-norm" : "");
    }

    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        Attention{}.init(p.sub(attention_offset, Attention::param_count), rng);
        Linear1{}.init(p.sub(linear1_offset, Linear1::param_count), rng);
        Linear2{}.init(p.sub(linear2_offset, Linear2::param_count), rng);
        Norm{}.init(p.sub(norm1_offset, Norm::param_count), rng);
        Norm{}.init(p.sub(norm2_offset, Norm::param_count), rng);
    }

    /// Calls f(name, shape, offset) for every parameter, names after `prefix` in torch's state_dict convention.
    template <class F>
    void visit_params(std::string_view prefix, index offset, F&& f) const {
        const std::string p(prefix);
        canary::visit_params(Attention{}, p + "self_attn.", offset + attention_offset, f);
        canary::visit_params(Linear1{}, p + "linear1.", offset + linear1_offset, f);
        canary::visit_params(Linear2{}, p + "linear2.", offset + linear2_offset, f);
        canary::visit_params(Norm{}, p + "norm1.", offset + norm1_offset, f);
        canary::visit_params(Norm{}, p + "norm2.", offset + norm2_offset, f);
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        if (x.shape.rank() != 3 || x.cols() != Dim)
            throw shape_error(name() + ": input must be (batch, time, " + std::to_string(Dim) + "), got " + x.shape.str());
        Attention attention;
        attention.causal = causal;
        const Norm norm(eps);
        if (!(dropout >= 0.0 && dropout < 1.0))
            throw config_error(name() + ": dropout must be in [0, 1), got " + std::to_string(dropout));
        const auto drop = [&](const Var<T>& v) { return detail::encoder_dropout(tape, dropout, v); };
        auto attend = [&](const Var<T>& v) {
            return drop(attention.forward(tape, p.sub(attention_offset, Attention::param_count), v));
        };
        auto feed_forward = [&](const Var<T>& v) {
            Var<T> h = Activation{}.forward(tape, {}, Linear1{}.forward(tape, p.sub(linear1_offset, Linear1::param_count), v));
            return drop(Linear2{}.forward(tape, p.sub(linear2_offset, Linear2::param_count), drop(h)));
        };
        const auto norm1 = p.sub(norm1_offset, Norm::param_count), norm2 = p.sub(norm2_offset, Norm::param_count);
        if (norm_first) {
            Var<T> x1 = eval(tape, x + attend(norm.forward(tape, norm1, x)));
            return eval(tape, x1 + feed_forward(norm.forward(tape, norm2, x1)));
        }
        Var<T> x1 = norm.forward(tape, norm1, eval(tape, x + attend(x)));
        return norm.forward(tape, norm2, eval(tape, x1 + feed_forward(x1)));
    }
};

}  // namespace canary

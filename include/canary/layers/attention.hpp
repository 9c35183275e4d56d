#pragma once
// TemporalAttention<Dim, AttnDim>: additive (Bahdanau-style) attention pooling over time.
//   u_t     = tanh(W h_t + b)              W: proj.weight (AttnDim, Dim), b: proj.bias (AttnDim)
//   s_t     = v^T u_t                      v: score.weight (1, AttnDim), no bias
//   alpha   = softmax_t(s)                 per batch row, over the T steps
//   context = sum_t alpha_t h_t            (B, T, Dim) -> (B, Dim)
// Built from existing ops (linear, a fused tanh, softmax) plus one primitive, weighted_time_sum,
// so the backward pass is exact. Derivations: docs/layers/attention.md.
//
// Auditing: the attention weights alpha (B, T) of a forward pass can be read in two ways.
//   * attend(tape, params, x) returns {context, alpha} as tape Vars (valid until tape.reset()).
//   * An AttentionProbe attached to the layer (layer.probe = &probe) receives a copy of alpha at
//     every forward pass, also inside a Sequential and after the tape is reset. The copy reuses the
//     probe's storage, so a steady-state training or scoring loop still allocates nothing.
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "canary/autodiff/ops.hpp"  // weighted_time_sum
#include "canary/backend/traits.hpp"  // read_on_host
#include "canary/layers/layer.hpp"

namespace canary {

/// Receives a copy of the attention weights alpha (batch, time) at every forward pass of the
/// layer it is attached to. Values are stored in double whatever the model's scalar type.
/// ensures: after a forward pass, batch() x time() weights, each row summing to one.
class AttentionProbe {
public:
    /// Rows of the last forward pass's weights (its batch size).
    index batch() const noexcept { return batch_; }
    /// Columns of the last forward pass's weights (its time steps).
    index time() const noexcept { return time_; }
    /// alpha(b, t): how much step t of sequence b contributes to its context vector.
    double operator()(index b, index t) const { return alpha_[static_cast<std::size_t>(b * time_ + t)]; }
    /// All weights, row-major (batch, time).
    const std::vector<double>& values() const noexcept { return alpha_; }
    /// Pre-sizes the storage so that even the first forward pass allocates nothing.
    void reserve(index batch, index time) { alpha_.reserve(static_cast<std::size_t>(batch * time)); }
    /// How many forward passes have written into this probe.
    std::size_t passes() const noexcept { return passes_; }

    /// Called by the layer: copies a (B, T) weight matrix.
    template <class T>
    void capture(const Var<T>& alpha) {
        batch_ = alpha.rows();
        time_ = alpha.cols();
        alpha_.resize(static_cast<std::size_t>(batch_ * time_));  // keeps capacity: no allocation once sized
        for (index b = 0; b < batch_; ++b)
            for (index t = 0; t < time_; ++t) alpha_[static_cast<std::size_t>(b * time_ + t)] = static_cast<double>(alpha(b, t));
        ++passes_;
    }

private:
    std::vector<double> alpha_;
    index batch_ = 0;
    index time_ = 0;
    std::size_t passes_ = 0;
};

/// What attend() returns: the pooled context and the attention weights, both tape Vars.
template <class T>
struct Attended {
    Var<T> context;  ///< (B, Dim)
    Var<T> alpha;    ///< (B, T), rows sum to one
};

/// requires: input (B, T, Dim), T >= 1.
/// ensures:  output (B, Dim), the alpha-weighted sum over time; equal to the torch module with
///           proj = nn.Linear(Dim, AttnDim), score = nn.Linear(AttnDim, 1, bias=False) (see
///           tools/parity/cases_sequence.py); exact gradients for x and all parameters.
template <index Dim, index AttnDim>
struct TemporalAttention {
    static_assert(Dim > 0 && AttnDim > 0, "canary::TemporalAttention<Dim, AttnDim>: widths must be positive");
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = Dim;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Dim;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = AttnDim * Dim + AttnDim + AttnDim;
    static constexpr std::array<ParamSpec, 3> param_specs{{{"proj.weight", Shape{AttnDim, Dim}, 0},
                                                           {"proj.bias", Shape{AttnDim}, AttnDim * Dim},
                                                           {"score.weight", Shape{1, AttnDim}, AttnDim * Dim + AttnDim}}};

    /// Optional: receives alpha at every forward pass (not owned; must outlive the forward calls).
    AttentionProbe* probe = nullptr;

    constexpr TemporalAttention() = default;
    /// A layer that copies its weights into `attention_probe` at every forward pass.
    constexpr explicit TemporalAttention(AttentionProbe* attention_probe) : probe(attention_probe) {}

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "TemporalAttention<" + std::to_string(Dim) + ", " + std::to_string(AttnDim) + ">"; }
    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const { return in.rank() == 3 ? Shape{in[0], Dim} : in.with_width(Dim); }

    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        // torch nn.Linear defaults: U(+-1/sqrt(fan_in)) with fan_in = Dim for proj, AttnDim for score.
        const double proj_bound = 1.0 / std::sqrt(static_cast<double>(Dim));
        uniform_fill(p.val, AttnDim * Dim, proj_bound, rng);
        uniform_fill(p.val + AttnDim * Dim, AttnDim, proj_bound, rng);
        uniform_fill(p.val + AttnDim * Dim + AttnDim, AttnDim, 1.0 / std::sqrt(static_cast<double>(AttnDim)), rng);
    }

    /// The forward pass with the attention weights as a second result.
    template <class T, class B>
    Attended<T> attend(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        if (x.shape.rank() != 3 || x.cols() != Dim || x.shape[1] < 1) bad_input(x.shape);
        const index batch = x.shape[0], steps = x.shape[1];
        const Var<T> proj_w = p.var(param_specs[0]);
        const Var<T> proj_b = p.var(param_specs[1]);
        const Var<T> score_w = p.var(param_specs[2]);
        const Var<T> hidden = eval(tape, tanh(linear(tape, x, proj_w, proj_b)));     // (B, T, AttnDim)
        const Var<T> scores = linear(tape, hidden, score_w, Var<T>{});               // (B, T, 1)
        const Var<T> alpha = softmax(tape, scores.reshaped(Shape{batch, steps}));    // (B, T)
        const Var<T> context = weighted_time_sum(tape, alpha, x);                    // (B, Dim)
        return {context, alpha};
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        const Attended<T> out = attend(tape, p, x);
        if (probe) {
            // The probe reads on the host; softmax's result is contiguous (row stride = width).
            read_on_host<B>(out.alpha.val, out.alpha.numel(), [&](const T* host) {
                probe->capture(Var<T>{const_cast<T*>(host), nullptr, out.alpha.shape, out.alpha.cols()});
            });
        }
        return out.context;
    }

private:
    [[noreturn]] void bad_input(const Shape& s) const {
        throw shape_error(name() + ": needs a (batch, time >= 1, " + std::to_string(Dim) + ") input, got " + s.str());
    }
};

}  // namespace canary

#pragma once
// Conv1D<In, Out, Kernel, Stride, Dilation>: a 1-D convolution over time of a (batch, time, In)
// sequence, torch.nn.Conv1d(In, Out, Kernel, stride, padding, dilation) applied to x.transpose(1, 2)
// and transposed back. Parameters (torch names): weight (Out, In, Kernel), bias (Out).
// Equations, the backward derivation and the padding modes: docs/layers/conv1d.md.
//
// Implementation: im2col. The forward gathers, for every output step, the Kernel input rows it
// sees into one row of a (B*Tout, Kernel*In) buffer in the tape arena (zeros where the window
// hangs over the padding) and multiplies it by the weight re-laid as (Out, Kernel*In): one GEMM.
// The backward is two GEMMs (weight gradient, column gradient) plus a col2im scatter-add. The
// computation is the operation canary::conv1d (autodiff/conv_ops.hpp); the layer owns the
// parameters, the padding and the shape checks.
#include <array>
#include <cmath>
#include <string>

#include "canary/autodiff/conv_ops.hpp"
#include "canary/core/error.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// How a Conv1D pads the time axis.
///   Padding{p}         p zeros on both sides (torch padding=p; the default is 0, "valid")
///   Padding::same()    torch padding='same': total dilation*(K-1) zeros, left = total/2, the odd
///                      one on the right; output length = T. Stride 1 only, as in torch.
///   Padding::causal()  dilation*(K-1) zeros on the left, none on the right: output step t sees
///                      inputs up to t only (TCN, WaveNet); output length = T at stride 1.
/// A runtime value rather than a template parameter: the layer type stays short to read in a
/// Sequential, and the mode changes no compile-time width (only the runtime time extent).
struct Padding {
    enum class Kind { symmetric, same, causal };
    index amount = 0;  ///< zeros on each side when kind == symmetric
    Kind kind = Kind::symmetric;

    constexpr Padding() = default;
    /// `both_sides` zeros before and after (torch padding=n); throws canary::config_error when negative.
    constexpr Padding(index both_sides) : amount(both_sides) {  // NOLINT: Padding{1} reads as torch's padding=1
        if (both_sides < 0) throw config_error("Conv1D: padding must be non-negative");
    }
    /// Output length = input length (stride 1), as torch padding='same'.
    static constexpr Padding same() { return Padding(Kind::same); }
    /// All padding before the first step: output step t sees input steps <= t only.
    static constexpr Padding causal() { return Padding(Kind::causal); }

    /// Zeros before the first step for a window spanning `receptive` = dilation*(K-1)+1 steps.
    constexpr index left(index receptive) const {
        return kind == Kind::symmetric ? amount : kind == Kind::same ? (receptive - 1) / 2 : receptive - 1;
    }
    /// Zeros after the last step.
    constexpr index right(index receptive) const {
        return kind == Kind::symmetric ? amount : kind == Kind::same ? (receptive - 1) - (receptive - 1) / 2 : 0;
    }
    /// "same", "causal" or the number of zeros, for names and messages.
    std::string str() const {
        return kind == Kind::same ? "same" : kind == Kind::causal ? "causal" : std::to_string(amount);
    }

private:
    constexpr explicit Padding(Kind k) : kind(k) {}
};

/// requires: input (B, T, In) of rank 3; T + padding >= Dilation*(Kernel-1) + 1.
/// ensures:  output (B, Tout, Out), Tout = floor((T + padL + padR - Dilation*(Kernel-1) - 1)/Stride) + 1,
///           equal to torch's Conv1d; gradients with respect to x, weight and bias are exact.
template <index In, index Out, index Kernel, index Stride = 1, index Dilation = 1>
struct Conv1D {
    static_assert(In > 0 && Out > 0, "canary::Conv1D<In, Out, Kernel>: widths must be positive");
    static_assert(Kernel > 0, "canary::Conv1D: the kernel size must be positive");
    static_assert(Stride > 0, "canary::Conv1D: the stride must be positive");
    static_assert(Dilation > 0, "canary::Conv1D: the dilation must be positive");

    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = In;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Out;
    static constexpr index kernel_size = Kernel;
    static constexpr index stride = Stride;
    static constexpr index dilation = Dilation;
    /// Steps one output sees: dilation*(K-1) + 1.
    static constexpr index receptive_field = Dilation * (Kernel - 1) + 1;
    static constexpr index weight_count = Out * In * Kernel;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = weight_count + Out;
    static constexpr std::array<ParamSpec, 2> param_specs{
        {{"weight", Shape{Out, In, Kernel}, 0}, {"bias", Shape{Out}, weight_count}}};

    Padding padding{};

    constexpr Conv1D() = default;
    /// A convolution with padding `p`; throws canary::config_error for 'same' with a stride above 1.
    constexpr explicit Conv1D(Padding p) : padding(p) {
        if (p.kind == Padding::Kind::same && Stride != 1)
            throw config_error("Conv1D: padding='same' needs stride 1 (as in torch); use Padding{p} or causal()");
    }

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        std::string s = "Conv1D<" + std::to_string(In) + ", " + std::to_string(Out) + ", " + std::to_string(Kernel);
        if (Stride != 1 || Dilation != 1) s += ", " + std::to_string(Stride);
        if (Dilation != 1) s += ", " + std::to_string(Dilation);
        return s + ">(padding=" + padding.str() + ")";
    }

    /// Output length for an input of `steps` time steps (may be <= 0 when the input is too short).
    constexpr index output_length(index steps) const {
        const index padded = steps + padding.left(receptive_field) + padding.right(receptive_field);
        if (padded < receptive_field) return 0;
        return (padded - receptive_field) / Stride + 1;
    }

    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const {
        if (in.rank() != 3) return in.with_width(Out);
        return Shape{in[0], output_length(in[1]), Out};
    }

    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        // torch: kaiming_uniform_(a=sqrt(5)) on the weight and U(+-1/sqrt(fan_in)) on the bias,
        // both U(-1/sqrt(In*K), 1/sqrt(In*K)).
        const double bound = 1.0 / std::sqrt(static_cast<double>(In * Kernel));
        uniform_fill(p.val, weight_count, bound, rng);
        uniform_fill(p.val + weight_count, Out, bound, rng);
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        if (x.shape.rank() != 3 || x.cols() != In) bad_input(x.shape);
        const index steps_out = output_length(x.shape[1]);
        if (steps_out <= 0) too_short(x.shape);
        return conv1d<In, Out, Kernel, Stride, Dilation>(tape, x, p.var(param_specs[0]), p.var(param_specs[1]),
                                                         padding.left(receptive_field), steps_out);
    }

    /// Throws canary::shape_error naming the layer and the wrong input shape.
    [[noreturn]] void bad_input(const Shape& s) const {
        throw shape_error(name() + ": needs a (batch, time, " + std::to_string(In) + ") input, got " + s.str());
    }
    /// Throws canary::shape_error: the input has fewer steps than the receptive field.
    [[noreturn]] void too_short(const Shape& s) const {
        throw shape_error(name() + ": input " + s.str() + " is shorter than the receptive field " +
                          std::to_string(receptive_field) + " (with padding " + padding.str() + ")");
    }
};

/// Conv1D<In, Out, Kernel> whose default construction pads Pad zeros on both sides of the time
/// axis (torch padding=Pad), so a Sequential holding it is built right by `Model<Net>(seed)`.
/// Same parameters, names and forward pass as Conv1D; the padding can still be changed at run time.
template <index In, index Out, index Kernel, index Pad>
struct PaddedConv1D : Conv1D<In, Out, Kernel> {
    static_assert(Pad >= 0, "canary::PaddedConv1D: padding must be non-negative");
    constexpr PaddedConv1D() : Conv1D<In, Out, Kernel>(Padding{Pad}) {}
};

}  // namespace canary

#pragma once
// Dense<In, Out>: y = x W^T + b over the last dimension, torch.nn.Linear(In, Out).
// Parameters (torch names): weight (Out, In), bias (Out). Equations and backward: docs/layers/dense.md.
#include <array>
#include <cmath>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// y = x W^T + b over the last dimension, torch.nn.Linear(In, Out, bias=HasBias); parameters
/// weight (Out, In) and bias (Out). Input (..., In), output (..., Out).
template <index In, index Out, bool HasBias = true>
struct Dense {
    static_assert(In > 0 && Out > 0, "canary::Dense<In, Out>: widths must be positive");
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = In;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Out;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = In * Out + (HasBias ? Out : 0);
    /// The parameter tensors: torch state_dict names, shapes and offsets in the layer's span.
    static constexpr auto param_specs = [] {
        if constexpr (HasBias)
            return std::array<ParamSpec, 2>{{{"weight", Shape{Out, In}, 0}, {"bias", Shape{Out}, In * Out}}};
        else
            return std::array<ParamSpec, 1>{{{"weight", Shape{Out, In}, 0}}};
    }();

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "Dense<" + std::to_string(In) + ", " + std::to_string(Out) + ">"; }

    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        const double bound = 1.0 / std::sqrt(static_cast<double>(In));
        uniform_fill(p.val, In * Out, bound, rng);
        if constexpr (HasBias) uniform_fill(p.val + In * Out, Out, bound, rng);
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        if (x.cols() != In)
            throw shape_error(name() + ": input " + x.shape.str() + " has width " + std::to_string(x.cols()));
        const Var<T> w = p.var(param_specs[0]);
        const Var<T> b = HasBias ? p.var(param_specs[1]) : Var<T>{};
        return linear(tape, x, w, b);
    }
};

}  // namespace canary

#pragma once
// Dense<In, Out>: y = x W^T + b over the last dimension, torch.nn.Linear(In, Out).
// Parameters (torch names): weight (Out, In), bias (Out). Equations and backward: docs/layers/dense.md.
#include <array>
#include <cmath>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/model/layer.hpp"

namespace canary {

template <index In, index Out, bool HasBias = true>
struct Dense {
    static_assert(In > 0 && Out > 0, "canary::Dense<In, Out>: widths must be positive");
    static constexpr index in_width = In;
    static constexpr index out_width = Out;
    static constexpr index param_count = In * Out + (HasBias ? Out : 0);
    static constexpr auto param_specs = [] {
        if constexpr (HasBias)
            return std::array<ParamSpec, 2>{{{"weight", Shape{Out, In}, 0}, {"bias", Shape{Out}, In * Out}}};
        else
            return std::array<ParamSpec, 1>{{{"weight", Shape{Out, In}, 0}}};
    }();

    std::string name() const { return "Dense<" + std::to_string(In) + ", " + std::to_string(Out) + ">"; }

    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        const double bound = 1.0 / std::sqrt(static_cast<double>(In));
        uniform_fill(p.val, In * Out, bound, rng);
        if constexpr (HasBias) uniform_fill(p.val + In * Out, Out, bound, rng);
    }

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

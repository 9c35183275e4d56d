#pragma once
// LayerNorm<Dim>: normalisation over the last dimension, torch.nn.LayerNorm(Dim, eps=1e-5) with
// elementwise_affine. Parameters (torch names): weight (Dim) initialised to ones, bias (Dim) to zeros.
//   mu = mean(x),  var = mean((x - mu)^2)  (biased, as torch),  rstd = 1/sqrt(var + eps)
//   xhat = (x - mu) * rstd,  y = xhat * weight + bias
// Backward (derivation in docs/layers/layer_norm.md), with gw = dy * weight:
//   dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)),  dweight += sum dy*xhat,  dbias += sum dy
#include <array>
#include <cmath>
#include <string>

#include "canary/autodiff/norm_ops.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// requires: input (..., Dim) of any rank (each row of the matrix view is normalised).
/// ensures:  output of the input's shape, equal to torch.nn.LayerNorm(Dim, eps); exact gradients.

/// torch.nn.LayerNorm(Dim, eps) over the last dimension with weight (ones) and bias (zeros).
template <index Dim>
struct LayerNorm {
    static_assert(Dim > 0, "canary::LayerNorm<Dim>: the normalised width must be positive");
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = Dim;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Dim;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 2 * Dim;
    static constexpr std::array<ParamSpec, 2> param_specs{{{"weight", Shape{Dim}, 0}, {"bias", Shape{Dim}, Dim}}};

    double eps = 1e-5;

    constexpr LayerNorm() = default;
    /// A LayerNorm with this eps; throws canary::config_error unless eps > 0.
    constexpr explicit LayerNorm(double epsilon) : eps(epsilon) {
        if (!(epsilon > 0.0)) throw config_error("LayerNorm: eps must be positive");
    }

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "LayerNorm<" + std::to_string(Dim) + ">"; }

    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng&) const {
        for (index i = 0; i < Dim; ++i) {
            p.val[i] = T(1);
            p.val[Dim + i] = T(0);
        }
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        if (x.cols() != Dim) bad_width(x.shape);
        return layer_norm<Dim>(tape, x, p.var(param_specs[0]), p.var(param_specs[1]), static_cast<T>(eps));
    }

private:
    [[noreturn]] void bad_width(const Shape& s) const {
        throw shape_error(name() + ": input " + s.str() + " has width " + std::to_string(s.cols()));
    }
};

}  // namespace canary

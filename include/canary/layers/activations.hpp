#pragma once
// Element-wise activation layers. Each is one fused expression (canary/autodiff/expr.hpp), so its
// backward pass is derived from the forward formula at compile time.
#include <string>

#include "canary/autodiff/expr.hpp"
#include "canary/core/fixed_string.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// An element-wise activation layer: y = Op(x) for every element, one fused expression whose
/// backward pass is derived from the forward formula (no parameters, any width). ReLU, Sigmoid,
/// Tanh and GELU below are this template with their expression operation.
template <class Op, fixed_string Label>
struct ElementwiseActivation {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = any_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = any_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;
    /// The layer's name as torch prints it, for summaries and error messages (canary::Layer).
    std::string name() const { return std::string(Label.view()); }
    /// Records y = Op(x) on the tape; y has x's shape.
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        return eval(tape, expr::make_unary(Op{}, x));
    }
    /// A graph batch: maps the node features, keeps the structure.
    template <class T, class B, FeatureCarrier<T> G>
    G forward(Tape<T, B>& tape, ParamSpan<T> p, const G& g) const {
        return g.with_features(forward(tape, p, g.x));
    }
};

/// max(x, 0), torch.nn.ReLU (derivative 0 at 0, as torch).
struct ReLU : ElementwiseActivation<expr::Relu, "ReLU"> {};
/// 1 / (1 + exp(-x)), torch.nn.Sigmoid.
struct Sigmoid : ElementwiseActivation<expr::Sigmoid, "Sigmoid"> {};
/// tanh(x), torch.nn.Tanh.
struct Tanh : ElementwiseActivation<expr::Tanh, "Tanh"> {};
/// x * Phi(x) with the exact normal CDF, torch.nn.GELU() (approximate='none').
struct GELU : ElementwiseActivation<expr::Gelu, "GELU"> {};

/// torch.nn.LeakyReLU(negative_slope).
struct LeakyReLU {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = any_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = any_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;
    double negative_slope = 0.01;
    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "LeakyReLU(" + std::to_string(negative_slope) + ")"; }
    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        return eval(tape, leaky_relu(x, negative_slope));
    }
    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B, FeatureCarrier<T> G>
    G forward(Tape<T, B>& tape, ParamSpan<T> p, const G& g) const {
        return g.with_features(forward(tape, p, g.x));
    }
};

}  // namespace canary

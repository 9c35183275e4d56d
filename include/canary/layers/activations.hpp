#pragma once
// Element-wise activation layers. Each is one fused expression (canary/autodiff/expr.hpp), so its
// backward pass is derived from the forward formula at compile time.
#include <string>

#include "canary/autodiff/expr.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/model/layer.hpp"

namespace canary {

#define CANARY_ACTIVATION_LAYER(Type, fn, label)                                 \
    struct Type {                                                                \
        static constexpr index in_width = any_width;                             \
        static constexpr index out_width = any_width;                            \
        static constexpr index param_count = 0;                                  \
        std::string name() const { return label; }                              \
        template <class T, class B>                                              \
        Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const { \
            return eval(tape, fn(x));                                            \
        }                                                                        \
        /* a graph batch: map the node features, keep the structure */          \
        template <class T, class B, FeatureCarrier<T> G>                         \
        G forward(Tape<T, B>& tape, ParamSpan<T> p, const G& g) const {          \
            return g.with_features(forward(tape, p, g.x));                       \
        }                                                                        \
    };
CANARY_ACTIVATION_LAYER(ReLU, relu, "ReLU")
CANARY_ACTIVATION_LAYER(Sigmoid, sigmoid, "Sigmoid")
CANARY_ACTIVATION_LAYER(Tanh, tanh, "Tanh")
CANARY_ACTIVATION_LAYER(GELU, gelu, "GELU")
#undef CANARY_ACTIVATION_LAYER

/// torch.nn.LeakyReLU(negative_slope).
struct LeakyReLU {
    static constexpr index in_width = any_width;
    static constexpr index out_width = any_width;
    static constexpr index param_count = 0;
    double negative_slope = 0.01;
    std::string name() const { return "LeakyReLU(" + std::to_string(negative_slope) + ")"; }
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        return eval(tape, leaky_relu(x, negative_slope));
    }
    template <class T, class B, FeatureCarrier<T> G>
    G forward(Tape<T, B>& tape, ParamSpan<T> p, const G& g) const {
        return g.with_features(forward(tape, p, g.x));
    }
};

}  // namespace canary

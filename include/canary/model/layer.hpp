#pragma once
// What it takes to be a layer. A layer is a small type whose feature widths and parameter count
// are compile-time constants; its parameters live in the model's flat buffer and reach it as a
// ParamSpan (values and gradients at the layer's offset).
//
// A layer L provides:
//   static constexpr index in_width, out_width;   // any_width when it preserves the width
//   static constexpr index param_count;
//   std::string name() const;                      // e.g. "Dense<32, 16>"
//   template <class T, class B> Out forward(Tape<T, B>&, ParamSpan<T>, In x) const;
// and optionally:
//   static constexpr std::array<ParamSpec, N> param_specs;   // torch names, shapes, offsets
//   template <class T> void init(ParamSpan<T>, Rng&) const;  // torch's default initialisation
//   Shape output_shape(Shape in) const;                      // for summaries
//   template <class F> void visit_params(std::string_view prefix, index offset, F&& f) const; // composites
#include <array>
#include <concepts>
#include <string>
#include <string_view>

#include "canary/autodiff/var.hpp"
#include "canary/core/rng.hpp"
#include "canary/core/shape.hpp"

namespace canary {

/// Marks a layer that accepts any input width and keeps it (activations, dropout, pooling).
inline constexpr index any_width = -1;

/// A named parameter tensor of a layer, at `offset` values into the layer's span.
struct ParamSpec {
    std::string_view name;
    Shape shape;
    index offset;
};

/// The layer's slice of the model's flat parameter buffer.
template <class T>
struct ParamSpan {
    T* val = nullptr;
    T* grad = nullptr;  ///< nullptr when gradients are not being recorded
    index size = 0;

    /// The parameter at `offset` with `shape`, as a tape leaf whose adjoint is the gradient slot.
    Var<T> var(index offset, Shape shape) const {
        return Var<T>{val + offset, grad ? grad + offset : nullptr, shape, shape.cols()};
    }
    /// The `count` values at `offset` as a span of their own (a sub-layer's slice).
    ParamSpan sub(index offset, index count) const {
        return ParamSpan{val + offset, grad ? grad + offset : nullptr, count};
    }
    /// The parameter described by `spec`, as a tape leaf.
    Var<T> var(const ParamSpec& spec) const { return var(spec.offset, spec.shape); }
};

template <class L>
concept Layer = requires(const L& layer) {
    { L::in_width } -> std::convertible_to<index>;
    { L::out_width } -> std::convertible_to<index>;
    { L::param_count } -> std::convertible_to<index>;
    { layer.name() } -> std::convertible_to<std::string>;
};

/// Width after a layer given the width entering it (any_width passes the input through).
template <Layer L>
constexpr index width_after(index in) {
    return L::out_width == any_width ? in : L::out_width;
}

template <class L>
concept HasParamSpecs = requires { L::param_specs; };

/// Calls f(full_name, shape, offset) for every parameter of `layer`, with names in torch's
/// state_dict convention (prefix + "." + name).
template <Layer L, class F>
void visit_params(const L& layer, std::string_view prefix, index offset, F&& f) {
    if constexpr (requires { layer.visit_params(prefix, offset, f); }) {
        layer.visit_params(prefix, offset, f);  // composites and Named first: they add prefixes
    } else if constexpr (HasParamSpecs<L>) {
        for (const ParamSpec& p : L::param_specs) {
            std::string full(prefix);
            full += p.name;
            f(full, p.shape, offset + p.offset);
        }
    }
}

/// Initialises a layer's parameters if it has any.
template <Layer L, class T>
void init_params(const L& layer, ParamSpan<T> span, Rng& rng) {
    if constexpr (requires { layer.init(span, rng); }) layer.init(span, rng);
}

/// The output shape of a layer for a given input shape, for summaries.
template <Layer L>
Shape output_shape_of(const L& layer, const Shape& in) {
    if constexpr (requires { layer.output_shape(in); }) return layer.output_shape(in);
    else return L::out_width == any_width ? in : in.with_width(L::out_width);
}

/// torch's default bound for nn.Linear / nn.Conv1d weights and biases: kaiming_uniform_(a=sqrt(5))
/// reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
template <class T>
void uniform_fill(T* p, index n, double bound, Rng& rng) {
    for (index i = 0; i < n; ++i) p[i] = static_cast<T>(rng.uniform(-bound, bound));
}

}  // namespace canary

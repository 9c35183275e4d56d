#pragma once
// What it takes to be a layer; the full contract, with the signatures, is docs/layer-contract.md.
// A layer is a small type whose feature widths and parameter count are compile-time constants; its
// parameters live in the model's flat buffer and reach it as a ParamSpan (values and gradients at
// the layer's offset).
//
// A layer L must provide:
//   static constexpr index in_width, out_width;   // any_width when it preserves the width
//   static constexpr index param_count;
//   std::string name() const;                      // e.g. "Dense<32, 16>"
//   template <class T, class B> Out forward(Tape<T, B>&, ParamSpan<T>, In x) const;
//   template <class T> void init(ParamSpan<T>, Rng&) const;  // only when param_count > 0
//   param_specs or visit_params (below)                     // only when param_count > 0
// and may provide:
//   static constexpr std::array<ParamSpec, N> param_specs;   // torch names, shapes, offsets; must tile param_count
//   Shape output_shape(Shape in) const;                      // for summaries
//   template <class F> void visit_params(std::string_view prefix, index offset, F&& f) const; // composites
//
// The `Layer` concept checks all of this. A type that has the widths, param_count and name() but
// breaks the rest is not quietly rejected: it stops compilation with one static_assert that names
// the missing piece, and the instantiation context names the layer (and the numbers, for
// param_specs). Without this, a misspelt init compiled and left the weights at zero.
#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

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

/// The compile-time shape of a layer: widths, parameter count and name. Necessary, not sufficient:
/// canary::Layer adds forward, init and the parameter names.
template <class L>
concept LayerShape = requires(const L& layer) {
    { L::in_width } -> std::convertible_to<index>;
    { L::out_width } -> std::convertible_to<index>;
    { L::param_count } -> std::convertible_to<index>;
    { layer.name() } -> std::convertible_to<std::string>;
};

template <class L>
concept HasParamSpecs = requires { L::param_specs; };

namespace detail {

// A member named `forward` is found whatever its signature (a template over the tape and input
// types, overloads for graphs and sequences): a class deriving from L and from a decoy with its
// own `forward` makes the name ambiguous exactly when L declares one.
struct forward_decoy {
    void forward();
};
template <class L>
struct forward_probe : L, forward_decoy {};
struct visit_params_decoy {
    void visit_params();
};
template <class L>
struct visit_params_probe : L, visit_params_decoy {};

template <class L>
concept has_forward_member = std::is_final_v<L> || !requires { &forward_probe<L>::forward; };
template <class L>
concept has_visit_params_member = std::is_final_v<L> || !requires { &visit_params_probe<L>::visit_params; };

template <class L, class T>
concept has_init_for = requires(const L& layer, ParamSpan<T> p, Rng& rng) { layer.init(p, rng); };

/// The values the param_specs tensors cover when they are disjoint and inside [0, param_count);
/// -1 when two overlap or one reaches outside.
template <class L>
constexpr index param_specs_cover() {
    index total = 0;
    for (std::size_t i = 0; i < L::param_specs.size(); ++i) {
        const index begin = L::param_specs[i].offset, end = begin + L::param_specs[i].shape.numel();
        if (begin < 0 || end > L::param_count) return -1;
        for (std::size_t j = 0; j < i; ++j) {
            const index b = L::param_specs[j].offset, e = b + L::param_specs[j].shape.numel();
            if (begin < e && b < end) return -1;
        }
        total += end - begin;
    }
    return total;
}

// One function per requirement, with the layer and the numbers as template parameters: the
// compiler prints them in the instantiation context of the failed static_assert ("[with
// layer_type = MyLayer; long int param_count = 10; long int param_specs_cover = 8]").
template <class layer_type>
constexpr bool check_layer_forward() {
    static_assert(has_forward_member<layer_type>,
                  "canary::Layer: the layer (layer_type above) has no member `forward`; a layer defines "
                  "template <class T, class B> Out forward(Tape<T, B>&, ParamSpan<T>, const In&) const "
                  "(docs/layer-contract.md)");
    return has_forward_member<layer_type>;
}

template <class layer_type, index param_count>
constexpr bool check_layer_init() {
    constexpr bool ok = param_count == 0 || (has_init_for<layer_type, float> && has_init_for<layer_type, double>);
    static_assert(ok,
                  "canary::Layer: the layer (layer_type above) has parameters but no "
                  "template <class T> void init(ParamSpan<T>, Rng&) const; without it its weights would stay "
                  "zero (docs/layer-contract.md)");
    return ok;
}

template <class layer_type, index param_count>
constexpr bool check_layer_param_names() {
    constexpr bool ok = param_count == 0 || HasParamSpecs<layer_type> || has_visit_params_member<layer_type>;
    static_assert(ok,
                  "canary::Layer: the layer (layer_type above) has parameters but neither param_specs nor "
                  "visit_params, so they would have no state_dict names (docs/layer-contract.md)");
    return ok;
}

template <class layer_type, index param_count, index param_specs_cover>
constexpr bool check_layer_param_specs() {
    static_assert(param_specs_cover != -1,
                  "canary::Layer: two tensors of the layer's param_specs overlap, or one reaches outside "
                  "[0, param_count) (layer_type and param_count above)");
    static_assert(param_specs_cover == -1 || param_specs_cover == param_count,
                  "canary::Layer: the layer's param_specs must tile param_count exactly; they cover "
                  "param_specs_cover values (layer_type, param_count and param_specs_cover above)");
    return param_specs_cover == param_count;
}

/// Checks the requirements in order and stops at the first that fails, so a broken layer gets
/// exactly one diagnostic.
template <class L>
constexpr bool layer_contract() {
    if constexpr (!check_layer_forward<L>()) {
        return false;
    } else if constexpr (!check_layer_init<L, L::param_count>()) {
        return false;
    } else if constexpr (!check_layer_param_names<L, L::param_count>()) {
        return false;
    } else if constexpr (HasParamSpecs<L>) {
        return check_layer_param_specs<L, L::param_count, param_specs_cover<L>()>();
    } else {
        return true;
    }
}

}  // namespace detail

/// A layer (docs/layer-contract.md): LayerShape plus forward, init when it has parameters, and
/// names for its parameters (param_specs tiling param_count, or visit_params). A type with the
/// shape of a layer that breaks the rest is a compile error naming what is missing (the comma
/// keeps it to that one diagnostic instead of a second "constraints not satisfied").
template <class L>
concept Layer = LayerShape<L> && (detail::layer_contract<L>(), true);

/// Width after a layer given the width entering it (any_width passes the input through).
template <Layer L>
constexpr index width_after(index in) {
    return L::out_width == any_width ? in : L::out_width;
}

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

/// Initialises a layer's parameters (canary::Layer guarantees an init when it has any).
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

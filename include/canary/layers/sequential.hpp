#pragma once
// Sequential<L0, L1, ...>: layers applied left to right, composed at compile time.
//
// A width mismatch between neighbours stops compilation at the model's declaration with one
// static_assert whose context names the layer position and both widths:
//   In instantiation of 'constexpr bool canary::detail::check_neighbour_widths() [with long unsigned
//   int layer_position = 2; long int layer_expects_width = 16; long int previous_layer_gives_width = 32]'
//   error: static assertion failed: canary::Sequential: a layer's input width differs from ...
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "canary/autodiff/tape.hpp"
#include "canary/core/fixed_string.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

namespace detail {

template <std::size_t layer_position, index layer_expects_width, index previous_layer_gives_width>
constexpr bool check_neighbour_widths() {
    static_assert(layer_expects_width == previous_layer_gives_width,
                  "canary::Sequential: a layer's input width differs from the output width of the layer before it "
                  "(see layer_position, layer_expects_width and previous_layer_gives_width above)");
    return layer_expects_width == previous_layer_gives_width;
}

/// Checks every neighbour pair; `width` is the width flowing out of layers [0, I).
template <std::size_t I, index width, class... Ls>
constexpr bool widths_agree() {
    if constexpr (I == sizeof...(Ls)) {
        return true;
    } else {
        using L = std::tuple_element_t<I, std::tuple<Ls...>>;
        constexpr index next = L::out_width == any_width ? width : L::out_width;
        if constexpr (L::in_width != any_width && width != any_width) {
            if constexpr (!check_neighbour_widths<I, L::in_width, width>()) return false;  // one error, no cascade
            else return widths_agree<I + 1, next, Ls...>();
        } else {
            return widths_agree<I + 1, next, Ls...>();
        }
    }
}

/// The model's input width: the first stated one (layers before it all preserve their width).
template <class... Ls>
constexpr index first_known_in_width() {
    index w = any_width;
    ((w == any_width ? (w = Ls::in_width, 0) : 0), ...);
    return w;
}

template <class... Ls>
constexpr index final_width() {
    index w = any_width;
    ((w = (Ls::out_width == any_width ? w : Ls::out_width)), ...);
    return w;
}

template <class L>
struct layer_label {
    static std::string prefix(std::size_t position) { return std::to_string(position); }
};

}  // namespace detail

/// Gives a layer its torch attribute name: its parameters become "<name>.<param>".
template <fixed_string Name, Layer L>
struct Named : L {
    static constexpr std::string_view label = Name.view();
    using layer_type = L;
    using L::L;
    Named() = default;
    /// Names a configured layer object.
    explicit Named(L layer) : L(std::move(layer)) {}
    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return std::string(label) + ": " + L::name(); }
    /// Calls f(name, shape, offset) for every parameter, names after `prefix` in torch's state_dict convention.
    template <class F>
    void visit_params(std::string_view prefix, index offset, F&& f) const {
        std::string p(prefix);
        p += label;
        p += '.';
        canary::visit_params(static_cast<const L&>(*this), p, offset, f);
    }
};

template <class L>
concept IsNamed = requires { L::label; typename L::layer_type; };

/// A wrapper whose parameters keep the names its inner layers give them (TimeDistributed):
/// Sequential does not prefix them with the wrapper's position.
template <class L>
concept InlineNamed = requires {
    { L::inline_param_names } -> std::convertible_to<bool>;
} && L::inline_param_names;

/// Layers applied in order; neighbouring widths are checked at compile time (one error naming the
/// position and both widths). Parameters are laid out layer after layer; torch names "<i>.<param>"
/// unless the layer is Named.
template <Layer... Ls>
class Sequential {
    static_assert(sizeof...(Ls) > 0, "canary::Sequential needs at least one layer");
    // The comma keeps a mismatch to the single diagnostic raised inside check_neighbour_widths.
    static_assert((detail::widths_agree<0, detail::first_known_in_width<Ls...>(), Ls...>(), true));

public:
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = detail::first_known_in_width<Ls...>();
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = detail::final_width<Ls...>();
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = (index{0} + ... + Ls::param_count);
    static constexpr std::size_t size = sizeof...(Ls);

    /// Offset of layer I's parameters in the model's flat buffer.
    template <std::size_t I>
    static constexpr index param_offset() {
        constexpr index counts[] = {Ls::param_count...};
        index o = 0;
        for (std::size_t i = 0; i < I; ++i) o += counts[i];
        return o;
    }

    Sequential() = default;
    /// Builds the network from layer objects (for layers with settings, e.g. Dropout(0.2)).
    explicit Sequential(Ls... layers) : layers_(std::move(layers)...) {}

    template <std::size_t I>
    /// The I-th layer.
    auto& get() noexcept { return std::get<I>(layers_); }
    template <std::size_t I>
    /// The I-th layer.
    const auto& get() const noexcept { return std::get<I>(layers_); }

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "Sequential<" + std::to_string(size) + " layers>"; }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B, class X>
    auto forward(Tape<T, B>& tape, ParamSpan<T> p, const X& x) const {
        return forward_from<0>(tape, p, x);
    }

    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        for_each_layer([&]<std::size_t I>(const auto& layer) {
            init_params(layer, p.sub(param_offset<I>(), std::decay_t<decltype(layer)>::param_count), rng);
        });
    }

    /// torch nn.Sequential naming: a layer's prefix is its Named label, else its position.
    template <class F>
    void visit_params(std::string_view prefix, index offset, F&& f) const {
        for_each_layer([&]<std::size_t I>(const auto& layer) {
            using L = std::decay_t<decltype(layer)>;
            std::string p(prefix);
            if constexpr (IsNamed<L> || InlineNamed<L>) {
                canary::visit_params(layer, p, offset + param_offset<I>(), f);
            } else {
                p += std::to_string(I);
                p += '.';
                canary::visit_params(layer, p, offset + param_offset<I>(), f);
            }
        });
    }

    /// Calls `f.template operator()<I>(layer)` for each layer in order.
    template <class F>
    void for_each_layer(F&& f) const {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f.template operator()<I>(std::get<I>(layers_)), ...);
        }(std::index_sequence_for<Ls...>{});
    }

    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const {
        for_each_layer([&]<std::size_t>(const auto& layer) { in = output_shape_of(layer, in); });
        return in;
    }

private:
    template <std::size_t I, class T, class B, class X>
    auto forward_from(Tape<T, B>& tape, ParamSpan<T> p, const X& x) const {
        using L = std::tuple_element_t<I, std::tuple<Ls...>>;
        auto y = std::get<I>(layers_).forward(tape, p.sub(param_offset<I>(), L::param_count), x);
        if constexpr (I + 1 == sizeof...(Ls)) return y;
        else return forward_from<I + 1>(tape, p, y);
    }

    std::tuple<Ls...> layers_;
};

}  // namespace canary

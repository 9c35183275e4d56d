#pragma once
// Temporal convolutional network (Bai, Kolter & Koltun 2018), on (batch, time, features):
//   TemporalBlock<In, Out, Kernel, Dilation>:
//     h = drop(relu(conv1(x))),  h = drop(relu(conv2(h))),  y = relu(h + skip(x))
//   with conv1, conv2 dilated CAUSAL convolutions (output t sees inputs <= t only) and skip the
//   identity when In == Out, else a 1x1 convolution `downsample`.
//   TCN<In, Kernel, C0, C1, ...>: blocks with dilations 1, 2, 4, ... and widths C0, C1, ...,
//   parameters named network.<i>.conv1.weight etc. as the reference implementation.
// Receptive field: 1 + 2 (Kernel - 1)(2^L - 1) steps for L blocks, a compile-time constant.
// Weight normalisation of the original paper is omitted (it reparametrises, it does not change
// what the block computes); docs/layers/tcn.md.
#include <string>
#include <utility>

#include "canary/autodiff/expr.hpp"
#include "canary/layers/conv1d.hpp"
#include "canary/layers/dropout.hpp"
#include "canary/layers/sequential.hpp"

namespace canary {

/// One residual block of a temporal convolutional network (Bai, Kolter & Koltun 2018): two dilated
/// causal convolutions with ReLU and dropout, plus the identity or a 1x1 `downsample` convolution.
template <index In, index Out, index Kernel, index Dilation>
struct TemporalBlock {
    using Conv1 = Conv1D<In, Out, Kernel, 1, Dilation>;
    using Conv2 = Conv1D<Out, Out, Kernel, 1, Dilation>;
    using Downsample = Conv1D<In, Out, 1>;
    static constexpr bool has_downsample = In != Out;
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = In;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Out;
    static constexpr index conv2_offset = Conv1::param_count;
    static constexpr index downsample_offset = conv2_offset + Conv2::param_count;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = downsample_offset + (has_downsample ? Downsample::param_count : 0);
    static constexpr index receptive_field = 1 + 2 * (Kernel - 1) * Dilation;

    double dropout = 0.0;

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        return "TemporalBlock<" + std::to_string(In) + ", " + std::to_string(Out) + ", k" + std::to_string(Kernel) +
               ", d" + std::to_string(Dilation) + ">";
    }
    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        Conv1{}.init(p.sub(0, Conv1::param_count), rng);
        Conv2{}.init(p.sub(conv2_offset, Conv2::param_count), rng);
        if constexpr (has_downsample) Downsample{}.init(p.sub(downsample_offset, Downsample::param_count), rng);
    }
    /// Calls f(name, shape, offset) for every parameter, names after `prefix` in torch's state_dict convention.
    template <class F>
    void visit_params(std::string_view prefix, index offset, F&& f) const {
        const std::string p(prefix);
        canary::visit_params(Conv1{}, p + "conv1.", offset, f);
        canary::visit_params(Conv2{}, p + "conv2.", offset + conv2_offset, f);
        if constexpr (has_downsample) canary::visit_params(Downsample{}, p + "downsample.", offset + downsample_offset, f);
    }
    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        const Dropout drop(dropout);
        const Conv1 conv1(Padding::causal());
        const Conv2 conv2(Padding::causal());
        Var<T> h = drop.forward(tape, {}, eval(tape, relu(conv1.forward(tape, p.sub(0, Conv1::param_count), x))));
        h = drop.forward(tape, {}, eval(tape, relu(conv2.forward(tape, p.sub(conv2_offset, Conv2::param_count), h))));
        if constexpr (has_downsample) {
            Var<T> skip = Downsample{}.forward(tape, p.sub(downsample_offset, Downsample::param_count), x);
            return eval(tape, relu(h + skip));
        } else {
            return eval(tape, relu(h + x));
        }
    }
};

namespace detail {
template <index In, index Kernel, class Dilations, index... Channels>
struct tcn_blocks;
template <index In, index Kernel, std::size_t... I, index... Channels>
struct tcn_blocks<In, Kernel, std::index_sequence<I...>, Channels...> {
    static constexpr index widths[] = {In, Channels...};
    using type = Sequential<TemporalBlock<widths[I], widths[I + 1], Kernel, (index{1} << I)>...>;
};
}  // namespace detail

/// TCN<In, Kernel, C0, C1, ...>: L = sizeof...(Channels) residual blocks with dilations 2^i.
template <index In, index Kernel, index... Channels>
struct TCN : detail::tcn_blocks<In, Kernel, std::make_index_sequence<sizeof...(Channels)>, Channels...>::type {
    static_assert(sizeof...(Channels) > 0, "canary::TCN<In, Kernel, C0, ...>: at least one block");
    using Blocks = typename detail::tcn_blocks<In, Kernel, std::make_index_sequence<sizeof...(Channels)>, Channels...>::type;
    static constexpr index receptive_field = 1 + 2 * (Kernel - 1) * ((index{1} << sizeof...(Channels)) - 1);

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        return "TCN<" + std::to_string(In) + ", k" + std::to_string(Kernel) + ", " + std::to_string(sizeof...(Channels)) +
               " blocks, receptive field " + std::to_string(receptive_field) + ">";
    }
    /// Sets the dropout of every block.
    void set_dropout(double p) {
        [&]<std::size_t... I>(std::index_sequence<I...>) { ((this->template get<I>().dropout = p), ...); }(
            std::make_index_sequence<sizeof...(Channels)>{});
    }
    /// Calls f(name, shape, offset) for every parameter, names after `prefix` in torch's state_dict convention.
    template <class F>
    void visit_params(std::string_view prefix, index offset, F&& f) const {
        Blocks::visit_params(std::string(prefix) + "network.", offset, f);
    }
};

}  // namespace canary

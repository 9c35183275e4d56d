#pragma once
// Streaming inference for causal models: feed one new time step (one new day) at a time and get
// the output the full-sequence forward would give at that step, with the recurrent states carried
// between calls.
//
//   Model<Sequential<LSTM<16, 32>, LastStep, Dense<32, 1>>> model(seed);
//   Stream stream(model, /*batch=*/4);
//   for (each day) { Var<float> logit = stream.step(x_day); ... }   // x_day: (4, 16)
//
// A network can stream when every layer is causal and either recurrent and unidirectional
// (LSTM, GRU: the state is carried) or local in time (Dense, activations, Dropout, LastStep: they
// map each step on its own). Bidirectional layers read the future: asking to stream one is a
// compile error that says so. Another layer that maps each time step independently can opt in
// by specialising `canary::streams_step_by_step<L>` to true.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "canary/layers/pooling.hpp"  // LastStep
#include "canary/layers/activations.hpp"
#include "canary/layers/bidirectional.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/dropout.hpp"
#include "canary/model/model.hpp"

namespace canary {

/// True for layers that map every time step independently (so T=1 calls compose into the
/// full-sequence result). Specialise for your own such layers.
template <class L>
inline constexpr bool streams_step_by_step = false;
template <index In, index Out, bool HasBias>
inline constexpr bool streams_step_by_step<Dense<In, Out, HasBias>> = true;
template <>
inline constexpr bool streams_step_by_step<ReLU> = true;
template <>
inline constexpr bool streams_step_by_step<Sigmoid> = true;
template <>
inline constexpr bool streams_step_by_step<Tanh> = true;
template <>
inline constexpr bool streams_step_by_step<GELU> = true;
template <>
inline constexpr bool streams_step_by_step<LeakyReLU> = true;
template <>
inline constexpr bool streams_step_by_step<Dropout> = true;  // the identity at inference
template <>
inline constexpr bool streams_step_by_step<LastStep> = true;  // "as if the sequence ended here"

namespace detail {

template <class L>
inline constexpr bool always_false = false;

template <class L>
struct is_sequential : std::false_type {};
template <class... Ls>
struct is_sequential<Sequential<Ls...>> : std::true_type {};

template <class L>
concept RecurrentLayer = requires {
    typename L::cell;
    L::num_directions;
};

template <class L>
constexpr bool reject_bidirectional() {
    static_assert(always_false<L>,
                  "canary::Stream: Bidirectional layers read the future; they cannot stream. "
                  "Use a unidirectional LSTM or GRU in a model meant for streaming.");
    return false;
}

template <class L>
constexpr bool reject_unknown() {
    static_assert(always_false<L>,
                  "canary::Stream: this layer is not known to be causal and local in time, so it cannot stream "
                  "(specialise canary::streams_step_by_step<L> if it maps each time step on its own)");
    return false;
}

/// Checks a network for streaming; each failure is exactly one static_assert naming the reason.
template <class L>
constexpr bool streamable() {
    if constexpr (requires { typename L::layer_type; L::label; }) {
        return streamable<typename L::layer_type>();  // Named<"...", L>
    } else if constexpr (is_sequential<L>::value) {
        return []<class... Ls>(std::type_identity<Sequential<Ls...>>) {
            return (streamable<Ls>() && ...);
        }(std::type_identity<L>{});
    } else if constexpr (RecurrentLayer<L>) {
        if constexpr (L::num_directions != 1) return reject_bidirectional<L>();
        else return true;
    } else if constexpr (streams_step_by_step<L>) {
        return true;
    } else {
        return reject_unknown<L>();
    }
}

/// Values of carried state per batch row (h and c of every layer of every recurrent layer).
template <class L>
constexpr index stream_state_width() {
    if constexpr (requires { typename L::layer_type; L::label; }) {
        return stream_state_width<typename L::layer_type>();
    } else if constexpr (is_sequential<L>::value) {
        return []<class... Ls>(std::type_identity<Sequential<Ls...>>) {
            return (index{0} + ... + stream_state_width<Ls>());
        }(std::type_identity<L>{});
    } else if constexpr (RecurrentLayer<L>) {
        return L::num_layers * L::num_directions * L::hidden_size * (L::cell::has_cell_state ? 2 : 1);
    } else {
        return 0;
    }
}

}  // namespace detail

/// requires: Net streams (see the file comment; a Bidirectional layer is a compile error);
///           the model outlives the stream; each step's input is (batch, In) or (batch, 1, In).
/// ensures:  step k returns (batch, Out) equal to the full-sequence forward of steps 0..k at step
///           k (for LastStep models: the prediction after step k); valid until the next step.
///           After the first step, steps allocate no heap memory.
template <Layer Net, class T = float, class Backend = DefaultCpu>
class Stream {
    // The comma keeps a failure to the single diagnostic raised inside detail::streamable.
    static_assert((detail::streamable<Net>(), true));

public:
    using model_type = Model<Net, T, Backend>;

    /// With a device backend the carried states live in the device's memory.
    Stream(const model_type& model, index batch)
        : model_(&model), batch_(batch),
          state_(is_device_backend_v<Backend> ? 0 : static_cast<std::size_t>(detail::stream_state_width<Net>() * batch), T(0)) {
        if (batch < 1) throw config_error("Stream: batch must be at least 1, got " + std::to_string(batch));
        if constexpr (is_device_backend_v<Backend>) {
            device_state_ = device_array(detail::stream_state_width<Net>() * batch);
            device_input_ = device_array(batch * Net::in_width);
            Backend::zero(device_state_.get(), detail::stream_state_width<Net>() * batch);
        }
    }

    /// Forgets every carried state (a new sequence starts).
    void reset() {
        if constexpr (is_device_backend_v<Backend>) Backend::zero(device_state_.get(), detail::stream_state_width<Net>() * batch_);
        else std::fill(state_.begin(), state_.end(), T(0));
        steps_ = 0;
    }
    /// Sequences streamed side by side (the batch size given at construction).
    index batch() const noexcept { return batch_; }
    /// Time steps consumed since construction or reset().
    long steps() const noexcept { return steps_; }

    /// Consumes one time step x_t of shape (batch, In) or (batch, 1, In).
    Var<T> step(const Var<T>& x_t) {
        const bool fits = x_t.cols() == Net::in_width && x_t.rows() == batch_ &&
                          (x_t.shape.rank() == 2 || (x_t.shape.rank() == 3 && x_t.shape[1] == 1));
        if (!fits)
            throw shape_error("Stream: a step is (" + std::to_string(batch_) + ", " + std::to_string(Net::in_width) +
                              ") or (" + std::to_string(batch_) + ", 1, " + std::to_string(Net::in_width) + "), got " +
                              x_t.shape.str());
        tape_.reset();
        const Var<T> x{x_t.val, nullptr, Shape{batch_, 1, Net::in_width}, x_t.ld};
        // Inference never writes parameters; ParamSpan is a mutable view for training's sake.
        const ParamSpan<T> params{const_cast<T*>(model_->parameters()), nullptr, Net::param_count};
        T* state = is_device_backend_v<Backend> ? device_state_.get() : state_.data();
        const Var<T> y = advance(model_->net(), params, x, state);
        ++steps_;
        return Var<T>{y.val, nullptr, Shape{batch_, y.cols()}, y.rows() == batch_ ? y.ld : y.cols()};
    }
    /// Consumes one time step from batch * In contiguous values (host values also with a device
    /// backend: they are transferred first).
    Var<T> step(const T* x_t) {
        if constexpr (is_device_backend_v<Backend>) {
            Backend::to_device(x_t, device_input_.get(), batch_ * Net::in_width);
            return step(Var<T>{device_input_.get(), nullptr, Shape{batch_, Net::in_width}, Net::in_width});
        } else {
            return step(Var<T>{const_cast<T*>(x_t), nullptr, Shape{batch_, Net::in_width}, Net::in_width});
        }
    }

private:
    template <class L>
    Var<T> advance(const L& layer, ParamSpan<T> p, const Var<T>& x, T*& state) {
        if constexpr (requires { typename L::layer_type; L::label; }) {
            return advance(static_cast<const typename L::layer_type&>(layer), p, x, state);
        } else if constexpr (detail::is_sequential<L>::value) {
            Var<T> y = x;
            layer.for_each_layer([&]<std::size_t I>(const auto& sub) {
                using S = std::decay_t<decltype(sub)>;
                y = advance(sub, p.sub(L::template param_offset<I>(), S::param_count), y, state);
            });
            return y;
        } else if constexpr (detail::RecurrentLayer<L>) {
            const index n = L::num_layers * batch_ * L::hidden_size;
            const Shape s{L::num_layers, batch_, L::hidden_size};
            RecurrentState<T> carried{Var<T>{state, nullptr, s, L::hidden_size}, {}};
            if constexpr (L::cell::has_cell_state) carried.c = Var<T>{state + n, nullptr, s, L::hidden_size};
            const RecurrentOutput<T> out = layer.forward(tape_, p, with_state(x, carried));
            Backend::copy(out.state.h.val, state, n);
            if constexpr (L::cell::has_cell_state) Backend::copy(out.state.c.val, state + n, n);
            state += L::cell::has_cell_state ? 2 * n : n;
            return out.sequence;
        } else {
            return layer.forward(tape_, p, x);
        }
    }

    static std::shared_ptr<T> device_array(index n) {
        T* p = static_cast<T*>(Backend::memory::allocate(sizeof(T) * static_cast<std::size_t>(n > 0 ? n : 1)));
        return std::shared_ptr<T>(p, [](T* q) { Backend::memory::deallocate(q); });
    }

    const model_type* model_;
    index batch_;
    std::vector<T> state_;
    std::shared_ptr<T> device_state_, device_input_;  // device backends: states and the staged step
    Tape<T, Backend> tape_{false};
    long steps_ = 0;
};

template <Layer Net, class T, class Backend>
Stream(const Model<Net, T, Backend>&, index) -> Stream<Net, T, Backend>;

}  // namespace canary

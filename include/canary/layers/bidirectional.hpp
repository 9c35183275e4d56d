#pragma once
// Bidirectional<RNN>: torch's bidirectional=True for LSTM<In, H, Layers> or GRU<In, H, Layers>.
//
//   output[t] = concat(forward_t, backward_t)        (batch, time, 2H), forward direction first
//
// The backward direction reads x_{T-1}, ..., x_0; its output for input t is stored at position t
// (re-reversed), so output[t] aligns with x_t. It runs in the same whole-sequence kernel as the
// forward direction with the time loop reversed (no copy of the input) and writes its half of
// each output row in place (no concatenation node). With Layers > 1, layer k reads the 2H-wide
// output of layer k-1, as in torch. Final states (torch's h_n) are (2 * Layers, batch, H): slot
// 2k is layer k's forward direction after x_{T-1}, slot 2k + 1 its backward direction after x_0.
// Parameter names: torch's, with "_reverse" for the backward direction (weight_ih_l0_reverse...).
// Details: docs/layers/bidirectional.md.
#include <type_traits>

#include "canary/layers/gru.hpp"
#include "canary/layers/lstm.hpp"

namespace canary {

namespace detail {
template <class RNN>
concept UnidirectionalRecurrent = requires {
    typename RNN::cell;
    RNN::input_size;
    RNN::hidden_size;
    RNN::num_layers;
    requires RNN::num_directions == 1;
};
}  // namespace detail

/// requires: RNN is a unidirectional LSTM<In, H, L> or GRU<In, H, L>; input (batch, time >= 1, In).
/// ensures:  output (batch, time, 2H); forward(with_state(x, s0)) also returns the final states.
///           Reads the whole sequence before producing output[0]: it cannot stream.
template <class RNN>
struct Bidirectional
    : RecurrentStack<typename RNN::cell, RNN::input_size, RNN::hidden_size, RNN::num_layers, 2> {
    static_assert(detail::UnidirectionalRecurrent<RNN>,
                  "canary::Bidirectional<RNN>: RNN must be a unidirectional LSTM<In, H> or GRU<In, H>");
    using wrapped = RNN;
    static constexpr bool reads_future = true;
};

}  // namespace canary

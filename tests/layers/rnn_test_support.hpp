#pragma once
// Helpers shared by the recurrent layer tests: gradient checks through initial and final states,
// and random sequences.
#include <vector>

#include "canary/canary.hpp"

namespace rnn_test {

using canary::index;

inline std::vector<double> random_values(index n, std::uint64_t seed, double scale = 1.0) {
    canary::Rng rng(seed);
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = rng.uniform(-scale, scale);
    return v;
}

enum class Output { sequence, final_h, final_c };

/// Gradient check of a recurrent network started from a random initial state: the gradients of
/// the chosen output with respect to x, h0, c0 (LSTM) and every parameter.
template <class Net>
canary::testing::GradCheckReport check_with_state(Output which, index batch, index steps) {
    constexpr bool has_c = Net::cell::has_cell_state;
    constexpr index slots = Net::num_layers * Net::num_directions, H = Net::hidden_size, In = Net::input_size;
    canary::Model<Net, double> model(5);
    auto x = random_values(batch * steps * In, 11), h0 = random_values(slots * batch * H, 12),
         c0 = random_values(slots * batch * H, 13);
    std::vector<double> gx(x.size()), gh0(h0.size()), gc0(c0.size());
    std::vector<canary::testing::Probe> probes{{"x", x.data(), gx.data(), index(x.size())},
                                               {"h0", h0.data(), gh0.data(), index(h0.size())},
                                               {"parameters", model.parameters(), model.gradients(), Net::param_count}};
    if (has_c) probes.push_back({"c0", c0.data(), gc0.data(), index(c0.size())});
    auto forward = [&](canary::Tape<double>& tape) {
        const canary::Shape state_shape{slots, batch, H};
        canary::RecurrentState<double> initial{{h0.data(), gh0.data(), state_shape, H}, {}};
        if (has_c) initial.c = {c0.data(), gc0.data(), state_shape, H};
        const canary::Var<double> xv{x.data(), gx.data(), canary::Shape{batch, steps, In}, In};
        const auto out = model.forward(tape, canary::with_state(xv, initial));
        return which == Output::sequence ? out.sequence : which == Output::final_h ? out.state.h : out.state.c;
    };
    canary::testing::GradCheckOptions options;
    options.max_elements_per_tensor = 64;
    return canary::testing::check_gradients(forward, std::span<canary::testing::Probe>(probes), options);
}

/// Full gradient check of a layer on a random input, with more sampled parameters than default.
template <class L>
canary::testing::GradCheckReport check(const L& layer, canary::Shape input) {
    canary::testing::GradCheckOptions options;
    options.max_elements_per_tensor = 96;
    return canary::testing::check_layer(layer, input, options);
}

}  // namespace rnn_test

#pragma once
// canary_parity cases of the recurrent layers (torch references in tools/parity/cases_recurrent.py).
#include "canary/canary.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

namespace detail {

/// A recurrent network run from an initial state (inputs h0[, c0]) with upstream gradients on the
/// output sequence and on the final states (grad_y, grad_hn[, grad_cn]). Besides y and the
/// gradients it writes aux.h_n, aux.c_n (final states) and aux.grad_h0, aux.grad_c0.
template <class Net, class T>
testing::ParityOutputs run_with_state(const testing::ParityArgs& args) {
    constexpr bool lstm = std::is_same_v<typename Net::cell, canary::detail::LstmCell>;
    Model<Net, T> model(0);
    io::load_parameters(model, args.weights, args.weights_prefix);
    auto tensor = [&](const std::string& name, std::vector<T>& values, std::vector<T>& grads) {
        values = args.template read<T>(name);
        grads.assign(values.size(), T(0));
        const Shape s = args.shape_of(name);
        return Var<T>{values.data(), grads.data(), s, s.cols()};
    };
    std::vector<T> x, gx, h0, gh0, c0, gc0;
    const Var<T> xv = tensor("x", x, gx);
    RecurrentState<T> initial{tensor("h0", h0, gh0), {}};
    if constexpr (lstm) initial.c = tensor("c0", c0, gc0);

    Tape<T> tape(true);
    const RecurrentOutput<T> out = model.forward(tape, with_state(xv, initial));
    const std::vector<T> y(out.sequence.val, out.sequence.val + out.sequence.numel());
    const std::vector<T> hn(out.state.h.val, out.state.h.val + out.state.h.numel());
    std::vector<T> cn;
    if constexpr (lstm) cn.assign(out.state.c.val, out.state.c.val + out.state.c.numel());

    // The final states are separate outputs: seed their adjoints, then run backward from y.
    const std::vector<T> g_hn = args.template read<T>("grad_hn");
    std::copy(g_hn.begin(), g_hn.end(), out.state.h.adj);
    if constexpr (lstm) {
        const std::vector<T> g_cn = args.template read<T>("grad_cn");
        std::copy(g_cn.begin(), g_cn.end(), out.state.c.adj);
    }
    const std::vector<T> gy = args.template read<T>("grad_y");
    tape.backward(out.sequence, gy.data());

    testing::ParityOutputs result;
    testing::put_var(result, "y", out.sequence.shape, y.data());
    testing::put_var(result, "grad.x", xv.shape, gx.data());
    testing::put_var(result, "aux.h_n", out.state.h.shape, hn.data());
    testing::put_var(result, "aux.grad_h0", initial.h.shape, gh0.data());
    if constexpr (lstm) {
        testing::put_var(result, "aux.c_n", out.state.c.shape, cn.data());
        testing::put_var(result, "aux.grad_c0", initial.c.shape, gc0.data());
    }
    for (const auto& p : model.named_parameters())
        testing::put_var(result, "grad." + p.name, p.shape, model.gradients() + p.offset);
    return result;
}

template <class Net>
void add_with_state(testing::ParityRegistry& r, std::string name) {
    r.add(std::move(name), [](const testing::ParityArgs& a) {
        return a.double_precision() ? run_with_state<Net, double>(a) : run_with_state<Net, float>(a);
    });
}

}  // namespace detail

/// lstm: nn.LSTM(32, 64); gru: nn.GRU(32, 32); bilstm: nn.LSTM(32, 64, bidirectional=True);
/// *_small / lstm_stacked: the same families at 8 -> 16 (bidirectional, num_layers=2);
/// *_state: initial states in, final states (aux.h_n, aux.c_n) and their gradients out.
inline void register_recurrent_cases(testing::ParityRegistry& r) {
    r.add_network<LSTM<32, 64>>("lstm");
    r.add_network<GRU<32, 32>>("gru");
    r.add_network<Bidirectional<LSTM<32, 64>>>("bilstm");
    r.add_network<Bidirectional<LSTM<8, 16>>>("bilstm_small");
    r.add_network<Bidirectional<GRU<8, 16>>>("bigru_small");
    r.add_network<LSTM<8, 16, 2>>("lstm_stacked");
    detail::add_with_state<LSTM<8, 16>>(r, "lstm_state");
    detail::add_with_state<Bidirectional<LSTM<8, 16, 2>>>(r, "bilstm_stacked_state");
    detail::add_with_state<Bidirectional<GRU<8, 16, 2>>>(r, "bigru_stacked_state");
}

}  // namespace canary::parity

#pragma once
// canary_parity cases of the core layers and the losses (torch references in tools/parity/cases_core.py).
#include "canary/canary.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

namespace detail {
/// A loss case: inputs x (logits or predictions), target, grad_y (0-d) and the loss's scalar
/// options; outputs y (0-d) and grad.x.
template <class T, class Loss>
testing::ParityOutputs run_loss(const testing::ParityArgs& a, Loss loss) {
    const Shape xs = a.shape_of("x");
    std::vector<T> x = a.read<T>("x"), gx(x.size(), T(0)), target = a.read<T>("target");
    if (a.shape_of("target") != xs) throw tensor_error("target", "must have the shape of x " + xs.str());
    Tape<T> tape(true);
    Var<T> xv{x.data(), gx.data(), xs, xs.cols()};
    Var<T> tv{target.data(), nullptr, xs, xs.cols()};
    Var<T> y = loss(tape, xv, tv);
    const T value = y.val[0];
    tape.backward(y, a.read<T>("grad_y").data());
    testing::ParityOutputs out;
    testing::put_var(out, "y", Shape{}, &value);
    testing::put_var(out, "grad.x", xs, gx.data());
    return out;
}

template <class T>
T scalar_input(const testing::ParityArgs& a, const char* name) {
    const auto v = a.read<T>(name);
    if (v.size() != 1) throw tensor_error(name, "must hold one value");
    return v[0];
}

template <class Fn>
void add_loss(testing::ParityRegistry& r, const char* name, Fn fn) {
    r.add(name, [fn](const testing::ParityArgs& a) {
        if (a.double_precision()) return run_loss<double>(a, [&](auto& t, auto x, auto y) { return fn(t, x, y, a); });
        return run_loss<float>(a, [&](auto& t, auto x, auto y) { return fn(t, x, y, a); });
    });
}
}  // namespace detail

/// dense: torch nn.Linear(32, 16) (weight, bias); x (B, 32).
/// loss_bce_with_logits: BCEWithLogitsLoss(pos_weight) (input pos_weight); loss_focal: sigmoid focal
/// loss (inputs alpha, gamma); loss_mse: MSELoss. Losses take x and target (B, 1), mean reduction.
inline void register_core_cases(testing::ParityRegistry& r) {
    r.add_network<Dense<32, 16>>("dense");
    detail::add_loss(r, "loss_bce_with_logits", [](auto& t, auto x, auto y, const testing::ParityArgs& a) {
        using T = typename std::remove_cvref_t<decltype(t)>::scalar;
        return bce_with_logits(t, x, y, detail::scalar_input<T>(a, "pos_weight"));
    });
    detail::add_loss(r, "loss_focal", [](auto& t, auto x, auto y, const testing::ParityArgs& a) {
        using T = typename std::remove_cvref_t<decltype(t)>::scalar;
        return focal_loss(t, x, y, detail::scalar_input<T>(a, "alpha"), detail::scalar_input<T>(a, "gamma"));
    });
    detail::add_loss(r, "loss_mse", [](auto& t, auto x, auto y, const testing::ParityArgs&) { return mse_loss(t, x, y); });
}

}  // namespace canary::parity

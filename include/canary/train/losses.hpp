#pragma once
// Losses as tape operations with hand-written adjoints. Each returns a (1) variable holding the
// mean over all elements (torch's reduction='mean'). Formulas and derivatives: docs/autodiff.md.
#include <cmath>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/backend/kernels.hpp"

namespace canary {

namespace detail {
inline void same_extent(const char* loss, index a_rows, index a_cols, index b_rows, index b_cols) {
    if (a_rows != b_rows || a_cols != b_cols)
        throw shape_error(std::string(loss) + ": prediction (" + std::to_string(a_rows) + ", " + std::to_string(a_cols) +
                          ") and target (" + std::to_string(b_rows) + ", " + std::to_string(b_cols) + ") differ");
}
/// Shared driver: loss = mean_i f.value(x_i, y_i); dx_i += dL * f.derivative(x_i, y_i) / n. The
/// per-element formulas are written once, as the CANARY_HD functors of canary/backend/kernels.hpp
/// (BceWithLogits, FocalLoss, SquaredError): the CPU loop below calls them, a device policy runs
/// them in device_ops::mean_elementwise_loss.
template <class T, class B, class F>
Var<T> mean_elementwise_loss(Tape<T, B>& tape, const Var<T>& pred, const Var<T>& target, const char* name, F f) {
    same_extent(name, pred.rows(), pred.cols(), target.rows(), target.cols());
    const index n = pred.numel();
    if (n == 0) throw shape_error(std::string(name) + ": empty batch");
    if constexpr (is_device_backend_v<B>) {
        return device_ops::mean_elementwise_loss(tape, pred, target, f);
    } else {
        const bool grad = tape.recording() && pred.requires_grad();
        Var<T> loss = tape.make(Shape{1}, grad);
        T acc = T(0);
        for (index r = 0; r < pred.rows(); ++r)
            for (index c = 0; c < pred.cols(); ++c) acc += f.value(pred(r, c), target(r, c));
        loss.val[0] = acc / static_cast<T>(n);
        if (grad) {
            tape.record([pred, target, loss, n, f] {
                const T scale = loss.adj[0] / static_cast<T>(n);
                for (index r = 0; r < pred.rows(); ++r)
                    for (index c = 0; c < pred.cols(); ++c) pred.grad(r, c) += scale * f.derivative(pred(r, c), target(r, c));
            });
        }
        return loss;
    }
}
}  // namespace detail

/// torch.nn.BCEWithLogitsLoss(pos_weight=w), mean reduction:
///   l = -[w y log s(x) + (1 - y) log(1 - s(x))] = (1 - y) x + (1 + (w - 1) y) softplus(-x)
///   dl/dx = (1 + (w - 1) y) (s(x) - 1) + (1 - y)
template <class T, class B>
Var<T> bce_with_logits(Tape<T, B>& tape, const Var<T>& logits, const Var<T>& targets, T pos_weight = T(1)) {
    return detail::mean_elementwise_loss(tape, logits, targets, "bce_with_logits", kernels::BceWithLogits<T>{pos_weight});
}

/// Sigmoid focal loss (Lin et al. 2017; torchvision.ops.sigmoid_focal_loss), mean reduction:
///   p = s(x), ce = BCE(x, y), p_t = p y + (1 - p)(1 - y), a_t = a y + (1 - a)(1 - y)
///   l = a_t ce (1 - p_t)^gamma      (alpha < 0 disables the a_t factor, as in torchvision)
/// Derivative: dl/dx = a_t [ce' m + ce gamma (1 - p_t)^(gamma-1) (-dp_t/dx)] with
///   ce' = p - y, dp_t/dx = p (1 - p)(2y - 1), m = (1 - p_t)^gamma.
template <class T, class B>
Var<T> focal_loss(Tape<T, B>& tape, const Var<T>& logits, const Var<T>& targets, T alpha = T(0.25), T gamma = T(2)) {
    return detail::mean_elementwise_loss(tape, logits, targets, "focal_loss", kernels::FocalLoss<T>{alpha, gamma});
}

/// torch.nn.MSELoss, mean reduction: l = (x - y)^2, dl/dx = 2 (x - y).
template <class T, class B>
Var<T> mse_loss(Tape<T, B>& tape, const Var<T>& pred, const Var<T>& target) {
    return detail::mean_elementwise_loss(tape, pred, target, "mse_loss", kernels::SquaredError<T>{});
}

}  // namespace canary

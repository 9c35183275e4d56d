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
/// log(1 + e^x) without overflow.
template <class T>
T softplus_stable(T x) {
    return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
template <class T>
T sigmoid_exact(T x) {
    return x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
}

/// Shared driver: loss = mean_i f(x_i, y_i); dx_i = dL * f'(x_i, y_i) / n.
template <class T, class B, class Value, class Derivative>
Var<T> mean_elementwise_loss(Tape<T, B>& tape, const Var<T>& pred, const Var<T>& target, const char* name, Value value,
                             Derivative derivative) {
    same_extent(name, pred.rows(), pred.cols(), target.rows(), target.cols());
    const index n = pred.numel();
    if (n == 0) throw shape_error(std::string(name) + ": empty batch");
    const bool grad = tape.recording() && pred.requires_grad();
    Var<T> loss = tape.make(Shape{1}, grad);
    T acc = T(0);
    for (index r = 0; r < pred.rows(); ++r)
        for (index c = 0; c < pred.cols(); ++c) acc += value(pred(r, c), target(r, c));
    loss.val[0] = acc / static_cast<T>(n);
    if (grad) {
        tape.record([pred, target, loss, n, derivative] {
            const T scale = loss.adj[0] / static_cast<T>(n);
            for (index r = 0; r < pred.rows(); ++r)
                for (index c = 0; c < pred.cols(); ++c) pred.grad(r, c) += scale * derivative(pred(r, c), target(r, c));
        });
    }
    return loss;
}
}  // namespace detail

/// torch.nn.BCEWithLogitsLoss(pos_weight=w), mean reduction:
///   l = -[w y log s(x) + (1 - y) log(1 - s(x))] = (1 - y) x + (1 + (w - 1) y) softplus(-x)
///   dl/dx = (1 + (w - 1) y) (s(x) - 1) + (1 - y)
template <class T, class B>
Var<T> bce_with_logits(Tape<T, B>& tape, const Var<T>& logits, const Var<T>& targets, T pos_weight = T(1)) {
    if constexpr (is_device_backend_v<B>) {
        detail::same_extent("bce_with_logits", logits.rows(), logits.cols(), targets.rows(), targets.cols());
        if (logits.numel() == 0) throw shape_error("bce_with_logits: empty batch");
        return B::device::mean_elementwise_loss(tape, logits, targets, kernels::BceWithLogits<T>{pos_weight});
    } else {
        return detail::mean_elementwise_loss(
            tape, logits, targets, "bce_with_logits",
            [pos_weight](T x, T y) {
                return (T(1) - y) * x + (T(1) + (pos_weight - T(1)) * y) * detail::softplus_stable(-x);
            },
            [pos_weight](T x, T y) {
                return (T(1) + (pos_weight - T(1)) * y) * (detail::sigmoid_exact(x) - T(1)) + (T(1) - y);
            });
    }
}

/// Sigmoid focal loss (Lin et al. 2017; torchvision.ops.sigmoid_focal_loss), mean reduction:
///   p = s(x), ce = BCE(x, y), p_t = p y + (1 - p)(1 - y), a_t = a y + (1 - a)(1 - y)
///   l = a_t ce (1 - p_t)^gamma      (alpha < 0 disables the a_t factor, as in torchvision)
/// Derivative: dl/dx = a_t [ce' m + ce gamma (1 - p_t)^(gamma-1) (-dp_t/dx)] with
///   ce' = p - y, dp_t/dx = p (1 - p)(2y - 1), m = (1 - p_t)^gamma.
template <class T, class B>
Var<T> focal_loss(Tape<T, B>& tape, const Var<T>& logits, const Var<T>& targets, T alpha = T(0.25), T gamma = T(2)) {
    if constexpr (is_device_backend_v<B>) {
        detail::same_extent("focal_loss", logits.rows(), logits.cols(), targets.rows(), targets.cols());
        if (logits.numel() == 0) throw shape_error("focal_loss: empty batch");
        return B::device::mean_elementwise_loss(tape, logits, targets, kernels::FocalLoss<T>{alpha, gamma});
    } else {
        auto parts = [alpha, gamma](T x, T y, T& a_t, T& p, T& pt, T& ce) {
            p = detail::sigmoid_exact(x);
            ce = (T(1) - y) * x + detail::softplus_stable(-x);
            pt = p * y + (T(1) - p) * (T(1) - y);
            a_t = alpha >= T(0) ? alpha * y + (T(1) - alpha) * (T(1) - y) : T(1);
            (void)gamma;
        };
        return detail::mean_elementwise_loss(
            tape, logits, targets, "focal_loss",
            [=](T x, T y) {
                T a_t, p, pt, ce;
                parts(x, y, a_t, p, pt, ce);
                return a_t * ce * std::pow(T(1) - pt, gamma);
            },
            [=](T x, T y) {
                T a_t, p, pt, ce;
                parts(x, y, a_t, p, pt, ce);
                const T one_minus_pt = T(1) - pt;
                const T m = std::pow(one_minus_pt, gamma);
                const T dm = gamma == T(0) ? T(0) : gamma * std::pow(one_minus_pt, gamma - T(1)) * -(p * (T(1) - p) * (T(2) * y - T(1)));
                return a_t * ((p - y) * m + ce * dm);
            });
    }
}

/// torch.nn.MSELoss, mean reduction: l = (x - y)^2, dl/dx = 2 (x - y).
template <class T, class B>
Var<T> mse_loss(Tape<T, B>& tape, const Var<T>& pred, const Var<T>& target) {
    if constexpr (is_device_backend_v<B>) {
        detail::same_extent("mse_loss", pred.rows(), pred.cols(), target.rows(), target.cols());
        if (pred.numel() == 0) throw shape_error("mse_loss: empty batch");
        return B::device::mean_elementwise_loss(tape, pred, target, kernels::SquaredError<T>{});
    } else {
        return detail::mean_elementwise_loss(
            tape, pred, target, "mse_loss", [](T x, T y) { return (x - y) * (x - y); },
            [](T x, T y) { return T(2) * (x - y); });
    }
}

}  // namespace canary

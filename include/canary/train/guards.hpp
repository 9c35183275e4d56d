#pragma once
// Training stops loudly on non-finite numbers: a NaN loss or gradient is reported with the step
// and the parameter (hence the layer) where it first appears, instead of silently poisoning the
// weights.
#include <cmath>
#include <string>

#include "canary/core/error.hpp"
#include "canary/model/model.hpp"

namespace canary {

/// throws numeric_error when `loss` is NaN or infinite.
template <class T>
void check_finite_loss(T loss, long step) {
    if (!std::isfinite(loss))
        throw numeric_error("loss is " + std::string(std::isnan(loss) ? "NaN" : "infinite") + " at step " +
                            std::to_string(step));
}

/// throws numeric_error naming the first parameter (torch name, e.g. "lstm.weight_hh_l0") whose
/// gradient holds a NaN or an infinity, with the element's position.
template <class M>
void check_finite_gradients(const M& model, long step) {
    const auto* g = model.gradients();
    for (const auto& p : model.named_parameters()) {
        for (index i = 0; i < p.shape.numel(); ++i) {
            const auto v = g[p.offset + i];
            if (!std::isfinite(v))
                throw numeric_error("gradient of '" + p.name + "' " + p.shape.str() + " is " +
                                    (std::isnan(v) ? "NaN" : "infinite") + " at element " + std::to_string(i) +
                                    " (step " + std::to_string(step) + ")");
        }
    }
}

}  // namespace canary

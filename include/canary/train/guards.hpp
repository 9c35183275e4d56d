#pragma once
// Training stops loudly on non-finite numbers: a NaN loss or gradient is reported with the step
// and the parameter (hence the layer) where it first appears, instead of silently poisoning the
// weights.
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

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
    using T = std::remove_cvref_t<decltype(*model.gradients())>;
    std::vector<T> host;  // a device model's gradients are read from a host copy
    const T* g = model.gradients();
    if constexpr (requires { typename M::backend; }) {
        if constexpr (is_device_backend_v<typename M::backend>) {
            host.resize(static_cast<std::size_t>(M::param_count));
            M::backend::to_host(g, host.data(), M::param_count);
            g = host.data();
        }
    }
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

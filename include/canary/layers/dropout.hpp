#pragma once
// Dropout(p), torch.nn.Dropout semantics: in training each element is zeroed with probability p
// and the survivors are scaled by 1/(1-p) (inverted dropout), so inference is the identity. The
// mask comes from the tape's generator: the same seed gives the same masks.
#include <string>

#include "canary/autodiff/expr.hpp"
#include "canary/backend/traits.hpp"  // fill_from_host
#include "canary/layers/layer.hpp"

namespace canary {

/// torch.nn.Dropout(p): in training each element is zeroed with probability p and the survivors
/// scaled by 1/(1-p); the identity at inference. Masks come from the tape's generator.
struct Dropout {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = any_width;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = any_width;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;
    double p = 0.5;

    Dropout() = default;
    /// Dropout with probability p; throws canary::config_error unless 0 <= p < 1.
    explicit Dropout(double probability) : p(probability) {
        if (!(p >= 0.0 && p < 1.0)) throw config_error("Dropout: p must be in [0, 1), got " + std::to_string(p));
    }
    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "Dropout(p=" + std::to_string(p).substr(0, 4) + ")"; }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        if (!tape.training() || p == 0.0) return x;
        Var<T> mask = tape.make(Shape{x.rows(), x.cols()}, false);
        const T keep_scale = T(1) / static_cast<T>(1.0 - p);
        // Drawn on the host in index order (a device model drops exactly the units the CPU model drops).
        fill_from_host<B>(mask.val, mask.numel(), [&](index) { return tape.rng().uniform() < p ? T(0) : keep_scale; });
        return eval(tape, x * mask);
    }
};

}  // namespace canary

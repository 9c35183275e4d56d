#pragma once
// Positional encodings added to a (batch, time, Dim) sequence.
//   SinusoidalPositionalEncoding<Dim>: pe[t, 2i] = sin(t / 10000^(2i/Dim)), pe[t, 2i+1] = cos(same)
//     (Vaswani et al.; no parameters; the adjoint is the identity).
//   LearnedPositionalEncoding<Dim, MaxLen>: y[b, t] = x[b, t] + weight[t]; weight (MaxLen, Dim),
//     initialised N(0, 1) like torch.nn.Embedding; adjoint: weight-bar[t] += sum_b y-bar[b, t].
#include <cmath>
#include <string>
#include <vector>

#include "canary/autodiff/ops.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// Adds the fixed sinusoidal table of Vaswani et al. to a (batch, time, Dim) sequence; no parameters.
template <index Dim>
struct SinusoidalPositionalEncoding {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = Dim;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Dim;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = 0;
    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const { return "SinusoidalPositionalEncoding<" + std::to_string(Dim) + ">"; }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T>, const Var<T>& x) const {
        if (x.shape.rank() != 3 || x.cols() != Dim) throw shape_error(name() + ": input " + x.shape.str());
        const index time = x.shape[1];
        T* table = tape.scratch(time * Dim);
        // Computed on the host in double (a device model gets the CPU model's table).
        fill_from_host<B>(table, time * Dim, [](index k) {
            const index t = k / Dim, i = k % Dim;
            const double angle = static_cast<double>(t) / std::pow(10000.0, static_cast<double>(i - i % 2) / Dim);
            return static_cast<T>(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
        });
        return detail::add_time_table(tape, x, table, static_cast<T*>(nullptr), name());
    }
};

/// Adds a learned table weight (MaxLen, Dim), initialised N(0, 1) as torch.nn.Embedding, to a
/// (batch, time, Dim) sequence with time <= MaxLen.
template <index Dim, index MaxLen>
struct LearnedPositionalEncoding {
    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = Dim;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Dim;
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = MaxLen * Dim;
    static constexpr std::array<ParamSpec, 1> param_specs{{{"weight", Shape{MaxLen, Dim}, 0}}};
    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        return "LearnedPositionalEncoding<" + std::to_string(Dim) + ", " + std::to_string(MaxLen) + ">";
    }
    /// Fills the layer's parameters with torch's default initialisation.
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        for (index i = 0; i < param_count; ++i) p.val[i] = static_cast<T>(rng.normal());
    }
    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        if (x.shape.rank() != 3 || x.cols() != Dim || x.shape[1] > MaxLen)
            throw shape_error(name() + ": input " + x.shape.str() + " (time must be <= " + std::to_string(MaxLen) + ")");
        return detail::add_time_table(tape, x, p.val, tape.recording() ? p.grad : static_cast<T*>(nullptr), name());
    }
};

}  // namespace canary

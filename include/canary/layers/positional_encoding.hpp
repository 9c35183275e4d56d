#pragma once
// Positional encodings added to a (batch, time, Dim) sequence.
//   SinusoidalPositionalEncoding<Dim>: pe[t, 2i] = sin(t / 10000^(2i/Dim)), pe[t, 2i+1] = cos(same)
//     (Vaswani et al.; no parameters; the adjoint is the identity).
//   LearnedPositionalEncoding<Dim, MaxLen>: y[b, t] = x[b, t] + weight[t]; weight (MaxLen, Dim),
//     initialised N(0, 1) like torch.nn.Embedding; adjoint: weight-bar[t] += sum_b y-bar[b, t].
#include <cmath>
#include <string>
#include <vector>

#include "canary/autodiff/tape.hpp"
#include "canary/backend/kernels.hpp"
#include "canary/model/layer.hpp"

namespace canary {

namespace kernels {
/// y(b, i) = x(b, i) + table(i) over a contiguous (batch, time * dim) view.
template <class T>
struct AddTable {
    const T* x;
    const T* table;
    T* y;
    index n;  // time * dim
    CANARY_HD void operator()(index k) const { y[k] = x[k] + table[k - (k / n) * n]; }
};
}  // namespace kernels

namespace detail {
/// The device path of add_time_table: one kernel forward; backward one element-wise kernel for x
/// and one column-sum kernel (batches in order) for the table.
template <class T, class B>
Var<T> add_time_table_device(Tape<T, B>& tape, const Var<T>& x, const T* table, T* table_adj) {
    const index batch = x.shape[0], n = x.shape[1] * x.shape[2];
    const bool grad = tape.recording() && (x.requires_grad() || table_adj);
    Var<T> y = tape.make(x.shape, grad);
    B::for_each_index(batch * n, kernels::AddTable<T>{x.val, table, y.val, n});
    if (grad) {
        tape.record([x, y, table_adj, batch, n] {
            if (x.adj) B::for_each_index(batch * n, kernels::CopyMatrix<T>{y.adj, n, x.adj, n, n, true});
            if (table_adj) B::for_each_index(n, kernels::ColumnSums<T>{y.adj, n, batch, table_adj});
        });
    }
    return y;
}

template <class T, class B>
Var<T> add_time_table(Tape<T, B>& tape, const Var<T>& x, const T* table, T* table_adj, const std::string& who) {
    if (x.shape.rank() != 3 || !x.contiguous()) throw shape_error(who + ": input must be a (batch, time, features) tensor");
    if constexpr (is_device_backend_v<B>) {
        return add_time_table_device(tape, x, table, table_adj);
    } else {
        const index batch = x.shape[0], time = x.shape[1], dim = x.shape[2];
        const bool grad = tape.recording() && (x.requires_grad() || table_adj);
        Var<T> y = tape.make(x.shape, grad);
        for (index b = 0; b < batch; ++b)
            for (index i = 0; i < time * dim; ++i) y.val[b * time * dim + i] = x.val[b * time * dim + i] + table[i];
        if (grad) {
            tape.record([x, y, table_adj, batch, time, dim] {
                for (index b = 0; b < batch; ++b)
                    for (index i = 0; i < time * dim; ++i) {
                        const T g = y.adj[b * time * dim + i];
                        if (x.adj) x.adj[b * time * dim + i] += g;
                        if (table_adj) table_adj[i] += g;
                    }
            });
        }
        return y;
    }
}
}  // namespace detail

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
        std::vector<T> host;  // a device policy: the table is computed on the host, then transferred
        if constexpr (is_device_backend_v<B>) host.resize(static_cast<std::size_t>(time * Dim));
        T* fill = is_device_backend_v<B> ? host.data() : table;
        for (index t = 0; t < time; ++t)
            for (index i = 0; i < Dim; ++i) {
                const double angle = static_cast<double>(t) / std::pow(10000.0, static_cast<double>(i - i % 2) / Dim);
                fill[t * Dim + i] = static_cast<T>(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
            }
        if constexpr (is_device_backend_v<B>) B::to_device(host.data(), table, time * Dim);
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

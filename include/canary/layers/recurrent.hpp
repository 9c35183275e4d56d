#pragma once
// The machinery shared by the recurrent layers (LSTM, GRU, Bidirectional): states, the
// "sequence with initial state" input, torch's parameter naming for stacked and bidirectional
// networks, and the driver that runs one whole-sequence kernel ("cell") per layer and direction.
//
// A cell (LstmCell in lstm.hpp, GruCell in gru.hpp) computes a whole sequence for one layer and
// one direction as ONE tape node: the input projection of all steps is one GEMM, each step is one
// recurrent GEMM plus one fused element-wise pass, and the backward pass (BPTT) is hand-written.
// The cells are written once for every backend policy: B::gemm for the products and a CANARY_HD
// step body per (batch row, hidden unit) run by B::for_each_row (the CPU: a vectorised loop per
// row; a device policy: one kernel per step).
// Equations and derivations: docs/layers/lstm.md, gru.md, bidirectional.md.
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "canary/autodiff/tape.hpp"
#include "canary/backend/loops.hpp"
#include "canary/backend/parallel.hpp"
#include "canary/core/math.hpp"
#include "canary/layers/layer.hpp"

namespace canary {

/// Hidden (and, for an LSTM, cell) states in torch's layout: (layers * directions, batch, hidden),
/// slot k = layer * directions + direction (direction 1 reads the sequence backwards). A GRU leaves
/// `c` empty. An empty Var (val == nullptr) as an initial state means zeros, as in torch.
template <class T>
struct RecurrentState {
    Var<T> h;
    Var<T> c;
};

/// What a recurrent layer returns when asked for its states: the output sequence
/// (batch, time, directions * hidden) and the final states (torch's h_n, c_n).
template <class T>
struct RecurrentOutput {
    Var<T> sequence;
    RecurrentState<T> state;
};

/// A (batch, time, features) sequence together with an optional initial state. Passing it to a
/// recurrent layer's forward (or Model::forward) returns a RecurrentOutput instead of a Var.
template <class T>
struct SequenceWithState {
    Var<T> x;
    RecurrentState<T> initial;  ///< empty members: zero initial state
};

/// `model.forward(tape, with_state(x))` -> {sequence, final states} starting from zeros.
template <class T>
SequenceWithState<T> with_state(const Var<T>& x) {
    return SequenceWithState<T>{x, {}};
}
/// `model.forward(tape, with_state(x, {h0, c0}))`; gradients reach h0 and c0 if they have adjoints.
template <class T>
SequenceWithState<T> with_state(const Var<T>& x, const RecurrentState<T>& initial) {
    return SequenceWithState<T>{x, initial};
}

namespace detail {

/// The parameters of one layer and direction, as tape leaves over the model's flat buffer.
template <class T>
struct CellWeights {
    Var<T> w_ih;  ///< (gates * hidden, in)
    Var<T> w_hh;  ///< (gates * hidden, hidden)
    Var<T> b_ih;  ///< (gates * hidden)
    Var<T> b_hh;  ///< (gates * hidden)
};

/// The buffers one whole-sequence cell reads and writes. Sequence rows are (b * steps + t), with
/// a row stride: the output of one direction of a bidirectional layer is a column block of the
/// (batch, time, 2 * hidden) result, so the two directions never need a concatenation node.
/// States are contiguous (batch, hidden) blocks; a null pointer means "zeros" (inputs) or
/// "not wanted" (gradients).
template <class T>
struct CellIO {
    index batch = 0, steps = 0, in_width = 0, hidden = 0;
    const T* x = nullptr;
    T* dx = nullptr;
    index ldx = 0;   ///< row stride of x
    index lddx = 0;  ///< row stride of dx (the backward direction of a bidirectional layer has its own)
    T* y = nullptr;
    const T* dy = nullptr;
    index ldy = 0;
    const T* h0 = nullptr;
    T* dh0 = nullptr;
    const T* c0 = nullptr;
    T* dc0 = nullptr;
    T* hn = nullptr;
    const T* dhn = nullptr;
    T* cn = nullptr;
    const T* dcn = nullptr;
};

/// Torch's state_dict names of a stacked (bi)directional RNN, stored once per instantiation:
/// weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, each with "_reverse" for the
/// backward direction, ordered layer by layer, forward direction first.
template <index Layers, index Directions>
struct RecurrentNames {
    static constexpr std::size_t slot = 32;
    static constexpr std::size_t count = static_cast<std::size_t>(4 * Layers * Directions);
    struct Table {
        std::array<char, count * slot> chars{};
        std::array<std::size_t, count> length{};
    };
    static constexpr Table table = [] {
        Table t{};
        constexpr const char* stems[4] = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"};
        std::size_t k = 0;
        for (index l = 0; l < Layers; ++l)
            for (index d = 0; d < Directions; ++d)
                for (const char* stem : stems) {
                    char* out = t.chars.data() + k * slot;
                    std::size_t n = 0;
                    for (const char* s = stem; *s; ++s) out[n++] = *s;
                    if (l >= 10) out[n++] = static_cast<char>('0' + l / 10);
                    out[n++] = static_cast<char>('0' + l % 10);
                    if (d == 1)
                        for (const char* s = "_reverse"; *s; ++s) out[n++] = *s;
                    t.length[k++] = n;
                }
        return t;
    }();
    static constexpr std::string_view name(std::size_t k) { return {table.chars.data() + k * slot, table.length[k]}; }
};

}  // namespace detail

/// A stack of `Layers` recurrent layers with `Directions` (1 or 2) directions each, computed by
/// `Cell`, laid out and named exactly as torch's nn.LSTM / nn.GRU(In, Hidden, num_layers=Layers,
/// bidirectional=Directions == 2, batch_first=True). LSTM, GRU and Bidirectional derive from it.
///
/// requires: input (batch, time, In) with time >= 1; states (Layers * Directions, batch, Hidden).
/// ensures:  forward(x) returns (batch, time, Directions * Hidden); forward(with_state(x, s0))
///           also returns the final states in torch's layout. Gradients reach x, the parameters
///           and the initial states.
template <class Cell, index In, index Hidden, index Layers, index Directions>
struct RecurrentStack {
    static_assert(In > 0 && Hidden > 0, "canary: recurrent layer widths must be positive");
    static_assert(Layers >= 1 && Layers <= 99, "canary: a recurrent stack has 1 to 99 layers");
    static_assert(Directions == 1 || Directions == 2, "canary: a recurrent layer has 1 or 2 directions");

    using cell = Cell;
    static constexpr index input_size = In;
    static constexpr index hidden_size = Hidden;
    static constexpr index num_layers = Layers;
    static constexpr index num_directions = Directions;
    static constexpr index gate_rows = Cell::gates * Hidden;  ///< rows of each weight matrix

    /// Input feature width (canary::Layer; any_width: any width).
    static constexpr index in_width = In;
    /// Output feature width (canary::Layer; any_width: the input's).
    static constexpr index out_width = Directions * Hidden;

    /// Input width of layer l: the data for layer 0, the previous layer's directions otherwise.
    static constexpr index layer_input(index l) { return l == 0 ? In : Directions * Hidden; }
    /// Values of one (layer, direction) parameter group: w_ih, w_hh, b_ih, b_hh.
    static constexpr index group_size(index l) { return gate_rows * (layer_input(l) + Hidden + 2); }
    /// Offset of the (layer l, direction d) parameter group in the layer's span.
    static constexpr index group_offset(index l, index d) {
        index o = 0;
        for (index i = 0; i < l; ++i) o += Directions * group_size(i);
        return o + d * group_size(l);
    }
    /// Number of parameters the layer holds in the model's flat buffer (canary::Layer).
    static constexpr index param_count = group_offset(Layers, 0);

    using names = detail::RecurrentNames<Layers, Directions>;
    /// The parameter tensors: torch state_dict names, shapes and offsets in the layer's span.
    static constexpr auto param_specs = [] {
        std::array<ParamSpec, names::count> specs{};
        std::size_t k = 0;
        for (index l = 0; l < Layers; ++l)
            for (index d = 0; d < Directions; ++d) {
                const index o = group_offset(l, d), in = layer_input(l);
                specs[k] = ParamSpec{names::name(k), Shape{gate_rows, in}, o};
                ++k;
                specs[k] = ParamSpec{names::name(k), Shape{gate_rows, Hidden}, o + gate_rows * in};
                ++k;
                specs[k] = ParamSpec{names::name(k), Shape{gate_rows}, o + gate_rows * (in + Hidden)};
                ++k;
                specs[k] = ParamSpec{names::name(k), Shape{gate_rows}, o + gate_rows * (in + Hidden + 1)};
                ++k;
            }
        return specs;
    }();

    /// The layer's C++ type as text, for summaries and error messages (canary::Layer).
    std::string name() const {
        std::string s = std::string(Cell::label) + "<" + std::to_string(In) + ", " + std::to_string(Hidden);
        if (Layers > 1) s += ", " + std::to_string(Layers);
        s += ">";
        return Directions == 2 ? "Bidirectional<" + s + ">" : s;
    }

    /// The output shape for an input of shape `in` (for summaries).
    Shape output_shape(Shape in) const { return in.with_width(out_width); }

    /// torch's default: every weight and bias from U(-1/sqrt(Hidden), 1/sqrt(Hidden)).
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        uniform_fill(p.val, param_count, 1.0 / std::sqrt(static_cast<double>(Hidden)), rng);
    }

    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    Var<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x) const {
        return run(tape, p, x, RecurrentState<T>{}).sequence;
    }
    /// Records the layer's forward pass on the tape (input and output shapes: see the class).
    template <class T, class B>
    RecurrentOutput<T> forward(Tape<T, B>& tape, ParamSpan<T> p, const SequenceWithState<T>& in) const {
        return run(tape, p, in.x, in.initial);
    }

    /// The whole computation: every layer, every direction, one tape node per (layer, direction).
    template <class T, class B>
    RecurrentOutput<T> run(Tape<T, B>& tape, ParamSpan<T> p, const Var<T>& x, const RecurrentState<T>& initial) const {
        if (x.shape.rank() != 3 || x.cols() != In)
            throw shape_error(name() + ": input " + x.shape.str() + " is not (batch, time, " + std::to_string(In) + ")");
        const index batch = x.shape[0], steps = x.shape[1];
        if (steps < 1) throw shape_error(name() + ": input " + x.shape.str() + " has no time step");
        const index slots = Layers * Directions;
        check_state(initial.h, "initial hidden state", slots, batch);
        if constexpr (Cell::has_cell_state) check_state(initial.c, "initial cell state", slots, batch);
        else if (initial.c.val) throw shape_error(name() + ": a GRU has no cell state, but one was given");

        const bool grad = tape.recording() &&
                          (x.requires_grad() || p.grad != nullptr || initial.h.requires_grad() || initial.c.requires_grad());
        RecurrentOutput<T> result;
        result.state.h = tape.make(Shape{slots, batch, Hidden}, grad);
        if constexpr (Cell::has_cell_state) result.state.c = tape.make(Shape{slots, batch, Hidden}, grad);

        Var<T> layer_in = x;
        for (index l = 0; l < Layers; ++l) {
            Var<T> out = tape.make(Shape{batch, steps, Directions * Hidden}, grad);
            const index in = layer_input(l);
            std::array<typename Cell::template Plan<T>, Directions> plans;
            T* reverse_dx = nullptr;
            bool halves_done = false;
            for (index d = 0; d < Directions; ++d) {
                const index slot = l * Directions + d;
                const ParamSpan<T> group = p.sub(group_offset(l, d), group_size(l));
                const detail::CellWeights<T> w{group.var(0, Shape{gate_rows, in}),
                                               group.var(gate_rows * in, Shape{gate_rows, Hidden}),
                                               group.var(gate_rows * (in + Hidden), Shape{1, gate_rows}),
                                               group.var(gate_rows * (in + Hidden + 1), Shape{1, gate_rows})};
                detail::CellIO<T> io;
                io.batch = batch;
                io.steps = steps;
                io.in_width = in;
                io.hidden = Hidden;
                io.x = layer_in.val;
                io.dx = layer_in.adj;
                io.ldx = layer_in.ld;  // rows (b * steps + t) of any row stride
                io.lddx = layer_in.ld;
                if (host_parallel_v<B> && d == 1 && grad && layer_in.adj) {
                    // The backward direction's input gradient goes to its own buffer, added after
                    // both directions finish: the directions can run in parallel, and the sum is
                    // the same at every thread count.
                    reverse_dx = tape.scratch(batch * steps * in);
                    io.dx = reverse_dx;
                    io.lddx = in;
                }
                io.y = out.val + d * Hidden;
                io.dy = out.adj ? out.adj + d * Hidden : nullptr;
                io.ldy = out.cols();
                const index state_offset = slot * batch * Hidden;
                if (initial.h.val) {
                    io.h0 = initial.h.val + state_offset;
                    io.dh0 = initial.h.adj ? initial.h.adj + state_offset : nullptr;
                }
                if (initial.c.val) {
                    io.c0 = initial.c.val + state_offset;
                    io.dc0 = initial.c.adj ? initial.c.adj + state_offset : nullptr;
                }
                io.hn = result.state.h.val + state_offset;
                io.dhn = result.state.h.adj ? result.state.h.adj + state_offset : nullptr;
                if constexpr (Cell::has_cell_state) {
                    io.cn = result.state.c.val + state_offset;
                    io.dcn = result.state.c.adj ? result.state.c.adj + state_offset : nullptr;
                }
                if (Directions == 1 && split_batch<B>(batch, steps, in)) {
                    run_batch_halves(tape, w, io, grad);
                    halves_done = true;
                } else {
                    plans[d] = Cell::prepare(tape, w, io, /*reverse=*/d == 1, grad);
                }
            }
            if constexpr (Directions == 1) {
                if (halves_done) {
                    layer_in = out;
                    continue;
                }
                Cell::template forward<B>(plans[0]);
                if (grad) {
                    const auto plan = plans[0];
                    tape.record([plan] { Cell::template backward<B>(plan); });
                }
            } else {
                const bool split = host_parallel_v<B> && worth_splitting(batch, steps, in);
                const auto forward_plan = plans[0], reverse_plan = plans[1];
                parallel_invoke([&] { Cell::template forward<B>(forward_plan); },
                                [&] { Cell::template forward<B>(reverse_plan); }, split);
                if (grad) {
                    const Var<T> dst = layer_in;
                    tape.record([forward_plan, reverse_plan, reverse_dx, dst, split] {
                        parallel_invoke([&] { Cell::template backward<B>(forward_plan); },
                                        [&] {
                                            if (reverse_dx) B::zero(reverse_dx, dst.rows() * dst.cols());
                                            Cell::template backward<B>(reverse_plan);
                                        },
                                        split);
                        if (reverse_dx)
                            B::for_each_row(dst.rows(), dst.cols(),
                                            kernels::CopyRows<T, true>{reverse_dx, dst.cols(), dst.adj, dst.ld});
                    });
                }
            }
            layer_in = out;
        }
        result.sequence = layer_in;
        return result;
    }

private:
    /// A unidirectional layer on two threads: the batch rows' recurrences are independent, so
    /// each thread runs the whole sequence for half of the batch (no synchronisation per step).
    /// Worth it from 2^20 multiply-adds per half (W3: 1e9). Deterministic for a thread count; the
    /// weight gradient is the sum of the halves' (second half in its own buffer, added after), so
    /// it can differ from one thread in the last bits.
    template <class B>
    static bool split_batch(index batch, index steps, index in) {
        return host_parallel_v<B> && batch >= 2 && num_threads() >= 2 && !in_parallel_part() &&
               (batch / 2) * steps * Cell::gates * Hidden * (in + Hidden) >= (index{1} << 20);
    }

    /// Rows [first, first + count) of the batch of a cell's buffers.
    template <class T>
    static detail::CellIO<T> batch_slice(const detail::CellIO<T>& io, index first, index count) {
        detail::CellIO<T> s = io;
        s.batch = count;
        const index rows = first * io.steps, state = first * io.hidden;
        s.x = io.x + rows * io.ldx;
        s.dx = io.dx ? io.dx + rows * io.lddx : nullptr;
        s.y = io.y + rows * io.ldy;
        s.dy = io.dy ? io.dy + rows * io.ldy : nullptr;
        auto shift = [state](auto* ptr) { return ptr ? ptr + state : ptr; };
        s.h0 = shift(io.h0);
        s.dh0 = shift(io.dh0);
        s.c0 = shift(io.c0);
        s.dc0 = shift(io.dc0);
        s.hn = shift(io.hn);
        s.dhn = shift(io.dhn);
        s.cn = shift(io.cn);
        s.dcn = shift(io.dcn);
        return s;
    }

    template <class T, class B>
    static void run_batch_halves(Tape<T, B>& tape, const detail::CellWeights<T>& w, const detail::CellIO<T>& io,
                                 bool grad) {
        const index half = io.batch / 2;
        // The weight gradients of one (layer, direction) are one contiguous block of the model's
        // gradient buffer: w_ih, w_hh, b_ih, b_hh.
        const index weight_values = w.w_ih.numel() + w.w_hh.numel() + w.b_ih.numel() + w.b_hh.numel();
        detail::CellWeights<T> second_w = w;
        T* second_grads = nullptr;
        if (grad && w.w_ih.adj) {
            second_grads = tape.scratch(weight_values);
            second_w.w_ih.adj = second_grads;
            second_w.w_hh.adj = second_grads + w.w_ih.numel();
            second_w.b_ih.adj = second_w.w_hh.adj + w.w_hh.numel();
            second_w.b_hh.adj = second_w.b_ih.adj + w.b_ih.numel();
        }
        const auto first = Cell::prepare(tape, w, batch_slice(io, 0, half), false, grad);
        const auto second = Cell::prepare(tape, second_w, batch_slice(io, half, io.batch - half), false, grad);
        parallel_invoke([&] { Cell::template forward<B>(first); }, [&] { Cell::template forward<B>(second); });
        if (!grad) return;
        T* const weight_grads = w.w_ih.adj;
        tape.record([first, second, second_grads, weight_grads, weight_values] {
            parallel_invoke([&] { Cell::template backward<B>(first); },
                            [&] {
                                if (second_grads) B::zero(second_grads, weight_values);
                                Cell::template backward<B>(second);
                            });
            if (second_grads) B::for_each_index(weight_values, kernels::AddInto<T>{second_grads, weight_grads});
        });
    }

    /// Whether a direction is worth a thread handover (about a microsecond when the worker is
    /// awake): below a quarter of a million multiply-adds per direction (a few microseconds of
    /// work) it costs more than it saves. The split never changes results, only where they are
    /// computed.
    static constexpr bool worth_splitting(index batch, index steps, index in) {
        return batch * steps * Cell::gates * Hidden * (in + Hidden) >= (index{1} << 18);
    }

    template <class T>
    void check_state(const Var<T>& s, const char* what, index slots, index batch) const {
        if (!s.val) return;
        if (s.numel() != slots * batch * Hidden || s.cols() != Hidden || !s.contiguous())
            throw shape_error(name() + ": " + what + " " + s.shape.str() + " is not a contiguous (" + std::to_string(slots) +
                              ", " + std::to_string(batch) + ", " + std::to_string(Hidden) + ") tensor");
    }
};

}  // namespace canary

#pragma once
// GRU<In, Hidden, Layers = 1>: torch.nn.GRU(In, Hidden, num_layers=Layers, batch_first=True).
//
//   r = s(W_ir x + b_ir + W_hr h + b_hr)          gates in torch's order [r, z, n]
//   z = s(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  (b_hn stays inside the reset product)
//   h' = (1 - z) * n + z * h
//
// Parameters (torch names): weight_ih_l{k} (3H, in_k), weight_hh_l{k} (3H, H), bias_ih_l{k} (3H),
// bias_hh_l{k} (3H). Input (batch, time, In), output (batch, time, Hidden).
// `model.forward(tape, with_state(x, {h0}))` returns {sequence, {h_n}} (torch layout).
// Equations, BPTT derivation and torch correspondence: docs/layers/gru.md.
#include <string>

#include "canary/core/math.hpp"
#include "canary/layers/recurrent.hpp"

namespace canary {

namespace detail {

/// The GRU step for one (batch row b, hidden unit j), written once: the CPU runs it in a row loop
/// around a vectorised loop over j (Cpu::for_each_row), a device policy as one kernel. [r z n]
/// replace the input-side pre-activations, W_hn h + b_hn is kept in the hidden side's n block.
template <class T>
struct GruStepForward {
    T* g_t;  // x W_ih^T without b_ih, row b at g_t + b * ldg
    T* hg_t; // h W_hh^T without b_hh, same layout
    index ldg;
    const T* b_ih;
    const T* b_hh;
    const T* hp;  // h_{t-1}, row stride ldh
    index ldh;
    T* y;         // h_t, row stride ldy
    index ldy;
    index H;
    CANARY_HD void operator()(index b, index j) const {
        T* gr = g_t + b * ldg;
        T* hr = hg_t + b * ldg;
        const T r = math::sigmoid(gr[j] + b_ih[j] + hr[j] + b_hh[j]);
        const T z = math::sigmoid(gr[H + j] + b_ih[H + j] + hr[H + j] + b_hh[H + j]);
        const T hn_j = hr[2 * H + j] + b_hh[2 * H + j];
        const T n = math::tanh(gr[2 * H + j] + b_ih[2 * H + j] + r * hn_j);
        gr[j] = r;
        gr[H + j] = z;
        gr[2 * H + j] = n;
        hr[2 * H + j] = hn_j;
        y[b * ldy + j] = n + z * (hp[b * ldh + j] - n);  // torch's form of (1 - z) n + z h
    }
};

/// The GRU backward step for one (b, j), written once: input-side and hidden-side pre-activation
/// gradients over the saved values; dh keeps the direct path dh z (the gate path is added by the
/// GEMM that follows).
template <class T, bool WithDy>
struct GruStepBackward {
    T* g_t;
    T* hg_t;
    index ldg;
    const T* hp;
    index ldh;
    const T* dy;  // WithDy only
    index ldy;
    T* dh;        // (batch, H) contiguous
    index H;
    CANARY_HD void operator()(index b, index j) const {
        T* gr = g_t + b * ldg;
        T* hr = hg_t + b * ldg;
        T dht = dh[b * H + j];
        if constexpr (WithDy) dht += dy[b * ldy + j];
        const T r = gr[j], z = gr[H + j], n = gr[2 * H + j], hn_j = hr[2 * H + j];
        const T dz = dht * (hp[b * ldh + j] - n);
        const T dan = dht * (T(1) - z) * (T(1) - n * n);  // through n = tanh(a_n)
        const T dar = dan * hn_j * r * (T(1) - r);
        const T daz = dz * z * (T(1) - z);
        gr[j] = dar;
        gr[H + j] = daz;
        gr[2 * H + j] = dan;
        hr[j] = dar;
        hr[H + j] = daz;
        hr[2 * H + j] = dan * r;  // W_hn h + b_hn enters a_n multiplied by r
        dh[b * H + j] = dht * z;  // the direct path h' = ... + z h
    }
};

/// One GRU layer and direction over a whole sequence, as one tape node. Same structure as
/// LstmCell; because b_hn sits inside r * (...), the recurrent GEMM goes to its own buffer
/// (the "hidden side" h W_hh^T) instead of being added to the input projection.
///
/// Saved for the backward pass: [r, z, n] over the input-side buffer, W_hn h + b_hn in the n block
/// of the hidden-side buffer, and h_{t-1}. Backward overwrites the two buffers with the gradients
/// of the input-side and hidden-side pre-activations, which differ only in the n block.
struct GruCell {
    static constexpr index gates = 3;
    static constexpr bool has_cell_state = false;
    static constexpr const char* label = "GRU";

    template <class T>
    struct Plan {
        CellWeights<T> w;
        CellIO<T> io;
        bool reverse = false, grad = false;
        T* gate = nullptr;    // x W_ih^T + b_ih -> [r z n] -> input-side gradients
        T* hidden = nullptr;  // h W_hh^T (n block: + b_hn) -> hidden-side gradients
        T* h_prev = nullptr;
        const T* zeros = nullptr;
        T* dh = nullptr;
        T* bias_acc = nullptr;
    };

    /// Takes every buffer the forward and backward passes need from the tape, so that forward()
    /// and backward() touch no allocator and two directions can run on two threads.
    template <class T, class B>
    static Plan<T> prepare(Tape<T, B>& tape, const CellWeights<T>& w, const CellIO<T>& io, bool reverse, bool grad) {
        const index rows = io.batch * io.steps, H = io.hidden, G = 3 * H;
        Plan<T> p{w, io, reverse, grad};
        p.gate = tape.scratch(rows * G);
        p.hidden = tape.scratch(rows * G);
        p.h_prev = tape.scratch(rows * H);
        if (grad) {
            p.dh = tape.scratch(io.batch * H);
            p.bias_acc = tape.scratch(G);
        }
        if (!io.h0) {
            T* zeros = tape.scratch(io.batch * H);
            B::zero(zeros, io.batch * H);
            p.zeros = zeros;
        }
        return p;
    }

    template <class B, class T>
    static void forward(const Plan<T>& plan) {
        const CellWeights<T>& w = plan.w;
        const CellIO<T>& io = plan.io;
        const bool reverse = plan.reverse;
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 3 * H;
        const index rows = batch * steps;
        T* gate = plan.gate;
        T* hidden = plan.hidden;
        T* h_prev = plan.h_prev;
        const T* zeros = plan.zeros;

        // beta = 0: the gate buffer is written once; b_ih joins in the step loop.
        B::gemm(false, true, rows, G, in, T(1), io.x, io.ldx, w.w_ih.val, in, T(0), gate, G);

        const index ldg = steps * G, ldh = steps * H, ldy = steps * io.ldy;
        const T* h = io.h0 ? io.h0 : zeros;
        index h_ld = H;
        for (index s = 0; s < steps; ++s) {
            const index t = reverse ? steps - 1 - s : s;
            T* g_t = gate + t * G;
            T* hg_t = hidden + t * G;
            T* hp_t = h_prev + t * H;
            B::for_each_row(batch, H, kernels::CopyRows<T, false>{h, h_ld, hp_t, ldh});
            if (s > 0 || io.h0) B::gemm(false, true, batch, G, H, T(1), hp_t, ldh, w.w_hh.val, H, T(0), hg_t, ldg);
            else B::for_each_row(batch, G, kernels::FillRows<T>{hg_t, ldg, T(0)});
            B::for_each_row(batch, H, GruStepForward<T>{g_t, hg_t, ldg, w.b_ih.val, w.b_hh.val, hp_t, ldh, io.y + t * io.ldy,
                                                        ldy, H});
            h = io.y + t * io.ldy;
            h_ld = ldy;
        }
        B::for_each_row(batch, H, kernels::CopyRows<T, false>{h, h_ld, io.hn, H});
    }

    template <class B, class T>
    static void backward(const Plan<T>& plan) {
        const CellWeights<T>& w = plan.w;
        const CellIO<T>& io = plan.io;
        const bool reverse = plan.reverse;
        T* gate = plan.gate;
        T* hidden = plan.hidden;
        const T* h_prev = plan.h_prev;
        T* dh = plan.dh;
        T* bias_acc = plan.bias_acc;
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 3 * H;
        const index rows = batch * steps, ldg = steps * G, ldh = steps * H, ldy = steps * io.ldy;
        if (io.dhn) B::copy(io.dhn, dh, batch * H);
        else B::zero(dh, batch * H);

        for (index s = steps - 1; s >= 0; --s) {
            const index t = reverse ? steps - 1 - s : s;
            T* g_t = gate + t * G;
            T* hg_t = hidden + t * G;
            if (io.dy)
                B::for_each_row(batch, H, GruStepBackward<T, true>{g_t, hg_t, ldg, h_prev + t * H, ldh, io.dy + t * io.ldy,
                                                                   ldy, dh, H});
            else
                B::for_each_row(batch, H, GruStepBackward<T, false>{g_t, hg_t, ldg, h_prev + t * H, ldh, nullptr, ldy, dh, H});
            // dh_{t-1} += dhidden_t W_hh: the gate path, added to the direct path above.
            if (s > 0 || io.dh0) B::gemm(false, false, batch, H, G, T(1), hg_t, ldg, w.w_hh.val, H, T(1), dh, H);
        }
        if (io.dh0) B::for_each_row(batch, H, kernels::CopyRows<T, true>{dh, H, io.dh0, H});

        if (w.w_ih.adj) B::gemm(true, false, G, in, rows, T(1), gate, G, io.x, io.ldx, T(1), w.w_ih.adj, in);
        if (w.w_hh.adj) B::gemm(true, false, G, H, rows, T(1), hidden, G, h_prev, H, T(1), w.w_hh.adj, H);
        if (w.b_ih.adj) add_column_sums<B>(gate, rows, G, bias_acc, w.b_ih.adj, static_cast<T*>(nullptr));
        if (w.b_hh.adj) add_column_sums<B>(hidden, rows, G, bias_acc, w.b_hh.adj, static_cast<T*>(nullptr));
        if (io.dx) B::gemm(false, false, rows, in, G, T(1), gate, G, w.w_ih.val, in, T(1), io.dx, io.lddx);
    }
};

}  // namespace detail

/// torch.nn.GRU(In, Hidden, num_layers=Layers, batch_first=True); see the file comment.
/// requires: input (batch, time >= 1, In).  ensures: output (batch, time, Hidden).
template <index In, index Hidden, index Layers = 1>
struct GRU : RecurrentStack<detail::GruCell, In, Hidden, Layers, 1> {};

}  // namespace canary

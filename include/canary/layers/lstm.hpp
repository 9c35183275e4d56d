#pragma once
// LSTM<In, Hidden, Layers = 1>: torch.nn.LSTM(In, Hidden, num_layers=Layers, batch_first=True).
//
//   a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        gates in torch's order [i, f, g, o]
//   i = s(a_i)  f = s(a_f)  g = tanh(a_g)  o = s(a_o)
//   c_t = f * c_{t-1} + i * g        h_t = o * tanh(c_t)
//
// Parameters (torch names): weight_ih_l{k} (4H, in_k), weight_hh_l{k} (4H, H), bias_ih_l{k} (4H),
// bias_hh_l{k} (4H). Input (batch, time, In), output (batch, time, Hidden).
// `model.forward(tape, with_state(x, {h0, c0}))` returns {sequence, {h_n, c_n}} (torch layout).
// Equations, BPTT derivation and torch correspondence: docs/layers/lstm.md.
#include <string>

#include "canary/autodiff/math.hpp"
#include "canary/layers/recurrent.hpp"

namespace canary {

namespace detail {

/// One LSTM layer and direction over a whole sequence, as one tape node.
///
/// Forward: one GEMM projects all inputs, (B*T, In) x (In, 4H), into a gate buffer; each step
/// adds h_{t-1} W_hh^T (one GEMM) and one fused loop turns the pre-activations into gates, c_t and
/// h_t, keeping what the backward pass needs (gates, c_t, tanh c_t, h_{t-1}) in tape scratch.
/// Backward: per step one fused loop for the gate gradients (written over the gates) and one
/// GEMM dh_{t-1} = da_t W_hh; after the loop dW_ih, dW_hh, the biases and dx are ONE GEMM or one
/// reduction each over the stored (B*T, 4H) gate gradients.
struct LstmCell {
    static constexpr index gates = 4;
    static constexpr bool has_cell_state = true;
    static constexpr const char* label = "LSTM";

    template <class T>
    struct Plan {
        CellWeights<T> w;
        CellIO<T> io;
        bool reverse = false, grad = false;
        T* gate = nullptr;       // pre-activations -> [i f g o] -> their gradients
        T* cell = nullptr;       // c_t
        T* tanh_cell = nullptr;  // tanh(c_t), recording passes only
        T* h_prev = nullptr;     // the state each step read, recording passes only
        const T* zeros = nullptr;
        T* dh = nullptr;  // dL/dh of the state the current step produced, via later steps
        T* dc = nullptr;
        T* bias_acc = nullptr;
        T* bias = nullptr;  // b_ih + b_hh, added in the step loop
    };

    /// Takes every buffer the forward and backward passes need from the tape, so that forward()
    /// and backward() touch no allocator and two directions can run on two threads.
    template <class T, class B>
    static Plan<T> prepare(Tape<T, B>& tape, const CellWeights<T>& w, const CellIO<T>& io, bool reverse, bool grad) {
        const index rows = io.batch * io.steps, H = io.hidden, G = 4 * H;
        Plan<T> p{w, io, reverse, grad};
        p.gate = tape.scratch(rows * G);
        p.cell = tape.scratch(rows * H);
        p.bias = tape.scratch(G);
        // Only a recording pass keeps tanh(c_t) and the state each step read (h_{t-1}; h_{t+1} in
        // reverse) for the backward pass; inference reads h_{t-1} in place from the output.
        if (grad) {
            p.tanh_cell = tape.scratch(rows * H);
            p.h_prev = tape.scratch(rows * H);
            p.dh = tape.scratch(io.batch * H);
            p.dc = tape.scratch(io.batch * H);
            p.bias_acc = tape.scratch(G);
        }
        if (!io.h0 || !io.c0) {
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
        const bool reverse = plan.reverse, grad = plan.grad;
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 4 * H;
        const index rows = batch * steps;
        T* gate = plan.gate;
        T* cell = plan.cell;
        T* tanh_cell = plan.tanh_cell;
        T* h_prev = plan.h_prev;
        const T* zeros = plan.zeros;

        // All input projections at once (beta = 0: the gate buffer is written once, not filled
        // with the biases first and read back; at W3's size it is 26 MB). The biases join in the
        // step loop.
        T* bias = plan.bias;
        CANARY_VECTORIZE
        for (index j = 0; j < G; ++j) bias[j] = w.b_ih.val[j] + w.b_hh.val[j];
        const T* bi = bias;
        const T* bf = bias + H;
        const T* bg = bias + 2 * H;
        const T* bo = bias + 3 * H;
        B::gemm(false, true, rows, G, in, T(1), io.x, io.ldx, w.w_ih.val, in, T(0), gate, G);

        // The recurrence. Step t's rows are b * steps + t: a (batch, .) view with stride steps * width.
        const index ldg = steps * G, ldh = steps * H, ldy = steps * io.ldy;
        const T* h = io.h0 ? io.h0 : zeros;
        index h_ld = H;
        const T* c = io.c0 ? io.c0 : zeros;
        index c_ld = H;
        for (index s = 0; s < steps; ++s) {
            const index t = reverse ? steps - 1 - s : s;
            T* g_t = gate + t * G;
            if (grad) {
                T* hp_t = h_prev + t * H;
                copy_rows(h, h_ld, hp_t, ldh, batch, H);
                if (s > 0 || io.h0) B::gemm(false, true, batch, G, H, T(1), hp_t, ldh, w.w_hh.val, H, T(1), g_t, ldg);
            } else if (s > 0 || io.h0) {
                B::gemm(false, true, batch, G, H, T(1), h, h_ld, w.w_hh.val, H, T(1), g_t, ldg);
            }
            if (!grad) {
                // Inference: c_t and h_t only, no gate or tanh(c_t) stores.
                for (index b = 0; b < batch; ++b) {
                    const T* gi = g_t + b * ldg;
                    const T* gf = gi + H;
                    const T* gg = gi + 2 * H;
                    const T* go = gi + 3 * H;
                    const T* cp = c + b * c_ld;
                    T* cn = cell + t * H + b * ldh;
                    T* y = io.y + t * io.ldy + b * ldy;
                    CANARY_VECTORIZE
                    for (index j = 0; j < H; ++j) {
                        const T c_new = math::sigmoid(gf[j] + bf[j]) * cp[j] +
                                        math::sigmoid(gi[j] + bi[j]) * math::tanh(gg[j] + bg[j]);
                        cn[j] = c_new;
                        y[j] = math::sigmoid(go[j] + bo[j]) * math::tanh(c_new);
                    }
                }
            } else {
                for (index b = 0; b < batch; ++b) {
                    T* gi = g_t + b * ldg;
                    T* gf = gi + H;
                    T* gg = gi + 2 * H;
                    T* go = gi + 3 * H;
                    const T* cp = c + b * c_ld;
                    T* cn = cell + t * H + b * ldh;
                    T* tc = tanh_cell + t * H + b * ldh;
                    T* y = io.y + t * io.ldy + b * ldy;
                    CANARY_VECTORIZE
                    for (index j = 0; j < H; ++j) {
                        const T i = math::sigmoid(gi[j] + bi[j]), f = math::sigmoid(gf[j] + bf[j]),
                                g = math::tanh(gg[j] + bg[j]), o = math::sigmoid(go[j] + bo[j]);
                        const T c_new = f * cp[j] + i * g;
                        const T th = math::tanh(c_new);
                        gi[j] = i;
                        gf[j] = f;
                        gg[j] = g;
                        go[j] = o;
                        cn[j] = c_new;
                        tc[j] = th;
                        y[j] = o * th;
                    }
                }
            }
            h = io.y + t * io.ldy;
            h_ld = ldy;
            c = cell + t * H;
            c_ld = ldh;
        }
        copy_rows(h, h_ld, io.hn, H, batch, H);
        copy_rows(c, c_ld, io.cn, H, batch, H);
    }

    template <class B, class T>
    static void backward(const Plan<T>& plan) {
        const CellWeights<T>& w = plan.w;
        const CellIO<T>& io = plan.io;
        const bool reverse = plan.reverse;
        T* gate = plan.gate;
        const T* cell = plan.cell;
        const T* tanh_cell = plan.tanh_cell;
        const T* h_prev = plan.h_prev;
        const T* zeros = plan.zeros;
        T* dh = plan.dh;
        T* dc = plan.dc;
        T* bias_acc = plan.bias_acc;
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 4 * H;
        const index rows = batch * steps, ldg = steps * G, ldh = steps * H, ldy = steps * io.ldy;
        if (io.dhn) B::copy(io.dhn, dh, batch * H);
        else B::zero(dh, batch * H);
        if (io.dcn) B::copy(io.dcn, dc, batch * H);
        else B::zero(dc, batch * H);

        for (index s = steps - 1; s >= 0; --s) {
            const index t = reverse ? steps - 1 - s : s;
            const index t_prev = reverse ? t + 1 : t - 1;
            const T* c_prev = s > 0 ? cell + t_prev * H : (io.c0 ? io.c0 : zeros);
            const index c_ld = s > 0 ? ldh : H;
            T* g_t = gate + t * G;
            for (index b = 0; b < batch; ++b) {
                T* gi = g_t + b * ldg;
                T* gf = gi + H;
                T* gg = gi + 2 * H;
                T* go = gi + 3 * H;
                const T* cp = c_prev + b * c_ld;
                const T* tc = tanh_cell + t * H + b * ldh;
                const T* dy = io.dy ? io.dy + t * io.ldy + b * ldy : nullptr;
                T* dhb = dh + b * H;
                T* dcb = dc + b * H;
                if (dy) {
                    CANARY_VECTORIZE
                    for (index j = 0; j < H; ++j) dhb[j] += dy[j];
                }
                CANARY_VECTORIZE
                for (index j = 0; j < H; ++j) {
                    const T i = gi[j], f = gf[j], g = gg[j], o = go[j], th = tc[j], dht = dhb[j];
                    // h = o tanh(c): dc gains dh o (1 - tanh^2 c); c = f c_prev + i g.
                    const T dct = dcb[j] + dht * o * (T(1) - th * th);
                    gi[j] = dct * g * i * (T(1) - i);
                    gf[j] = dct * cp[j] * f * (T(1) - f);
                    gg[j] = dct * i * (T(1) - g * g);
                    go[j] = dht * th * o * (T(1) - o);
                    dcb[j] = dct * f;
                }
            }
            // dh_{t-1} = da_t W_hh (only the gates see h_{t-1}; the output term joins next step).
            if (s > 0 || io.dh0) B::gemm(false, false, batch, H, G, T(1), g_t, ldg, w.w_hh.val, H, T(0), dh, H);
        }
        if (io.dh0) add_rows(dh, H, io.dh0, H, batch, H);
        if (io.dc0) add_rows(dc, H, io.dc0, H, batch, H);

        // Whole-sequence parameter and input gradients from the stored gate gradients.
        if (w.w_ih.adj) B::gemm(true, false, G, in, rows, T(1), gate, G, io.x, io.ldx, T(1), w.w_ih.adj, in);
        if (w.w_hh.adj) B::gemm(true, false, G, H, rows, T(1), gate, G, h_prev, H, T(1), w.w_hh.adj, H);
        if (w.b_ih.adj || w.b_hh.adj) add_column_sums(gate, rows, G, bias_acc, w.b_ih.adj, w.b_hh.adj);
        if (io.dx) B::gemm(false, false, rows, in, G, T(1), gate, G, w.w_ih.val, in, T(1), io.dx, io.lddx);
    }
};

}  // namespace detail

/// torch.nn.LSTM(In, Hidden, num_layers=Layers, batch_first=True); see the file comment.
/// requires: input (batch, time >= 1, In).  ensures: output (batch, time, Hidden).
template <index In, index Hidden, index Layers = 1>
struct LSTM : RecurrentStack<detail::LstmCell, In, Hidden, Layers, 1> {};

}  // namespace canary

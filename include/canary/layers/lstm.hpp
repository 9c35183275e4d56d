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

#include "canary/core/math.hpp"
#include "canary/layers/recurrent.hpp"

namespace canary {

namespace detail {

/// The LSTM step for one (batch row b, hidden unit j), written once: the CPU runs it in a row
/// loop around a vectorised loop over j (Cpu::for_each_row), a device policy as one kernel over
/// batch * hidden. Gate pre-activations (without biases) -> gates, c_t and h_t; with Store, the
/// gates [i f g o] replace their pre-activations and tanh c_t is kept for the backward pass.
template <class T, bool Store>
struct LstmStepForward {
    T* g_t;          // row b at g_t + b * ldg: [a_i a_f a_g a_o] without the biases
    index ldg;
    const T* bias;   // b_ih + b_hh (4H)
    const T* cp;     // c_{t-1}, row stride c_ld
    index c_ld;
    T* cn;           // c_t, row stride ldh
    T* tc;           // tanh c_t (Store only), row stride ldh
    index ldh;
    T* y;            // h_t, row stride ldy
    index ldy;
    index H;
    CANARY_HD void operator()(index b, index j) const {
        T* gi = g_t + b * ldg;
        const T i = math::sigmoid(gi[j] + bias[j]), f = math::sigmoid(gi[H + j] + bias[H + j]),
                g = math::tanh(gi[2 * H + j] + bias[2 * H + j]), o = math::sigmoid(gi[3 * H + j] + bias[3 * H + j]);
        const T c_new = f * cp[b * c_ld + j] + i * g;
        const T th = math::tanh(c_new);
        if constexpr (Store) {
            gi[j] = i;
            gi[H + j] = f;
            gi[2 * H + j] = g;
            gi[3 * H + j] = o;
            tc[b * ldh + j] = th;
        }
        cn[b * ldh + j] = c_new;
        y[b * ldy + j] = o * th;
    }
};

/// The LSTM backward step for one (b, j), written once (as LstmStepForward): dh gains dy_t (when
/// WithDy), the stored gates become the gate pre-activation gradients, dc becomes dc_{t-1}.
template <class T, bool WithDy>
struct LstmStepBackward {
    T* g_t;
    index ldg;
    const T* cp;  // c_{t-1}, row stride c_ld
    index c_ld;
    const T* tc;  // tanh c_t, row stride ldh
    index ldh;
    const T* dy;  // WithDy only, row stride ldy
    index ldy;
    T* dh;        // (batch, H) contiguous
    T* dc;
    index H;
    CANARY_HD void operator()(index b, index j) const {
        T* gi = g_t + b * ldg;
        T dht = dh[b * H + j];
        if constexpr (WithDy) {
            dht += dy[b * ldy + j];
            dh[b * H + j] = dht;
        }
        const T i = gi[j], f = gi[H + j], g = gi[2 * H + j], o = gi[3 * H + j], th = tc[b * ldh + j];
        // h = o tanh(c): dc gains dh o (1 - tanh^2 c); c = f c_prev + i g.
        const T dct = dc[b * H + j] + dht * o * (T(1) - th * th);
        gi[j] = dct * g * i * (T(1) - i);
        gi[H + j] = dct * cp[b * c_ld + j] * f * (T(1) - f);
        gi[2 * H + j] = dct * i * (T(1) - g * g);
        gi[3 * H + j] = dht * th * o * (T(1) - o);
        dc[b * H + j] = dct * f;
    }
};

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
        B::for_each_index(G, kernels::AddVectors<T>{w.b_ih.val, w.b_hh.val, bias});
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
                B::for_each_row(batch, H, kernels::CopyRows<T, false>{h, h_ld, hp_t, ldh});
                if (s > 0 || io.h0) B::gemm(false, true, batch, G, H, T(1), hp_t, ldh, w.w_hh.val, H, T(1), g_t, ldg);
                B::for_each_row(batch, H, LstmStepForward<T, true>{g_t, ldg, bias, c, c_ld, cell + t * H, tanh_cell + t * H,
                                                                   ldh, io.y + t * io.ldy, ldy, H});
            } else {
                // Inference: c_t and h_t only, no gate or tanh(c_t) stores.
                if (s > 0 || io.h0) B::gemm(false, true, batch, G, H, T(1), h, h_ld, w.w_hh.val, H, T(1), g_t, ldg);
                B::for_each_row(batch, H, LstmStepForward<T, false>{g_t, ldg, bias, c, c_ld, cell + t * H, nullptr, ldh,
                                                                    io.y + t * io.ldy, ldy, H});
            }
            h = io.y + t * io.ldy;
            h_ld = ldy;
            c = cell + t * H;
            c_ld = ldh;
        }
        B::for_each_row(batch, H, kernels::CopyRows<T, false>{h, h_ld, io.hn, H});
        B::for_each_row(batch, H, kernels::CopyRows<T, false>{c, c_ld, io.cn, H});
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
            if (io.dy)
                B::for_each_row(batch, H, LstmStepBackward<T, true>{g_t, ldg, c_prev, c_ld, tanh_cell + t * H, ldh,
                                                                    io.dy + t * io.ldy, ldy, dh, dc, H});
            else
                B::for_each_row(batch, H, LstmStepBackward<T, false>{g_t, ldg, c_prev, c_ld, tanh_cell + t * H, ldh, nullptr,
                                                                     ldy, dh, dc, H});
            // dh_{t-1} = da_t W_hh (only the gates see h_{t-1}; the output term joins next step).
            if (s > 0 || io.dh0) B::gemm(false, false, batch, H, G, T(1), g_t, ldg, w.w_hh.val, H, T(0), dh, H);
        }
        if (io.dh0) B::for_each_row(batch, H, kernels::CopyRows<T, true>{dh, H, io.dh0, H});
        if (io.dc0) B::for_each_row(batch, H, kernels::CopyRows<T, true>{dc, H, io.dc0, H});

        // Whole-sequence parameter and input gradients from the stored gate gradients.
        if (w.w_ih.adj) B::gemm(true, false, G, in, rows, T(1), gate, G, io.x, io.ldx, T(1), w.w_ih.adj, in);
        if (w.w_hh.adj) B::gemm(true, false, G, H, rows, T(1), gate, G, h_prev, H, T(1), w.w_hh.adj, H);
        if (w.b_ih.adj || w.b_hh.adj) add_column_sums<B>(gate, rows, G, bias_acc, w.b_ih.adj, w.b_hh.adj);
        if (io.dx) B::gemm(false, false, rows, in, G, T(1), gate, G, w.w_ih.val, in, T(1), io.dx, io.lddx);
    }
};

}  // namespace detail

/// torch.nn.LSTM(In, Hidden, num_layers=Layers, batch_first=True); see the file comment.
/// requires: input (batch, time >= 1, In).  ensures: output (batch, time, Hidden).
template <index In, index Hidden, index Layers = 1>
struct LSTM : RecurrentStack<detail::LstmCell, In, Hidden, Layers, 1> {};

}  // namespace canary

#pragma once
// Backend-generic implementations of the recurrent cells (LstmCell, GruCell): the same algorithm,
// buffers and arithmetic as the CPU cells in lstm.hpp and gru.hpp, written only with the policy's
// static interface (B::gemm, B::copy, B::zero, B::for_each_index) and CANARY_HD step bodies.
// A device policy runs them as cuBLAS GEMMs and fused kernels: per sequence one input-projection
// GEMM; per step one recurrent GEMM and ONE fused gate kernel, forward and backward; after the
// loop one GEMM or one reduction kernel per parameter gradient. RecurrentStack dispatches here
// for device backends; the CPU keeps its own loops. tests/backend/device_path_test.cpp runs them
// on the host (a device policy in host memory) against the CPU cells.
#include "canary/backend/kernels.hpp"
#include "canary/layers/gru.hpp"
#include "canary/layers/lstm.hpp"

namespace canary::detail {

// ---- step bodies: index k over (batch, hidden), b = k / H, j = k mod H ---------------------------

/// LSTM forward step: gate pre-activations -> [i f g o] (stored when `store`), c_t, tanh c_t, h_t.
template <class T>
struct LstmStepForward {
    T* g_t;          // row b at g_t + b * ldg: [a_i a_f a_g a_o] without the biases
    index ldg;
    const T* bias;   // b_ih + b_hh (4H)
    const T* cp;     // c_{t-1}, row stride c_ld
    index c_ld;
    T* cn;           // c_t, row stride ldh
    T* tc;           // tanh c_t (when store), row stride ldh
    index ldh;
    T* y;            // h_t, row stride ldy
    index ldy;
    index H;
    bool store;
    CANARY_HD void operator()(index k) const {
        const index b = k / H, j = k - (k / H) * H;
        T* gi = g_t + b * ldg;
        const T i = math::sigmoid(gi[j] + bias[j]), f = math::sigmoid(gi[H + j] + bias[H + j]),
                g = math::tanh(gi[2 * H + j] + bias[2 * H + j]), o = math::sigmoid(gi[3 * H + j] + bias[3 * H + j]);
        const T c_new = f * cp[b * c_ld + j] + i * g;
        const T th = math::tanh(c_new);
        if (store) {
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

/// LSTM backward step: the gate gradients (over the stored gates), dc_{t-1}; dh gains dy_t.
template <class T>
struct LstmStepBackward {
    T* g_t;
    index ldg;
    const T* cp;
    index c_ld;
    const T* tc;
    index ldh;
    const T* dy;  // nullptr when the sequence output has no gradient
    index ldy;
    T* dh;        // (batch, H) contiguous
    T* dc;
    index H;
    CANARY_HD void operator()(index k) const {
        const index b = k / H, j = k - (k / H) * H;
        T* gi = g_t + b * ldg;
        T dht = dh[b * H + j];
        if (dy) {
            dht += dy[b * ldy + j];
            dh[b * H + j] = dht;
        }
        const T i = gi[j], f = gi[H + j], g = gi[2 * H + j], o = gi[3 * H + j], th = tc[b * ldh + j];
        const T dct = dc[b * H + j] + dht * o * (T(1) - th * th);
        gi[j] = dct * g * i * (T(1) - i);
        gi[H + j] = dct * cp[b * c_ld + j] * f * (T(1) - f);
        gi[2 * H + j] = dct * i * (T(1) - g * g);
        gi[3 * H + j] = dht * th * o * (T(1) - o);
        dc[b * H + j] = dct * f;
    }
};

/// GRU forward step: [r z n] over the input side, W_hn h + b_hn kept in the hidden side, h_t.
template <class T>
struct GruStepForward {
    T* g_t;  // x W_ih^T without b_ih
    T* hg_t;
    index ldg;
    const T* b_ih;
    const T* b_hh;
    const T* hp;  // h_{t-1}, row stride ldh
    index ldh;
    T* y;
    index ldy;
    index H;
    CANARY_HD void operator()(index k) const {
        const index b = k / H, j = k - (k / H) * H;
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
        y[b * ldy + j] = n + z * (hp[b * ldh + j] - n);
    }
};

/// GRU backward step: input-side and hidden-side pre-activation gradients; dh keeps the direct
/// path dh z (the gate path is added by the GEMM that follows).
template <class T>
struct GruStepBackward {
    T* g_t;
    T* hg_t;
    index ldg;
    const T* hp;
    index ldh;
    const T* dy;
    index ldy;
    T* dh;
    index H;
    CANARY_HD void operator()(index k) const {
        const index b = k / H, j = k - (k / H) * H;
        T* gr = g_t + b * ldg;
        T* hr = hg_t + b * ldg;
        T dht = dh[b * H + j];
        if (dy) dht += dy[b * ldy + j];
        const T r = gr[j], z = gr[H + j], n = gr[2 * H + j], hn_j = hr[2 * H + j];
        const T dz = dht * (hp[b * ldh + j] - n);
        const T dan = dht * (T(1) - z) * (T(1) - n * n);
        const T dar = dan * hn_j * r * (T(1) - r);
        const T daz = dz * z * (T(1) - z);
        gr[j] = dar;
        gr[H + j] = daz;
        gr[2 * H + j] = dan;
        hr[j] = dar;
        hr[H + j] = daz;
        hr[2 * H + j] = dan * r;
        dh[b * H + j] = dht * z;
    }
};

// ---- the cells ----------------------------------------------------------------------------------

template <>
struct GenericCell<LstmCell> {
    template <class T, class B>
    static void run(Tape<T, B>& tape, const CellWeights<T>& w, const CellIO<T>& io, bool reverse, bool grad) {
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 4 * H;
        const index rows = batch * steps, BH = batch * H;
        T* gate = tape.scratch(rows * G);
        T* cell = tape.scratch(rows * H);
        T* tanh_cell = grad ? tape.scratch(rows * H) : nullptr;
        T* h_prev = grad ? tape.scratch(rows * H) : nullptr;
        T* zeros = nullptr;
        if (!io.h0 || !io.c0) {
            zeros = tape.scratch(BH);
            B::zero(zeros, BH);
        }
        // As on the CPU (lstm.hpp): the gate buffer is written once (beta = 0); the biases join in
        // the step kernel.
        T* bias = tape.scratch(G);
        B::for_each_index(G, kernels::SumOfRows<T>{w.b_ih.val, w.b_hh.val, bias, G});
        B::gemm(false, true, rows, G, in, T(1), io.x, io.ldx, w.w_ih.val, in, T(0), gate, G);

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
                B::for_each_index(BH, kernels::CopyMatrix<T>{h, h_ld, hp_t, ldh, H, false});
                if (s > 0 || io.h0) B::gemm(false, true, batch, G, H, T(1), hp_t, ldh, w.w_hh.val, H, T(1), g_t, ldg);
            } else if (s > 0 || io.h0) {
                B::gemm(false, true, batch, G, H, T(1), h, h_ld, w.w_hh.val, H, T(1), g_t, ldg);
            }
            B::for_each_index(BH, LstmStepForward<T>{g_t, ldg, bias, c, c_ld, cell + t * H, grad ? tanh_cell + t * H : nullptr, ldh,
                                                     io.y + t * io.ldy, ldy, H, grad});
            h = io.y + t * io.ldy;
            h_ld = ldy;
            c = cell + t * H;
            c_ld = ldh;
        }
        B::for_each_index(BH, kernels::CopyMatrix<T>{h, h_ld, io.hn, H, H, false});
        B::for_each_index(BH, kernels::CopyMatrix<T>{c, c_ld, io.cn, H, H, false});
        if (!grad) return;

        T* dh = tape.scratch(BH);
        T* dc = tape.scratch(BH);
        tape.record([w, io, reverse, gate, cell, tanh_cell, h_prev, zeros, dh, dc] {
            backward<B>(w, io, reverse, gate, cell, tanh_cell, h_prev, zeros, dh, dc);
        });
    }

    template <class B, class T>
    static void backward(const CellWeights<T>& w, const CellIO<T>& io, bool reverse, T* gate, const T* cell,
                         const T* tanh_cell, const T* h_prev, const T* zeros, T* dh, T* dc) {
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 4 * H;
        const index rows = batch * steps, BH = batch * H, ldg = steps * G, ldh = steps * H, ldy = steps * io.ldy;
        if (io.dhn) B::copy(io.dhn, dh, BH);
        else B::zero(dh, BH);
        if (io.dcn) B::copy(io.dcn, dc, BH);
        else B::zero(dc, BH);
        for (index s = steps - 1; s >= 0; --s) {
            const index t = reverse ? steps - 1 - s : s;
            const index t_prev = reverse ? t + 1 : t - 1;
            const T* c_prev = s > 0 ? cell + t_prev * H : (io.c0 ? io.c0 : zeros);
            const index c_ld = s > 0 ? ldh : H;
            T* g_t = gate + t * G;
            B::for_each_index(BH, LstmStepBackward<T>{g_t, ldg, c_prev, c_ld, tanh_cell + t * H, ldh,
                                                      io.dy ? io.dy + t * io.ldy : nullptr, ldy, dh, dc, H});
            if (s > 0 || io.dh0) B::gemm(false, false, batch, H, G, T(1), g_t, ldg, w.w_hh.val, H, T(0), dh, H);
        }
        if (io.dh0) B::for_each_index(BH, kernels::CopyMatrix<T>{dh, H, io.dh0, H, H, true});
        if (io.dc0) B::for_each_index(BH, kernels::CopyMatrix<T>{dc, H, io.dc0, H, H, true});
        if (w.w_ih.adj) B::gemm(true, false, G, in, rows, T(1), gate, G, io.x, io.ldx, T(1), w.w_ih.adj, in);
        if (w.w_hh.adj) B::gemm(true, false, G, H, rows, T(1), gate, G, h_prev, H, T(1), w.w_hh.adj, H);
        if (w.b_ih.adj || w.b_hh.adj) B::for_each_index(G, kernels::ColumnSumsInto<T>{gate, rows, G, w.b_ih.adj, w.b_hh.adj});
        if (io.dx) B::gemm(false, false, rows, in, G, T(1), gate, G, w.w_ih.val, in, T(1), io.dx, io.ldx);
    }
};

template <>
struct GenericCell<GruCell> {
    template <class T, class B>
    static void run(Tape<T, B>& tape, const CellWeights<T>& w, const CellIO<T>& io, bool reverse, bool grad) {
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 3 * H;
        const index rows = batch * steps, BH = batch * H;
        T* gate = tape.scratch(rows * G);
        T* hidden = tape.scratch(rows * G);
        T* h_prev = tape.scratch(rows * H);
        T* zeros = nullptr;
        if (!io.h0) {
            zeros = tape.scratch(BH);
            B::zero(zeros, BH);
        }
        // As on the CPU (gru.hpp): beta = 0, b_ih joins in the step kernel.
        B::gemm(false, true, rows, G, in, T(1), io.x, io.ldx, w.w_ih.val, in, T(0), gate, G);

        const index ldg = steps * G, ldh = steps * H, ldy = steps * io.ldy;
        const T* h = io.h0 ? io.h0 : zeros;
        index h_ld = H;
        for (index s = 0; s < steps; ++s) {
            const index t = reverse ? steps - 1 - s : s;
            T* g_t = gate + t * G;
            T* hg_t = hidden + t * G;
            T* hp_t = h_prev + t * H;
            B::for_each_index(BH, kernels::CopyMatrix<T>{h, h_ld, hp_t, ldh, H, false});
            if (s > 0 || io.h0) B::gemm(false, true, batch, G, H, T(1), hp_t, ldh, w.w_hh.val, H, T(0), hg_t, ldg);
            else B::for_each_index(batch * G, kernels::FillMatrix<T>{hg_t, ldg, G, T(0)});
            B::for_each_index(BH, GruStepForward<T>{g_t, hg_t, ldg, w.b_ih.val, w.b_hh.val, hp_t, ldh, io.y + t * io.ldy, ldy, H});
            h = io.y + t * io.ldy;
            h_ld = ldy;
        }
        B::for_each_index(BH, kernels::CopyMatrix<T>{h, h_ld, io.hn, H, H, false});
        if (!grad) return;

        T* dh = tape.scratch(BH);
        tape.record([w, io, reverse, gate, hidden, h_prev, dh] { backward<B>(w, io, reverse, gate, hidden, h_prev, dh); });
    }

    template <class B, class T>
    static void backward(const CellWeights<T>& w, const CellIO<T>& io, bool reverse, T* gate, T* hidden,
                         const T* h_prev, T* dh) {
        const index batch = io.batch, steps = io.steps, in = io.in_width, H = io.hidden, G = 3 * H;
        const index rows = batch * steps, BH = batch * H, ldg = steps * G, ldh = steps * H, ldy = steps * io.ldy;
        if (io.dhn) B::copy(io.dhn, dh, BH);
        else B::zero(dh, BH);
        for (index s = steps - 1; s >= 0; --s) {
            const index t = reverse ? steps - 1 - s : s;
            T* g_t = gate + t * G;
            T* hg_t = hidden + t * G;
            B::for_each_index(BH, GruStepBackward<T>{g_t, hg_t, ldg, h_prev + t * H, ldh,
                                                     io.dy ? io.dy + t * io.ldy : nullptr, ldy, dh, H});
            if (s > 0 || io.dh0) B::gemm(false, false, batch, H, G, T(1), hg_t, ldg, w.w_hh.val, H, T(1), dh, H);
        }
        if (io.dh0) B::for_each_index(BH, kernels::CopyMatrix<T>{dh, H, io.dh0, H, H, true});
        if (w.w_ih.adj) B::gemm(true, false, G, in, rows, T(1), gate, G, io.x, io.ldx, T(1), w.w_ih.adj, in);
        if (w.w_hh.adj) B::gemm(true, false, G, H, rows, T(1), hidden, G, h_prev, H, T(1), w.w_hh.adj, H);
        if (w.b_ih.adj) B::for_each_index(G, kernels::ColumnSumsInto<T>{gate, rows, G, w.b_ih.adj, nullptr});
        if (w.b_hh.adj) B::for_each_index(G, kernels::ColumnSumsInto<T>{hidden, rows, G, w.b_hh.adj, nullptr});
        if (io.dx) B::gemm(false, false, rows, in, G, T(1), gate, G, w.w_ih.val, in, T(1), io.dx, io.ldx);
    }
};

}  // namespace canary::detail

// The device code path, run on the host. `HostDevice` is a test policy that declares itself a
// device backend but keeps host memory and Cpu's GEMM: every operation then takes the branch the
// CUDA policy takes (canary/autodiff/device_ops.hpp, the recurrent step bodies, the expression
// kernel bodies, the device Adam), with kernels run as sequential loops. Comparing with the Cpu
// policy checks the device algorithms here, without a GPU; tests/cuda checks the launches on one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <filesystem>

#include "canary/autodiff/ops.hpp"
#include "canary/io/state_dict.hpp"
#include "canary/autodiff/device_ops.hpp"
#include "canary/layers/activations.hpp"
#include "canary/layers/attention.hpp"
#include "canary/layers/bidirectional.hpp"
#include "canary/layers/conv1d.hpp"
#include "canary/layers/dropout.hpp"
#include "canary/layers/pooling.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/gru.hpp"
#include "canary/layers/lstm.hpp"
#include "canary/model/model.hpp"
#include "canary/layers/sequential.hpp"
#include "canary/core/rng.hpp"
#include "canary/layers/gat_conv.hpp"
#include "canary/layers/gcn_conv.hpp"
#include "canary/layers/layer_norm.hpp"
#include "canary/layers/multihead_attention.hpp"
#include "canary/layers/positional_encoding.hpp"
#include "canary/model/streaming.hpp"
#include "canary/layers/tcn.hpp"
#include "canary/layers/transformer_encoder.hpp"
#include "canary/layers/graph_pool.hpp"
#include "canary/layers/time_distributed.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"
#include "canary/models/srr.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"
#include "canary/train/trainer.hpp"

using canary::Cpu;
using canary::Shape;
using canary::Tape;
using canary::Var;
using idx = canary::index;

namespace {

/// A device policy in everything but memory: dispatches like canary::Cuda, runs on the host.
struct HostDevice : Cpu {
    static constexpr const char* name = "host-device";
    static constexpr bool on_device = true;
    template <class T>
    static void to_device(const T* host, T* dev, idx n) {
        if (n > 0) std::memcpy(dev, host, sizeof(T) * static_cast<std::size_t>(n));
    }
    template <class T>
    static void to_host(const T* dev, T* host, idx n) {
        if (n > 0) std::memcpy(host, dev, sizeof(T) * static_cast<std::size_t>(n));
    }
    /// Kernels as plain in-order loops (no independence hint: on the device the accumulations of
    /// broadcast adjoints are atomic, here they are sequential).
    template <class F>
    static void for_each_index(idx n, const F& body) {
        for (idx i = 0; i < n; ++i) body(i);
    }
    /// (row, column) bodies through the flat-index wrapper canary::Cuda uses.
    template <class F>
    static void for_each_row(idx rows, idx cols, const F& body) {
        if (cols > 0) for_each_index(rows * cols, canary::kernels::RowCol<F>{body, cols});
    }
    template <class T, class F>
    static void reduce(idx n, const F& f, T divisor, T* out) {
        T acc = T(0);
        for (idx k = 0; k < n; ++k) acc += f(k);
        out[0] = acc / divisor;
    }
};
static_assert(canary::is_device_backend_v<HostDevice> && !canary::is_device_backend_v<Cpu>);

std::vector<float> random_values(idx n, unsigned seed, float lo = -1.5f, float hi = 1.5f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = d(gen);
    return v;
}
std::vector<float> values(const Var<float>& v, bool adjoint = false) {
    std::vector<float> out;
    for (idx r = 0; r < v.rows(); ++r)
        for (idx c = 0; c < v.cols(); ++c) out.push_back(adjoint ? v.grad(r, c) : v(r, c));
    return out;
}
void expect_close(const std::vector<float>& a, const std::vector<float>& b, const std::string& what, float tol = 1e-6f) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol * (1.0f + std::abs(a[i]))) << what << " at " << i;
}

template <class Build>
void compare(const std::vector<Shape>& shapes, Build build, const std::string& what) {
    Tape<float, Cpu> ct;
    Tape<float, HostDevice> dt;
    std::vector<Var<float>> ci, di;
    unsigned seed = 3;
    for (const Shape& s : shapes) {
        const auto v = random_values(s.numel(), seed++);
        ci.push_back(ct.input(v.data(), s, true));
        di.push_back(dt.input(v.data(), s, true));
    }
    const Var<float> co = build(ct, ci), dout = build(dt, di);
    expect_close(values(co), values(dout), what + " forward");
    const auto g = random_values(co.numel(), 77);
    ct.backward(co, g.data());
    dt.backward(dout, g.data());
    for (std::size_t i = 0; i < ci.size(); ++i) expect_close(values(ci[i], true), values(di[i], true), what + " gradient " + std::to_string(i));
}

}  // namespace

TEST(DevicePath, ExpressionsAndOperations) {
    compare({Shape{7, 5}, Shape{1, 5}, Shape{7, 1}},
            [](auto& t, const auto& v) { return eval(t, tanh(v[0]) * exp(v[1]) + sigmoid(v[0]) * canary::per_row(v[2])); },
            "expression");
    compare({Shape{7, 5}}, [](auto& t, const auto& v) { return canary::mean(t, v[0]); }, "mean");
    compare({Shape{7, 5}}, [](auto& t, const auto& v) { return canary::sum_rows(t, v[0]); }, "sum_rows");
    compare({Shape{7, 5}}, [](auto& t, const auto& v) { return canary::sum_cols(t, v[0]); }, "sum_cols");
    compare({Shape{7, 5}}, [](auto& t, const auto& v) { return canary::softmax(t, v[0]); }, "softmax");
    compare({Shape{7, 5}, Shape{7, 2}}, [](auto& t, const auto& v) { return canary::concat_cols(t, v[0], v[1]); }, "concat");
    compare({Shape{2, 3, 5}, Shape{4, 5}, Shape{4}}, [](auto& t, const auto& v) { return canary::linear(t, v[0], v[1], v[2]); },
            "linear");
}

namespace {
template <class Net>
void compare_model(idx batch, idx steps, const std::string& what, float tol = 1e-5f) {
    canary::Model<Net, float, Cpu> cm(4);
    canary::Model<Net, float, HostDevice> dm(4);
    Tape<float, Cpu> ct;
    Tape<float, HostDevice> dt;
    const auto x = random_values(batch * (steps > 0 ? steps : 1) * Net::in_width, 8);
    const Shape s = steps > 0 ? Shape{batch, steps, Net::in_width} : Shape{batch, Net::in_width};
    auto cx = ct.input(x.data(), s, true);
    auto dx = dt.input(x.data(), s, true);
    auto co = cm.forward(ct, cx);
    auto dout = dm.forward(dt, dx);
    expect_close(values(co), values(dout), what + " forward", tol);
    const auto g = random_values(co.numel(), 9);
    ct.backward(co, g.data());
    dt.backward(dout, g.data());
    expect_close(values(cx, true), values(dx, true), what + " input gradient", tol);
    expect_close(std::vector<float>(cm.gradients(), cm.gradients() + Net::param_count),
                 std::vector<float>(dm.gradients(), dm.gradients() + Net::param_count), what + " parameter gradients", tol);
}
}  // namespace

TEST(DevicePath, RecurrentLayers) {
    compare_model<canary::LSTM<5, 8>>(3, 6, "LSTM");
    compare_model<canary::LSTM<5, 8, 2>>(3, 4, "stacked LSTM");
    compare_model<canary::GRU<5, 8>>(3, 6, "GRU");
    compare_model<canary::Bidirectional<canary::LSTM<5, 8>>>(2, 5, "BiLSTM");
    compare_model<canary::Bidirectional<canary::GRU<5, 8>>>(2, 5, "BiGRU");
}

TEST(DevicePath, RecurrentInitialStatesAndInference) {
    using Net = canary::LSTM<4, 6>;
    canary::Model<Net, float, Cpu> cm(2);
    canary::Model<Net, float, HostDevice> dm(2);
    Tape<float, Cpu> ct;
    Tape<float, HostDevice> dt;
    const auto x = random_values(2 * 3 * 4, 1), h0 = random_values(12, 2), c0 = random_values(12, 3);
    auto run = [&](auto& m, auto& t) {
        auto xv = t.input(x.data(), Shape{2, 3, 4}, true);
        auto hv = t.input(h0.data(), Shape{1, 2, 6}, true);
        auto cv = t.input(c0.data(), Shape{1, 2, 6}, true);
        auto out = m.forward(t, canary::with_state(xv, {hv, cv}));
        auto y = concat_cols(t, out.sequence.reshaped(Shape{1, 36}), concat_cols(t, out.state.h.reshaped(Shape{1, 12}),
                                                                                out.state.c.reshaped(Shape{1, 12})));
        const auto g = random_values(y.numel(), 4);
        t.backward(y, g.data());
        std::vector<float> all = values(y);
        for (const auto& v : {xv, hv, cv}) {
            const auto a = values(v, true);
            all.insert(all.end(), a.begin(), a.end());
        }
        return all;
    };
    expect_close(run(cm, ct), run(dm, dt), "LSTM with states");
    Tape<float, Cpu> ci(false);
    Tape<float, HostDevice> di(false);
    auto co = cm.forward(ci, ci.input(x.data(), Shape{2, 3, 4}));
    auto dout = dm.forward(di, di.input(x.data(), Shape{2, 3, 4}));
    expect_close(values(co), values(dout), "LSTM inference");
}

TEST(DevicePath, MlpTrainingWithAdamFollowsCpu) {
    using Net = canary::Sequential<canary::Dense<6, 16>, canary::ReLU, canary::Dense<16, 8>, canary::Tanh, canary::Dense<8, 1>>;
    canary::Model<Net, float, Cpu> cm(5);
    canary::Model<Net, float, HostDevice> dm(5);
    canary::Adam<float> co(1e-2f), dopt(1e-2f);
    Tape<float, Cpu> ct;
    Tape<float, HostDevice> dt;
    for (int s = 0; s < 20; ++s) {
        const auto x = random_values(32 * 6, 100 + static_cast<unsigned>(s));
        std::vector<float> y(32);
        for (int i = 0; i < 32; ++i) y[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(6 * i)] > 0 ? 1.0f : 0.0f;
        auto step = [&](auto& m, auto& t, auto& opt) {
            t.reset();
            auto loss = canary::bce_with_logits(t, m.forward(t, t.input(x.data(), Shape{32, 6})), t.input(y.data(), Shape{32, 1}));
            t.backward(loss);
            opt.step(m);
            return loss.val[0];
        };
        const float lc = step(cm, ct, co), ld = step(dm, dt, dopt);
        ASSERT_NEAR(lc, ld, 1e-5f * (1 + std::abs(lc))) << "step " << s;
    }
    expect_close(std::vector<float>(cm.parameters(), cm.parameters() + Net::param_count),
                 std::vector<float>(dm.parameters(), dm.parameters() + Net::param_count), "weights after training", 1e-5f);
}

TEST(DevicePath, ConvolutionPoolingAttention) {
    compare_model<canary::Conv1D<3, 5, 3>>(2, 9, "Conv1D");
    compare_model<canary::PaddedConv1D<3, 5, 3, 1>>(2, 9, "Conv1D padding 1");
    compare_model<canary::Conv1D<3, 4, 3, 2, 2>>(2, 11, "Conv1D stride 2 dilation 2");
    compare_model<canary::Sequential<canary::Conv1D<3, 4, 2>, canary::MaxPool1D<3, 2>>>(2, 12, "MaxPool1D overlapping");
    compare_model<canary::Sequential<canary::Conv1D<3, 4, 2>, canary::MaxPool1D<2>>>(2, 12, "MaxPool1D");
    compare_model<canary::Sequential<canary::Conv1D<3, 4, 2>, canary::AvgPool1D<3, 2>>>(2, 12, "AvgPool1D");
    compare_model<canary::TemporalAttention<6, 4>>(3, 7, "TemporalAttention");
    compare_model<canary::Sequential<canary::Dense<5, 6>, canary::Dropout>>(4, 0, "Dense + Dropout (same masks)");
}

TEST(DevicePath, PaperModelW1ForwardBackward) {
    compare_model<canary::models::cnn_bilstm_attention<16, 8, 8, 8>>(3, 12, "cnn_bilstm_attention (small widths)", 2e-5f);
    compare_model<canary::models::cnn_bilstm_attention<>>(2, 60, "cnn_bilstm_attention (paper widths)", 1e-4f);
}

namespace {
// Raw adjacency of `graphs` graphs of n nodes (as tests/layers/time_distributed_test.cpp).
std::vector<float> random_graphs(idx graphs, idx n, std::uint64_t seed) {
    canary::Rng rng(seed);
    std::vector<float> a(static_cast<std::size_t>(graphs * n * n), 0.0f);
    for (idx b = 0; b < graphs; ++b)
        for (idx j = 0; j < n; ++j)
            for (idx i = 0; i < n; ++i) {
                if (i == j || (b % 2 == 1 && (i == n - 1 || j == n - 1))) continue;
                if (rng.uniform() < 0.4) a[static_cast<std::size_t>((b * n + j) * n + i)] = static_cast<float>(rng.uniform(0.5, 1.0));
            }
    return a;
}

/// A graph model on (B, K, N, F) graph sequences (K == 0: a GraphBatch of B graphs) on both policies.
template <class Net, bool Sequence = false>
void compare_graph_model(idx batch, idx steps, idx nodes, bool csr, const std::string& what) {
    const idx graphs = batch * (steps > 0 ? steps : 1), F = Net::in_width;
    const auto raw = random_graphs(graphs, nodes, 11);
    const auto adj = csr ? canary::NormalizedAdjacency<float>::csr_from_dense(raw.data(), graphs, nodes)
                         : canary::NormalizedAdjacency<float>::dense(raw.data(), graphs, nodes);
    canary::Model<Net, float, Cpu> cm(6);
    canary::Model<Net, float, HostDevice> dm(6);
    Tape<float, Cpu> ct;
    Tape<float, HostDevice> dt;
    const auto x = random_values(graphs * nodes * F, 12);
    auto run = [&](auto& m, auto& t) {
        const Shape s = steps > 0 ? Shape{batch, steps, nodes, F} : Shape{graphs, nodes, F};
        auto xv = t.input(x.data(), s, true);
        Var<float> y;
        if constexpr (Sequence) y = m.forward(t, canary::GraphSequenceBatch<float>{xv, adj.view()});
        else y = m.forward(t, canary::GraphBatch<float>{xv, adj.view()});
        const auto g = random_values(y.numel(), 13);
        t.backward(y, g.data());
        std::vector<float> all = values(y), gx = values(xv, true);
        all.insert(all.end(), gx.begin(), gx.end());
        all.insert(all.end(), m.gradients(), m.gradients() + Net::param_count);
        return all;
    };
    expect_close(run(cm, ct), run(dm, dt), what, 1e-5f);
}
}  // namespace

TEST(DevicePath, GraphLayersAndPaperModelW2) {
    for (bool csr : {false, true}) {
        const std::string kind = csr ? " (CSR)" : " (dense)";
        compare_graph_model<canary::Sequential<canary::GCNConv<3, 5>, canary::ReLU, canary::GCNConv<5, 4>, canary::GlobalMeanPool>>(
            4, 0, 6, csr, "GCN + mean pool" + kind);
        compare_graph_model<canary::Sequential<canary::GCNConv<3, 5>, canary::GlobalMaxPool>>(4, 0, 6, csr, "GCN + max pool" + kind);
        compare_graph_model<canary::Sequential<canary::GCNConv<3, 5>, canary::GlobalSumPool>>(4, 0, 6, csr, "GCN + sum pool" + kind);
        compare_graph_model<canary::Sequential<canary::GATConv<3, 4, 2>, canary::ReLU, canary::GATConv<8, 3, 3, false>,
                                               canary::GlobalMeanPool>>(4, 0, 6, csr, "GAT + mean pool" + kind);
        compare_graph_model<canary::models::srr_temporal_gnn<7, 16>, true>(2, 5, 9, csr, "srr_temporal_gnn" + kind);
    }
}

TEST(DevicePath, NormalisationAttentionTransformerTcn) {
    compare_model<canary::LayerNorm<6>>(3, 5, "LayerNorm");
    compare_model<canary::MultiHeadAttention<8, 2>>(3, 5, "MultiHeadAttention");
    {
        canary::MultiHeadAttention<8, 2> causal;
        causal.causal = true;
        canary::Model<canary::MultiHeadAttention<8, 2>, float, Cpu> cm(1, causal);
        canary::Model<canary::MultiHeadAttention<8, 2>, float, HostDevice> dm(1, causal);
        Tape<float, Cpu> ct;
        Tape<float, HostDevice> dt;
        const auto x = random_values(3 * 5 * 8, 2);
        const std::uint8_t padding[15] = {0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1};
        auto cx = ct.input(x.data(), Shape{3, 5, 8}, true);
        auto dx = dt.input(x.data(), Shape{3, 5, 8}, true);
        auto co = cm.net().forward(ct, canary::ParamSpan<float>{cm.parameters(), cm.gradients(), cm.param_count}, cx, padding);
        auto dout = dm.net().forward(dt, canary::ParamSpan<float>{dm.parameters(), dm.gradients(), dm.param_count}, dx, padding);
        expect_close(values(co), values(dout), "masked attention forward");
        const auto g = random_values(co.numel(), 3);
        ct.backward(co, g.data());
        dt.backward(dout, g.data());
        expect_close(values(cx, true), values(dx, true), "masked attention input gradient");
    }
    compare_model<canary::TransformerEncoderLayer<8, 2, 16>>(3, 5, "TransformerEncoderLayer (dropout 0.1, same masks)");
    compare_model<canary::SinusoidalPositionalEncoding<6>>(2, 5, "SinusoidalPositionalEncoding");
    compare_model<canary::LearnedPositionalEncoding<6, 9>>(2, 5, "LearnedPositionalEncoding");
    compare_model<canary::TCN<3, 2, 4, 4>>(2, 12, "TCN");
}

TEST(DevicePath, FocalLossSgdClippingAndTheTrainer) {
    compare({Shape{9, 1}}, [](auto& t, const auto& v) {
        const std::vector<float> y{1, 0, 0, 1, 1, 0, 1, 0, 0};
        return canary::focal_loss(t, v[0], t.input(y.data(), Shape{9, 1}), 0.25f, 2.0f);
    }, "focal_loss");

    using Net = canary::Sequential<canary::Dense<6, 8>, canary::Tanh, canary::Dense<8, 1>>;
    for (int variant = 0; variant < 3; ++variant) {
        canary::Model<Net, float, Cpu> cm(9);
        canary::Model<Net, float, HostDevice> dm(9);
        canary::SGD<float> cs(0.05f, variant > 0 ? 0.9f : 0.0f, 0.01f, 0.0f, variant == 2);
        canary::SGD<float> ds(0.05f, variant > 0 ? 0.9f : 0.0f, 0.01f, 0.0f, variant == 2);
        Tape<float, Cpu> ct;
        Tape<float, HostDevice> dt;
        for (int s = 0; s < 5; ++s) {
            const auto x = random_values(16 * 6, 300 + static_cast<unsigned>(s));
            std::vector<float> y(16);
            for (int i = 0; i < 16; ++i) y[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(6 * i + 1)] > 0 ? 1.0f : 0.0f;
            auto step = [&](auto& m, auto& t, auto& opt) {
                t.reset();
                auto loss = canary::bce_with_logits(t, m.forward(t, t.input(x.data(), Shape{16, 6})), t.input(y.data(), Shape{16, 1}));
                t.backward(loss);
                const float norm = canary::clip_grad_norm(m, 0.5f);
                opt.step(m);
                return norm;
            };
            const float nc = step(cm, ct, cs), nd = step(dm, dt, ds);
            ASSERT_NEAR(nc, nd, 1e-6f * (1 + nc)) << "gradient norm, variant " << variant << " step " << s;
        }
        expect_close(std::vector<float>(cm.parameters(), cm.parameters() + Net::param_count),
                     std::vector<float>(dm.parameters(), dm.parameters() + Net::param_count), "SGD variant " + std::to_string(variant));
    }

    // fit_binary with early stopping, clipping and the finiteness guards.
    const idx n = 96, val_n = 32;
    const auto xs = random_values((n + val_n) * 6, 400);
    std::vector<float> ys(static_cast<std::size_t>(n + val_n));
    for (idx i = 0; i < n + val_n; ++i) ys[static_cast<std::size_t>(i)] = xs[static_cast<std::size_t>(6 * i)] + xs[static_cast<std::size_t>(6 * i + 2)] > 0 ? 1.0f : 0.0f;
    const canary::BinaryDataset<float> all(xs, ys, Shape{6});
    const canary::BinaryDataset<float> train = all.rows(0, n), val = all.rows(n, val_n);
    canary::FitOptions o;
    o.max_epochs = 4;
    o.batch_size = 16;
    o.learning_rate = 1e-2;
    canary::Model<Net, float, Cpu> cm(10);
    canary::Model<Net, float, HostDevice> dm(10);
    const auto hc = canary::fit_binary(cm, train, val, o);
    const auto hd = canary::fit_binary(dm, train, val, o);
    expect_close(std::vector<float>(hc.train_loss.begin(), hc.train_loss.end()),
                 std::vector<float>(hd.train_loss.begin(), hd.train_loss.end()), "fit_binary train loss");
    expect_close(std::vector<float>(cm.parameters(), cm.parameters() + Net::param_count),
                 std::vector<float>(dm.parameters(), dm.parameters() + Net::param_count), "fit_binary weights");
    const auto pc = canary::predict_proba(cm, val), pd = canary::predict_proba(dm, val);
    expect_close(std::vector<float>(pc.begin(), pc.end()), std::vector<float>(pd.begin(), pd.end()), "predict_proba");
}

TEST(DevicePath, StreamStepByStepFollowsCpu) {
    using Net = canary::Sequential<canary::Named<"rnn", canary::LSTM<5, 8, 2>>, canary::Tanh, canary::Dense<8, 2>>;
    canary::Model<Net, float, Cpu> cm(21);
    canary::Model<Net, float, HostDevice> dm(21);
    canary::Stream<Net, float, Cpu> cs(cm, 3);
    canary::Stream<Net, float, HostDevice> ds(dm, 3);
    for (int pass = 0; pass < 2; ++pass) {
        for (int t = 0; t < 6; ++t) {
            const auto day = random_values(3 * 5, 600 + static_cast<unsigned>(t));
            expect_close(values(cs.step(day.data())), values(ds.step(day.data())), "stream step " + std::to_string(t));
        }
        cs.reset();
        ds.reset();
    }
}

TEST(DevicePath, StateDictRoundTripsThroughTheHost) {
    using Net = canary::Sequential<canary::Dense<4, 6>, canary::ReLU, canary::Dense<6, 2>>;
    canary::Model<Net, float, HostDevice> dm(31);
    canary::Model<Net, float, Cpu> cm(99);
    const auto path = std::filesystem::temp_directory_path() / "canary_device_path_state.safetensors";
    canary::io::save_state_dict(dm, path);
    canary::io::load_state_dict(cm, path);
    expect_close(std::vector<float>(dm.parameters(), dm.parameters() + Net::param_count),
                 std::vector<float>(cm.parameters(), cm.parameters() + Net::param_count), "saved from the device policy", 0.0f);
    canary::Model<Net, float, HostDevice> back(5);
    canary::io::load_state_dict(back, path);
    expect_close(std::vector<float>(dm.parameters(), dm.parameters() + Net::param_count),
                 std::vector<float>(back.parameters(), back.parameters() + Net::param_count), "loaded into the device policy", 0.0f);
    std::filesystem::remove(path);
}

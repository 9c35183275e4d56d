// The CUDA backend against the CPU backend: every device result must equal the CPU result to
// float32 tolerance, forward and backward. Tests that need a device skip with the reason when none
// is visible; the no-device behaviour itself is tested here too (clear canary::error, no crash).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <filesystem>

#include "canary/autodiff/ops.hpp"
#include "canary/io/state_dict.hpp"
#include "canary/backend/cuda.hpp"
#include "canary/backend/cuda/adjacency.hpp"
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
#include "canary/models/srr.hpp"
#include "canary/layers/activations.hpp"
#include "canary/layers/attention.hpp"
#include "canary/layers/conv1d.hpp"
#include "canary/layers/pooling.hpp"
#include "canary/layers/bidirectional.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/gru.hpp"
#include "canary/layers/lstm.hpp"
#include "canary/model/model.hpp"
#include "canary/layers/sequential.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"
#include "canary/train/trainer.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"

using canary::Cpu;
using canary::Cuda;
using canary::Shape;
using canary::Tape;
using canary::Var;
using idx = canary::index;

#define CANARY_REQUIRE_GPU()                                                                         \
    do {                                                                                             \
        if (!canary::cuda::device_available())                                                       \
            GTEST_SKIP() << "GPU test skipped: " << canary::cuda::device_unavailable_reason();        \
    } while (0)

namespace {

std::vector<float> random_values(idx n, unsigned seed, float lo = -1.5f, float hi = 1.5f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = d(gen);
    return v;
}

/// The values (or adjoints) of a device Var, row by row, as a contiguous host vector.
std::vector<float> download(const Var<float>& v, bool adjoint = false) {
    std::vector<float> out(static_cast<std::size_t>(v.numel()));
    const float* base = adjoint ? v.adj : v.val;
    for (idx r = 0; r < v.rows(); ++r) Cuda::to_host(base + r * v.ld, out.data() + r * v.cols(), v.cols());
    return out;
}
std::vector<float> host_copy(const Var<float>& v, bool adjoint = false) {
    std::vector<float> out(static_cast<std::size_t>(v.numel()));
    for (idx r = 0; r < v.rows(); ++r)
        for (idx c = 0; c < v.cols(); ++c) out[static_cast<std::size_t>(r * v.cols() + c)] = adjoint ? v.grad(r, c) : v(r, c);
    return out;
}

void expect_close(const std::vector<float>& cpu, const std::vector<float>& gpu, float tol, const std::string& what) {
    ASSERT_EQ(cpu.size(), gpu.size()) << what;
    for (std::size_t i = 0; i < cpu.size(); ++i)
        ASSERT_NEAR(cpu[i], gpu[i], tol * (1.0f + std::abs(cpu[i]))) << what << " at " << i;
}

/// Runs build(tape, inputs) on both backends with the same inputs (all requiring gradients),
/// back-propagates the same upstream gradient, and compares the output and every input gradient.
template <class Build>
void compare_backends(const std::vector<Shape>& shapes, Build build, const std::string& what, float tol = 1e-5f) {
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    std::vector<Var<float>> cin, gin;
    unsigned seed = 7;
    for (const Shape& s : shapes) {
        const auto data = random_values(s.numel(), seed++);
        cin.push_back(ct.input(data.data(), s, true));
        gin.push_back(gt.input(data.data(), s, true));
    }
    const Var<float> cout = build(ct, cin);
    const Var<float> gout = build(gt, gin);
    expect_close(host_copy(cout), download(gout), tol, what + " forward");
    const auto seed_grad = random_values(cout.numel(), 99);
    ct.backward(cout, seed_grad.data());
    gt.backward(gout, seed_grad.data());
    for (std::size_t i = 0; i < cin.size(); ++i)
        expect_close(host_copy(cin[i], true), download(gin[i], true), tol, what + " gradient of input " + std::to_string(i));
}

}  // namespace

// ---- runs everywhere ---------------------------------------------------------------------------

TEST(CudaRuntime, DeviceQueryNeverThrows) {
    EXPECT_NO_THROW((void)canary::cuda::device_count());
    EXPECT_EQ(canary::cuda::device_available(), canary::cuda::device_count() > 0);
    if (!canary::cuda::device_available()) EXPECT_FALSE(canary::cuda::device_unavailable_reason().empty());
}

TEST(CudaRuntime, WithoutADeviceBuffersThrowACanaryErrorNamingTheCall) {
    if (canary::cuda::device_available()) GTEST_SKIP() << "a CUDA device is visible; this test covers the no-device case";
    try {
        canary::cuda::DeviceBuffer<float> b(16);
        FAIL() << "allocation without a device did not throw";
    } catch (const canary::cuda_error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("cudaMalloc"), std::string::npos) << msg;
        EXPECT_NE(msg.find("runtime.hpp:"), std::string::npos) << msg;
        EXPECT_NE(e.code(), 0);
    }
    Tape<float, Cuda> tape;
    EXPECT_THROW((void)tape.make(Shape{4, 4}, true), canary::error);
    using Net = canary::Sequential<canary::Dense<3, 4>, canary::ReLU, canary::Dense<4, 1>>;
    EXPECT_THROW((canary::Model<Net, float, Cuda>(1)), canary::error);
}

// ---- need a device ------------------------------------------------------------------------------

TEST(CudaRuntime, ImpossibleAllocationThrowsCudaError) {
    CANARY_REQUIRE_GPU();
    EXPECT_THROW(canary::cuda::DeviceBuffer<float>(idx{1} << 50), canary::cuda_error);
}

TEST(CudaRuntime, BufferRoundTrip) {
    CANARY_REQUIRE_GPU();
    const auto v = random_values(1000, 1);
    canary::cuda::DeviceBuffer<float> b(v.data(), 1000);
    std::vector<float> back(1000);
    b.download(back.data());
    EXPECT_EQ(v, back);
}

TEST(CudaGemm, MatchesCpuForEveryTransposeAndStride) {
    CANARY_REQUIRE_GPU();
    const idx m = 37, n = 29, k = 45, pad = 3;
    for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb)
            for (float beta : {0.0f, 1.0f, 0.5f}) {
                const idx ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
                const idx lda = ac + pad, ldb = bc + pad, ldc = n + pad;
                const auto a = random_values(ar * lda, 1), b = random_values(br * ldb, 2);
                auto c = random_values(m * ldc, 3);
                canary::cuda::DeviceBuffer<float> da(a.data(), ar * lda), db(b.data(), br * ldb), dc(c.data(), m * ldc);
                Cpu::gemm<float>(ta, tb, m, n, k, 1.25f, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
                Cuda::gemm<float>(ta, tb, m, n, k, 1.25f, da.data(), lda, db.data(), ldb, beta, dc.data(), ldc);
                std::vector<float> g(c.size());
                dc.download(g.data());
                for (idx r = 0; r < m; ++r)
                    for (idx col = 0; col < n; ++col)
                        ASSERT_NEAR(c[r * ldc + col], g[r * ldc + col], 1e-4f * (1 + std::abs(c[r * ldc + col])))
                            << "ta=" << ta << " tb=" << tb << " beta=" << beta;
            }
}

TEST(CudaGemm, StridedBatchedMatchesCpuLoop) {
    CANARY_REQUIRE_GPU();
    const idx count = 5, m = 7, n = 9, k = 11, lda = 13, ldb = 12, ldc = 10;
    for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb) {
            const idx sa = (ta ? k : m) * lda + 3, sb = (tb ? n : k) * ldb + 2, sc = m * ldc + 1;
            const auto a = random_values(count * sa, 1), b = random_values(count * sb, 2);
            auto c = random_values(count * sc, 3);
            canary::cuda::DeviceBuffer<float> da(a.data(), count * sa), db(b.data(), count * sb), dc(c.data(), count * sc);
            canary::gemm_strided_batched<Cpu>(count, ta, tb, m, n, k, 0.75f, a.data(), lda, sa, b.data(), ldb, sb, 1.0f, c.data(), ldc, sc);
            canary::gemm_strided_batched<Cuda>(count, ta, tb, m, n, k, 0.75f, da.data(), lda, sa, db.data(), ldb, sb, 1.0f, dc.data(), ldc, sc);
            std::vector<float> g(c.size());
            dc.download(g.data());
            expect_close(c, g, 1e-4f, "strided batched gemm ta=" + std::to_string(ta) + " tb=" + std::to_string(tb));
        }
}

TEST(CudaExpr, FusedExpressionMatchesCpuForwardAndBackward) {
    CANARY_REQUIRE_GPU();
    // (R, C) operands, a (1, C) bias broadcast over rows and a (R, 1) per-row operand: both
    // reducing adjoints (atomics on the device) are exercised.
    compare_backends({Shape{33, 20}, Shape{33, 20}, Shape{1, 20}, Shape{33, 1}},
                     [](auto& t, const std::vector<Var<float>>& v) {
                         using canary::per_row;
                         return eval(t, sigmoid(v[0]) * tanh(v[1]) + exp(v[2] * 0.5f) * per_row(v[3]) -
                                            relu(v[0] - v[1]) / (square(v[2]) + 1.0f) + gelu(v[1]) * softplus(v[0]));
                     },
                     "fused expression");
}

TEST(CudaExpr, StridedViewsAndLeavesWithoutGradient) {
    CANARY_REQUIRE_GPU();
    compare_backends({Shape{8, 6, 10}, Shape{48, 5}},
                     [](auto& t, const std::vector<Var<float>>& v) {
                         const Var<float> step = v[0].time_step(2);        // (8, 10) strided
                         const Var<float> frozen = v[1].row_block(0, 8).detached();  // (8, 5), no adjoint
                         return eval(t, tanh(step.col_block(0, 5)) * frozen + log(abs(step.col_block(5, 5)) + 1.0f));
                     },
                     "strided expression");
}

TEST(CudaOps, ReductionsSoftmaxConcatLinearMatmul) {
    CANARY_REQUIRE_GPU();
    compare_backends({Shape{17, 9}}, [](auto& t, const auto& v) { return canary::sum(t, v[0]); }, "sum", 1e-5f);
    compare_backends({Shape{17, 9}}, [](auto& t, const auto& v) { return canary::mean(t, v[0]); }, "mean");
    compare_backends({Shape{17, 9}}, [](auto& t, const auto& v) { return canary::sum_rows(t, v[0]); }, "sum_rows");
    compare_backends({Shape{17, 9}}, [](auto& t, const auto& v) { return canary::sum_cols(t, v[0]); }, "sum_cols");
    compare_backends({Shape{17, 9}}, [](auto& t, const auto& v) { return canary::softmax(t, v[0]); }, "softmax");
    compare_backends({Shape{17, 9}, Shape{17, 4}}, [](auto& t, const auto& v) { return canary::concat_cols(t, v[0], v[1]); },
                     "concat_cols");
    compare_backends({Shape{4, 6, 9}, Shape{5, 9}, Shape{5}},
                     [](auto& t, const auto& v) { return canary::linear(t, v[0], v[1], v[2]); }, "linear", 1e-4f);
    compare_backends({Shape{7, 9}, Shape{11, 9}},
                     [](auto& t, const auto& v) { return canary::matmul(t, v[0], v[1], false, true); }, "matmul", 1e-4f);
}

TEST(CudaLosses, BceWithLogitsAndMse) {
    CANARY_REQUIRE_GPU();
    auto targets = random_values(24, 5, 0.0f, 1.0f);
    for (auto& y : targets) y = y > 0.5f ? 1.0f : 0.0f;
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    const auto logits = random_values(24, 6, -4.0f, 4.0f);
    for (int which = 0; which < 2; ++which) {
        ct.reset();
        gt.reset();
        auto cx = ct.input(logits.data(), Shape{24, 1}, true);
        auto gx = gt.input(logits.data(), Shape{24, 1}, true);
        auto cy = ct.input(targets.data(), Shape{24, 1});
        auto gy = gt.input(targets.data(), Shape{24, 1});
        auto cl = which == 0 ? canary::bce_with_logits(ct, cx, cy, 2.0f) : canary::mse_loss(ct, cx, cy);
        auto gl = which == 0 ? canary::bce_with_logits(gt, gx, gy, 2.0f) : canary::mse_loss(gt, gx, gy);
        expect_close(host_copy(cl), download(gl), 1e-5f, "loss value");
        ct.backward(cl);
        gt.backward(gl);
        expect_close(host_copy(cx, true), download(gx, true), 1e-5f, "loss gradient");
    }
}

namespace {
using Mlp = canary::Sequential<canary::Dense<6, 16>, canary::ReLU, canary::Dense<16, 8>, canary::Tanh, canary::Dense<8, 1>>;

struct Batch {
    std::vector<float> x, y;
};
Batch make_batch(idx n, unsigned seed) {
    Batch b{random_values(n * 6, seed), std::vector<float>(static_cast<std::size_t>(n))};
    for (idx i = 0; i < n; ++i) b.y[static_cast<std::size_t>(i)] = b.x[static_cast<std::size_t>(i * 6)] + b.x[static_cast<std::size_t>(i * 6 + 1)] > 0 ? 1.0f : 0.0f;
    return b;
}
template <class B>
float step(canary::Model<Mlp, float, B>& m, Tape<float, B>& tape, canary::Adam<float>& opt, const Batch& b, idx n) {
    tape.reset();
    auto logits = m.forward(tape, tape.input(b.x.data(), Shape{n, 6}));
    auto loss = canary::bce_with_logits(tape, logits, tape.input(b.y.data(), Shape{n, 1}));
    tape.backward(loss);
    opt.step(m);
    float value = 0;
    if constexpr (canary::is_device_backend_v<B>) B::to_host(loss.val, &value, 1);
    else value = loss.val[0];
    return value;
}
}  // namespace

TEST(CudaModel, MlpForwardAndBackwardMatchCpu) {
    CANARY_REQUIRE_GPU();
    canary::Model<Mlp, float, Cpu> cm(3);
    canary::Model<Mlp, float, Cuda> gm(3);  // the same host initialisation, transferred
    std::vector<float> w(Mlp::param_count);
    Cuda::to_host(gm.parameters(), w.data(), Mlp::param_count);
    ASSERT_TRUE(std::equal(w.begin(), w.end(), cm.parameters()));
    const Batch b = make_batch(32, 11);
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    auto cl = canary::bce_with_logits(ct, cm.forward(ct, ct.input(b.x.data(), Shape{32, 6})), ct.input(b.y.data(), Shape{32, 1}));
    auto gl = canary::bce_with_logits(gt, gm.forward(gt, gt.input(b.x.data(), Shape{32, 6})), gt.input(b.y.data(), Shape{32, 1}));
    expect_close(host_copy(cl), download(gl), 1e-5f, "MLP loss");
    ct.backward(cl);
    gt.backward(gl);
    std::vector<float> g(Mlp::param_count);
    Cuda::to_host(gm.gradients(), g.data(), Mlp::param_count);
    expect_close(std::vector<float>(cm.gradients(), cm.gradients() + Mlp::param_count), g, 1e-4f, "MLP gradients");
}

TEST(CudaTraining, AdamOnTheDeviceFollowsTheCpuLossCurve) {
    CANARY_REQUIRE_GPU();
    canary::Model<Mlp, float, Cpu> cm(5);
    canary::Model<Mlp, float, Cuda> gm(5);
    canary::Adam<float> copt(1e-2f), gopt(1e-2f);
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    float first = 0, last = 0;
    for (int s = 0; s < 40; ++s) {
        const Batch b = make_batch(64, 100 + static_cast<unsigned>(s));
        const float lc = step(cm, ct, copt, b, 64);
        const float lg = step(gm, gt, gopt, b, 64);
        ASSERT_NEAR(lc, lg, 1e-3f * (1 + std::abs(lc))) << "step " << s;
        if (s == 0) first = lc;
        last = lc;
    }
    EXPECT_LT(last, first);  // it learns
    std::vector<float> w(Mlp::param_count);
    Cuda::to_host(gm.parameters(), w.data(), Mlp::param_count);
    expect_close(std::vector<float>(cm.parameters(), cm.parameters() + Mlp::param_count), w, 1e-3f, "weights after training");
}

namespace {
/// A layer on both backends from the same seed: output, input gradient and parameter gradients.
template <class Net>
void compare_layer(idx batch, idx steps, const std::string& what, float tol = 1e-4f) {
    canary::Model<Net, float, Cpu> cm(4);
    canary::Model<Net, float, Cuda> gm(4);
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    const auto x = random_values(batch * steps * Net::in_width, 8);
    auto cx = ct.input(x.data(), Shape{batch, steps, Net::in_width}, true);
    auto gx = gt.input(x.data(), Shape{batch, steps, Net::in_width}, true);
    auto co = cm.forward(ct, cx);
    auto go = gm.forward(gt, gx);
    expect_close(host_copy(co), download(go), tol, what + " forward");
    const auto g = random_values(co.numel(), 9);
    ct.backward(co, g.data());
    gt.backward(go, g.data());
    expect_close(host_copy(cx, true), download(gx, true), tol, what + " input gradient");
    std::vector<float> pg(Net::param_count);
    Cuda::to_host(gm.gradients(), pg.data(), Net::param_count);
    expect_close(std::vector<float>(cm.gradients(), cm.gradients() + Net::param_count), pg, tol, what + " parameter gradients");
}
}  // namespace

TEST(CudaLayers, RecurrentLayersMatchCpu) {
    CANARY_REQUIRE_GPU();
    compare_layer<canary::LSTM<16, 32>>(8, 20, "LSTM");
    compare_layer<canary::LSTM<16, 32, 2>>(4, 10, "stacked LSTM");
    compare_layer<canary::GRU<7, 32>>(8, 20, "GRU");
    compare_layer<canary::Bidirectional<canary::LSTM<32, 64>>>(4, 30, "BiLSTM (W1 shape)");
    compare_layer<canary::Bidirectional<canary::GRU<8, 16>>>(4, 10, "BiGRU");
}

TEST(CudaLayers, ConvolutionPoolingAttentionMatchCpu) {
    CANARY_REQUIRE_GPU();
    compare_layer<canary::PaddedConv1D<16, 32, 3, 1>>(8, 60, "Conv1D (W1 shape)");
    compare_layer<canary::Conv1D<3, 4, 3, 2, 2>>(2, 11, "Conv1D stride 2 dilation 2");
    compare_layer<canary::Sequential<canary::Conv1D<3, 4, 2>, canary::MaxPool1D<3, 2>>>(4, 12, "MaxPool1D overlapping");
    compare_layer<canary::Sequential<canary::Conv1D<3, 4, 2>, canary::MaxPool1D<2>>>(4, 12, "MaxPool1D");
    compare_layer<canary::Sequential<canary::Conv1D<3, 4, 2>, canary::AvgPool1D<3, 2>>>(4, 12, "AvgPool1D");
    compare_layer<canary::TemporalAttention<128, 64>>(8, 30, "TemporalAttention (W1 shape)");
}

TEST(CudaModels, PaperModelW1MatchesCpu) {
    CANARY_REQUIRE_GPU();
    compare_layer<canary::models::cnn_bilstm_attention<>>(16, 60, "cnn_bilstm_attention", 2e-4f);
}

TEST(CudaTraining, PaperModelW1FollowsTheCpuLossCurve) {
    CANARY_REQUIRE_GPU();
    using Net = canary::models::cnn_bilstm_attention<>;
    canary::Model<Net, float, Cpu> cm(7);
    canary::Model<Net, float, Cuda> gm(7);
    canary::Adam<float> copt(1e-3f), gopt(1e-3f);
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    const idx B = 16, T = 60, F = 16;
    for (int s = 0; s < 10; ++s) {
        const auto x = random_values(B * T * F, 200 + static_cast<unsigned>(s));
        std::vector<float> y(static_cast<std::size_t>(B));
        for (idx i = 0; i < B; ++i) y[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(i * T * F)] > 0 ? 1.0f : 0.0f;
        auto step = [&](auto& m, auto& tape, canary::Adam<float>& opt) {
            tape.reset();
            auto loss = canary::bce_with_logits(tape, m.forward(tape, tape.input(x.data(), Shape{B, T, F})),
                                                tape.input(y.data(), Shape{B, 1}));
            tape.backward(loss);
            opt.step(m);
            float v = 0;
            using Bk = typename std::remove_reference_t<decltype(tape)>::backend;
            if constexpr (canary::is_device_backend_v<Bk>) Bk::to_host(loss.val, &v, 1);
            else v = loss.val[0];
            return v;
        };
        const float lc = step(cm, ct, copt), lg = step(gm, gt, gopt);
        ASSERT_NEAR(lc, lg, 2e-3f * (1 + std::abs(lc))) << "step " << s;
    }
}

namespace {
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

/// A graph model on both backends (the adjacency uploaded for the device one): output, input and
/// parameter gradients. Sequence: (B, K, N, F) graph sequences; otherwise a GraphBatch of B graphs.
template <class Net, bool Sequence = false>
void compare_graph_model(idx batch, idx steps, idx nodes, bool csr, const std::string& what, float tol = 1e-4f) {
    const idx graphs = batch * (Sequence ? steps : 1), F = Net::in_width;
    const auto raw = random_graphs(graphs, nodes, 11);
    const auto adj = csr ? canary::NormalizedAdjacency<float>::csr_from_dense(raw.data(), graphs, nodes)
                         : canary::NormalizedAdjacency<float>::dense(raw.data(), graphs, nodes);
    const canary::cuda::DeviceAdjacency<float> dev_adj(adj.view());
    canary::Model<Net, float, Cpu> cm(6);
    canary::Model<Net, float, Cuda> gm(6);
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    const auto x = random_values(graphs * nodes * F, 12);
    auto run = [&](auto& m, auto& t, const canary::GcnAdjacency<float>& a, bool device) {
        const Shape s = Sequence ? Shape{batch, steps, nodes, F} : Shape{graphs, nodes, F};
        auto xv = t.input(x.data(), s, true);
        Var<float> y;
        if constexpr (Sequence) y = m.forward(t, canary::GraphSequenceBatch<float>{xv, a});
        else y = m.forward(t, canary::GraphBatch<float>{xv, a});
        const auto g = random_values(y.numel(), 13);
        t.backward(y, g.data());
        std::vector<float> all = device ? download(y) : host_copy(y);
        const auto gx = device ? download(xv, true) : host_copy(xv, true);
        all.insert(all.end(), gx.begin(), gx.end());
        std::vector<float> pg(Net::param_count);
        if (device) Cuda::to_host(m.gradients(), pg.data(), Net::param_count);
        else std::copy(m.gradients(), m.gradients() + Net::param_count, pg.begin());
        all.insert(all.end(), pg.begin(), pg.end());
        return all;
    };
    expect_close(run(cm, ct, adj.view(), false), run(gm, gt, dev_adj.view(), true), tol, what);
}
}  // namespace

TEST(CudaLayers, GraphLayersMatchCpu) {
    CANARY_REQUIRE_GPU();
    for (bool csr : {false, true}) {
        const std::string kind = csr ? " (CSR)" : " (dense)";
        compare_graph_model<canary::Sequential<canary::GCNConv<7, 32>, canary::ReLU, canary::GCNConv<32, 32>, canary::GlobalMeanPool>>(
            8, 0, 44, csr, "GCN + mean pool" + kind);
        compare_graph_model<canary::Sequential<canary::GCNConv<7, 16>, canary::GlobalMaxPool>>(8, 0, 44, csr, "GCN + max pool" + kind);
        compare_graph_model<canary::Sequential<canary::GCNConv<7, 16>, canary::GlobalSumPool>>(8, 0, 44, csr, "GCN + sum pool" + kind);
        compare_graph_model<canary::Sequential<canary::GATConv<7, 8, 4>, canary::ReLU, canary::GATConv<32, 16, 2, false>,
                                               canary::GlobalMeanPool>>(8, 0, 44, csr, "GAT + mean pool" + kind);
    }
}

TEST(CudaModels, PaperModelW2MatchesCpu) {
    CANARY_REQUIRE_GPU();
    for (bool csr : {false, true})
        compare_graph_model<canary::models::srr_temporal_gnn<7, 32>, true>(8, 5, 44, csr, csr ? "W2 (CSR)" : "W2 (dense)", 2e-4f);
}

TEST(CudaLayers, NormalisationAttentionTransformerTcnMatchCpu) {
    CANARY_REQUIRE_GPU();
    compare_layer<canary::LayerNorm<64>>(8, 30, "LayerNorm");
    compare_layer<canary::MultiHeadAttention<64, 4>>(8, 30, "MultiHeadAttention");
    compare_layer<canary::TransformerEncoderLayer<64, 4, 128>>(8, 30, "TransformerEncoderLayer (dropout 0.1)");
    compare_layer<canary::SinusoidalPositionalEncoding<16>>(4, 30, "SinusoidalPositionalEncoding");
    compare_layer<canary::LearnedPositionalEncoding<16, 60>>(4, 30, "LearnedPositionalEncoding");
    compare_layer<canary::TCN<16, 3, 32, 32>>(8, 60, "TCN");
}

TEST(CudaTraining, FocalLossSgdClippingAndTheTrainerFollowCpu) {
    CANARY_REQUIRE_GPU();
    compare_backends({Shape{64, 1}}, [](auto& t, const auto& v) {
        std::vector<float> y(64);
        for (std::size_t i = 0; i < y.size(); ++i) y[i] = i % 3 == 0 ? 1.0f : 0.0f;
        return canary::focal_loss(t, v[0], t.input(y.data(), Shape{64, 1}), 0.25f, 2.0f);
    }, "focal_loss");

    canary::Model<Mlp, float, Cpu> cm(9);
    canary::Model<Mlp, float, Cuda> gm(9);
    canary::SGD<float> cs(0.05f, 0.9f, 0.01f, 0.0f, true), gs(0.05f, 0.9f, 0.01f, 0.0f, true);
    Tape<float, Cpu> ct;
    Tape<float, Cuda> gt;
    for (int s = 0; s < 10; ++s) {
        const Batch b = make_batch(32, 300 + static_cast<unsigned>(s));
        auto step = [&](auto& m, auto& t, auto& opt) {
            t.reset();
            auto loss = canary::bce_with_logits(t, m.forward(t, t.input(b.x.data(), Shape{32, 6})), t.input(b.y.data(), Shape{32, 1}));
            t.backward(loss);
            const float norm = canary::clip_grad_norm(m, 0.5f);
            opt.step(m);
            return norm;
        };
        const float nc = step(cm, ct, cs), ng = step(gm, gt, gs);
        ASSERT_NEAR(nc, ng, 1e-4f * (1 + nc)) << "gradient norm at step " << s;
    }
    std::vector<float> w(Mlp::param_count);
    Cuda::to_host(gm.parameters(), w.data(), Mlp::param_count);
    expect_close(std::vector<float>(cm.parameters(), cm.parameters() + Mlp::param_count), w, 1e-3f, "SGD weights");

    const Batch data = make_batch(160, 500);
    const canary::BinaryDataset<float> all(data.x, data.y, Shape{6});
    const canary::BinaryDataset<float> train = all.rows(0, 128), val = all.rows(128, 32);
    canary::FitOptions o;
    o.max_epochs = 5;
    o.batch_size = 32;
    o.learning_rate = 1e-2;
    canary::Model<Mlp, float, Cpu> fc(10);
    canary::Model<Mlp, float, Cuda> fg(10);
    const auto hc = canary::fit_binary(fc, train, val, o);
    const auto hg = canary::fit_binary(fg, train, val, o);
    ASSERT_EQ(hc.train_loss.size(), hg.train_loss.size());
    for (std::size_t e = 0; e < hc.train_loss.size(); ++e)
        EXPECT_NEAR(hc.train_loss[e], hg.train_loss[e], 1e-3 * (1 + hc.train_loss[e])) << "epoch " << e;
}

TEST(CudaLayers, StreamStepByStepMatchesCpu) {
    CANARY_REQUIRE_GPU();
    using Net = canary::Sequential<canary::Named<"rnn", canary::LSTM<5, 8, 2>>, canary::Tanh, canary::Dense<8, 2>>;
    canary::Model<Net, float, Cpu> cm(21);
    canary::Model<Net, float, Cuda> gm(21);
    canary::Stream<Net, float, Cpu> cs(cm, 3);
    canary::Stream<Net, float, Cuda> gs(gm, 3);
    for (int t = 0; t < 6; ++t) {
        const auto day = random_values(3 * 5, 600 + static_cast<unsigned>(t));
        expect_close(host_copy(cs.step(day.data())), download(gs.step(day.data())), 1e-5f, "stream step " + std::to_string(t));
    }
}

TEST(CudaModel, StateDictRoundTripsThroughTheHost) {
    CANARY_REQUIRE_GPU();
    canary::Model<Mlp, float, Cuda> gm(31);
    canary::Model<Mlp, float, Cpu> cm(99);
    const auto path = std::filesystem::temp_directory_path() / "canary_cuda_state.safetensors";
    canary::io::save_state_dict(gm, path);
    canary::io::load_state_dict(cm, path);
    canary::Model<Mlp, float, Cpu> reference(31);
    expect_close(std::vector<float>(reference.parameters(), reference.parameters() + Mlp::param_count),
                 std::vector<float>(cm.parameters(), cm.parameters() + Mlp::param_count), 0.0f, "saved from the device");
    canary::Model<Mlp, float, Cuda> back(5);
    canary::io::load_state_dict(back, path);
    std::vector<float> w(Mlp::param_count);
    Cuda::to_host(back.parameters(), w.data(), Mlp::param_count);
    expect_close(std::vector<float>(reference.parameters(), reference.parameters() + Mlp::param_count), w, 0.0f, "loaded onto the device");
    std::filesystem::remove(path);
}

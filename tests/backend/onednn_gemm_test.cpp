// The CpuOneDnn policy (canary/backend/onednn.hpp) against the Eigen policy: the GEMM contract on
// every transpose combination, strided leading dimensions and beta 0 / 1 / other, and whole models
// giving the same outputs and gradients under both policies. Built against oneDNN only when CMake
// found it (target canary::onednn); otherwise every test is skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/baselines.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"

#if defined(CANARY_HAVE_ONEDNN)
#include "canary/backend/onednn.hpp"
#endif

#if defined(CANARY_HAVE_ONEDNN)


namespace {

std::vector<float> random_matrix(canary::index rows, canary::index ld, std::uint64_t seed) {
    canary::Rng rng(seed);
    std::vector<float> v(static_cast<std::size_t>(rows * ld));
    for (auto& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
    return v;
}

struct GemmCase {
    canary::index m, n, k;
};

// Runs both policies on one problem and compares C (max |diff| relative to the largest |C|).
void expect_same_gemm(const GemmCase& g, bool ta, bool tb, float alpha, float beta, canary::index pad) {
    const canary::index a_rows = ta ? g.k : g.m, a_cols = ta ? g.m : g.k;
    const canary::index b_rows = tb ? g.n : g.k, b_cols = tb ? g.k : g.n;
    const canary::index lda = a_cols + pad, ldb = b_cols + pad, ldc = g.n + pad;
    const auto a = random_matrix(a_rows, lda, 1), b = random_matrix(b_rows, ldb, 2);
    auto c_eigen = random_matrix(g.m, ldc, 3);
    if (beta == 0.f)  // the contract: beta == 0 never reads C
        for (auto& x : c_eigen) x = std::numeric_limits<float>::quiet_NaN();
    auto c_dnnl = c_eigen;
    canary::Cpu::gemm<float>(ta, tb, g.m, g.n, g.k, alpha, a.data(), lda, b.data(), ldb, beta, c_eigen.data(), ldc);
    canary::CpuOneDnn::gemm<float>(ta, tb, g.m, g.n, g.k, alpha, a.data(), lda, b.data(), ldb, beta, c_dnnl.data(), ldc);
    float scale = 1e-3f, worst = 0.f;
    for (canary::index i = 0; i < g.m; ++i)
        for (canary::index j = 0; j < g.n; ++j) {
            const float e = c_eigen[static_cast<std::size_t>(i * ldc + j)], d = c_dnnl[static_cast<std::size_t>(i * ldc + j)];
            ASSERT_FALSE(std::isnan(d)) << "NaN at (" << i << ", " << j << ")";
            scale = std::max(scale, std::fabs(e));
            worst = std::max(worst, std::fabs(e - d));
        }
    EXPECT_LE(worst, 2e-6f * scale * static_cast<float>(g.k)) << "m=" << g.m << " n=" << g.n << " k=" << g.k << " ta=" << ta
                                                               << " tb=" << tb << " alpha=" << alpha << " beta=" << beta;
    // Padding between rows is never written.
    for (canary::index i = 0; i < g.m; ++i)
        for (canary::index j = g.n; j < ldc; ++j) {
            const auto at = static_cast<std::size_t>(i * ldc + j);
            if (beta == 0.f) EXPECT_TRUE(std::isnan(c_dnnl[at]));
            else EXPECT_EQ(c_dnnl[at], c_eigen[at]);
        }
}

}  // namespace

TEST(OneDnnGemm, MatchesEigenOnAllTransposesStridesAndBetas) {
    // Above the small-GEMM threshold (oneDNN), just below it (Eigen) and a GEMV (Eigen).
    const GemmCase cases[] = {{37, 53, 29}, {64, 256, 64}, {20, 30, 40}, {1, 96, 80}};
    for (const auto& g : cases)
        for (int t = 0; t < 4; ++t)
            for (const float beta : {0.f, 1.f, 0.37f})
                for (const canary::index pad : {canary::index(0), canary::index(3)}) expect_same_gemm(g, t & 1, t & 2, t == 3 ? 1.5f : 1.f, beta, pad);
}

TEST(OneDnnGemm, TwoThreadsAgreeWithEigen) {
    canary::set_num_threads(2);
    for (int t = 0; t < 4; ++t) expect_same_gemm({256, 256, 96}, t & 1, t & 2, 1.f, 0.f, 1);  // above parallel_gemm_volume
    canary::set_num_threads(1);
}

TEST(OneDnnGemm, DoubleAndEmptyShapesGoToEigen) {
    std::vector<double> a(12, 1.0), b(12, 2.0), c(9, -1.0);
    canary::CpuOneDnn::gemm<double>(false, false, 3, 3, 4, 1.0, a.data(), 4, b.data(), 3, 0.0, c.data(), 3);
    for (double x : c) EXPECT_DOUBLE_EQ(x, 8.0);
    std::vector<float> cf(6, 2.f);
    canary::CpuOneDnn::gemm<float>(false, false, 2, 3, 0, 1.f, nullptr, 1, nullptr, 3, 0.5f, cf.data(), 3);
    for (float x : cf) EXPECT_FLOAT_EQ(x, 1.f);
}

namespace {

// Forward on a recording tape, backward with an upstream gradient of ones; returns outputs, the
// input gradient and the parameter gradients.
template <class Net, class Backend>
std::vector<std::vector<float>> run_model(canary::Shape in_shape, bool dropout) {
    canary::Model<Net, float, Backend> model(7);
    canary::Tape<float, Backend> tape(true, 3);
    tape.set_training(dropout);
    canary::Rng rng(5);
    std::vector<float> x(static_cast<std::size_t>(in_shape.numel()));
    for (auto& v : x) v = static_cast<float>(rng.normal());
    const auto xv = tape.input(x.data(), in_shape, true);
    const auto y = model.forward(tape, xv);
    const std::vector<float> ones(static_cast<std::size_t>(y.shape.numel()), 1.f);
    tape.backward(y, ones.data());
    return {std::vector<float>(y.val, y.val + y.shape.numel()), std::vector<float>(xv.adj, xv.adj + in_shape.numel()),
            std::vector<float>(model.gradients(), model.gradients() + model.param_count)};
}

template <class Net>
void expect_same_model(canary::Shape in_shape, bool dropout, float tol) {
    const auto e = run_model<Net, canary::Cpu>(in_shape, dropout);
    const auto d = run_model<Net, canary::CpuOneDnn>(in_shape, dropout);
    const char* what[] = {"output", "input gradient", "parameter gradients"};
    for (std::size_t part = 0; part < e.size(); ++part) {
        ASSERT_EQ(e[part].size(), d[part].size());
        float scale = 1e-3f, worst = 0.f;
        for (std::size_t i = 0; i < e[part].size(); ++i) {
            scale = std::max(scale, std::fabs(e[part][i]));
            worst = std::max(worst, std::fabs(e[part][i] - d[part][i]));
        }
        EXPECT_LE(worst, tol * scale) << what[part] << ": max |diff| " << worst << ", max |value| " << scale;
    }
}

}  // namespace

TEST(OneDnnGemm, DenseLstmNetMatchesEigenPolicy) {
    using Net = canary::Sequential<canary::Dense<16, 32>, canary::Tanh, canary::LSTM<32, 64>>;
    expect_same_model<Net>(canary::Shape{8, 20, 16}, false, 1e-4f);
}

TEST(OneDnnGemm, CnnBiLstmAttentionMatchesEigenPolicy) {  // W1: Conv1d, BiLSTM, attention
    expect_same_model<canary::models::cnn_bilstm_attention<>>(canary::Shape{16, 60, 16}, false, 1e-4f);
}

TEST(OneDnnGemm, TransformerMatchesEigenPolicy) {  // multi-head attention GEMMs, dropout on
    expect_same_model<canary::models::transformer_classifier>(canary::Shape{8, 60, 16}, true, 1e-4f);
}

#else

TEST(OneDnnGemm, SkippedWithoutOneDnn) { GTEST_SKIP() << "built without oneDNN (CMake target canary::onednn)"; }

#endif

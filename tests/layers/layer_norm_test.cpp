// LayerNorm: hand-computed normalisation, affine parameters, gradient checks on matrices and
// sequences, width errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "canary/canary.hpp"

using namespace canary;

TEST(LayerNorm, NormalisesEachRowWithBiasedVarianceAndEps) {
    Model<LayerNorm<4>, double> m(0);
    EXPECT_EQ(m.named_parameters()[0].name, "weight");
    EXPECT_EQ(m.named_parameters()[1].name, "bias");
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(m.parameters()[i], 1.0);  // torch init: ones and zeros
        EXPECT_EQ(m.parameters()[4 + i], 0.0);
    }
    Tape<double> t(false);
    const double x[] = {1, 2, 3, 4, 5, 5, 5, 5};
    auto y = m.forward(t, t.input(x, {1, 2, 4}));
    EXPECT_EQ(y.shape, (Shape{1, 2, 4}));
    // Row 0: mean 2.5, biased variance 1.25.
    const double rstd = 1.0 / std::sqrt(1.25 + 1e-5);
    EXPECT_NEAR(y.val[0], -1.5 * rstd, 1e-12);
    EXPECT_NEAR(y.val[3], 1.5 * rstd, 1e-12);
    // Row 1 is constant: (x - mean) = 0, eps keeps it finite.
    for (int i = 4; i < 8; ++i) EXPECT_EQ(y.val[i], 0.0);
}

TEST(LayerNorm, AppliesWeightAndBias) {
    Model<LayerNorm<2>, double> m(0, LayerNorm<2>(1e-3));
    const double p[] = {2, 3, 0.5, -0.5};
    std::copy(p, p + 4, m.parameters());
    Tape<double> t(false);
    const double x[] = {-1, 1};
    auto y = m.forward(t, t.input(x, {1, 2}));
    const double rstd = 1.0 / std::sqrt(1.0 + 1e-3);
    EXPECT_NEAR(y.val[0], -2 * rstd + 0.5, 1e-12);
    EXPECT_NEAR(y.val[1], 3 * rstd - 0.5, 1e-12);
}

TEST(LayerNorm, GradientChecks) {
    auto r = canary::testing::check_layer(LayerNorm<5>{}, Shape{3, 5});
    EXPECT_TRUE(r.ok()) << r.str();
    auto r3 = canary::testing::check_layer(LayerNorm<6>{}, Shape{2, 7, 6});
    EXPECT_TRUE(r3.ok()) << r3.str();
    // Random weight and bias, so that the weight really enters the input gradient.
    Model<LayerNorm<4>, double> m(0);
    Rng rng(3);
    for (int i = 0; i < 8; ++i) m.parameters()[i] = rng.uniform(-1, 1);
    std::vector<double> x(2 * 3 * 4), gx(x.size());
    for (auto& v : x) v = rng.uniform(-2, 2);
    std::vector<canary::testing::Probe> probes{{"x", x.data(), gx.data(), 24},
                                               {"params", m.parameters(), m.gradients(), 8}};
    auto rg = canary::testing::check_gradients(
        [&](Tape<double>& t) { return m.forward(t, Var<double>{x.data(), gx.data(), Shape{2, 3, 4}, 4}); },
        std::span<canary::testing::Probe>(probes));
    EXPECT_TRUE(rg.ok()) << rg.str();
}

TEST(LayerNorm, WrongWidthThrowsNamingTheLayer) {
    Model<LayerNorm<8>, float> m;
    Tape<float> t(false);
    std::vector<float> x(30, 0.0f);
    try {
        m.forward(t, t.input(x.data(), {2, 3, 5}));
        FAIL();
    } catch (const shape_error& e) {
        EXPECT_NE(std::string(e.what()).find("LayerNorm<8>"), std::string::npos) << e.what();
    }
    EXPECT_THROW(LayerNorm<8>(0.0), config_error);
}

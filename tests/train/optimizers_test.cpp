#include <gtest/gtest.h>

#include <cmath>

#include "canary/train/optimizers.hpp"

using namespace canary;

TEST(SGD, MomentumWeightDecayAndNesterovByHand) {
    double p[] = {1.0}, g[] = {0.5};
    SGD<double> sgd(0.1, 0.9, 0.01);
    sgd.step(p, g, 1);  // d = 0.5 + 0.01 = 0.51; buf = 0.51; p = 1 - 0.051
    EXPECT_NEAR(p[0], 0.949, 1e-15);
    sgd.step(p, g, 1);  // d = 0.5 + 0.00949; buf = 0.9 * 0.51 + d
    EXPECT_NEAR(p[0], 0.949 - 0.1 * (0.9 * 0.51 + 0.50949), 1e-15);

    double q[] = {1.0};
    SGD<double> nesterov(0.1, 0.5, 0.0, 0.0, true);
    nesterov.step(q, g, 1);  // buf = 0.5; d = 0.5 + 0.5 * 0.5
    EXPECT_NEAR(q[0], 1.0 - 0.075, 1e-15);
    EXPECT_THROW(SGD<double>(0.1, 0.0, 0.0, 0.0, true), config_error);
}

TEST(Adam, FirstStepIsLearningRateTimesSignAndBiasCorrectionHolds) {
    double p[] = {1.0, -2.0}, g[] = {3.0, -0.001};
    Adam<double> adam(0.01);
    adam.step(p, g, 2);
    EXPECT_NEAR(p[0], 1.0 - 0.01 * 3.0 / (3.0 + 1e-8), 1e-12);
    EXPECT_NEAR(p[1], -2.0 + 0.01 * 0.001 / (0.001 + 1e-8), 1e-12);
    // Second step by the formula.
    const double g2 = 1.0;
    double m = 0.1 * 3.0, v = 0.001 * 9.0;
    m = 0.9 * m + 0.1 * g2;
    v = 0.999 * v + 0.001 * g2 * g2;
    const double expected = p[0] - (0.01 / (1 - 0.81)) * m / (std::sqrt(v) / std::sqrt(1 - 0.999 * 0.999) + 1e-8);
    double g_next[] = {g2, 0.0};
    adam.step(p, g_next, 2);
    EXPECT_NEAR(p[0], expected, 1e-12);
    EXPECT_EQ(adam.steps_taken(), 2);
}

TEST(AdamW, DecoupledDecayShrinksParametersWithZeroGradient) {
    double p[] = {2.0}, g[] = {0.0};
    AdamW<double> w(0.1, 0.9, 0.999, 1e-8, 0.5);
    w.step(p, g, 1);
    EXPECT_NEAR(p[0], 2.0 * (1 - 0.05), 1e-15);
    Adam<double> coupled(0.1, 0.9, 0.999, 1e-8, 0.5);  // coupled decay acts through the moments
    double q[] = {2.0};
    coupled.step(q, g, 1);
    EXPECT_NEAR(q[0], 2.0 - 0.1, 1e-7);
}

TEST(ClipGradNorm, ScalesOnlyAboveTheLimit) {
    double g[] = {3.0, 4.0};
    EXPECT_DOUBLE_EQ(clip_grad_norm(g, 2, 10.0), 5.0);
    EXPECT_DOUBLE_EQ(g[0], 3.0);
    clip_grad_norm(g, 2, 1.0);
    EXPECT_NEAR(std::hypot(g[0], g[1]), 1.0, 1e-6);
    EXPECT_NEAR(g[0] / g[1], 0.75, 1e-15);
}

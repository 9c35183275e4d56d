#include <gtest/gtest.h>

#include <cmath>

#include "canary/canary.hpp"

using namespace canary;

TEST(Dense, ComputesXWTransposePlusBias) {
    Model<Dense<3, 2>, double> m(1);
    double* p = m.parameters();  // weight (2, 3) then bias (2)
    const double w[] = {1, 2, 3, -1, 0, 1}, b[] = {0.5, -0.5};
    std::copy(w, w + 6, p);
    std::copy(b, b + 2, p + 6);
    Tape<double> t(false);
    double x[] = {1, 1, 1, 2, 0, -1};
    auto y = m.forward(t, t.input(x, {2, 3}));
    EXPECT_DOUBLE_EQ(y(0, 0), 6.5);
    EXPECT_DOUBLE_EQ(y(0, 1), -0.5);
    EXPECT_DOUBLE_EQ(y(1, 0), -0.5);
    EXPECT_DOUBLE_EQ(y(1, 1), -3.5);
}

TEST(Dense, GradientCheckOnMatrixAndSequenceInputs) {
    auto r = canary::testing::check_layer(Dense<4, 3>{}, Shape{5, 4});
    EXPECT_TRUE(r.ok()) << r.str();
    auto r3 = canary::testing::check_layer(Dense<4, 3>{}, Shape{2, 3, 4});
    EXPECT_TRUE(r3.ok()) << r3.str();
    auto nb = canary::testing::check_layer(Dense<4, 3, false>{}, Shape{5, 4});
    EXPECT_TRUE(nb.ok()) << nb.str();
}

TEST(Dense, InitialisationFollowsTorchBoundsAndSeed) {
    Model<Dense<16, 8>, float> a(3), b(3), c(4);
    const float bound = 1.0f / 4.0f;  // 1/sqrt(16)
    float max_abs = 0;
    for (canary::index i = 0; i < a.param_count; ++i) {
        EXPECT_EQ(a.parameters()[i], b.parameters()[i]);
        max_abs = std::max(max_abs, std::abs(a.parameters()[i]));
    }
    EXPECT_LE(max_abs, bound);
    EXPECT_GT(max_abs, 0.8f * bound);  // really spread over the interval
    EXPECT_NE(a.parameters()[0], c.parameters()[0]);
}

TEST(Dense, WrongRuntimeWidthThrowsNamingTheLayer) {
    Model<Dense<4, 3>, float> m;
    Tape<float> t(false);
    float x[10] = {};
    try {
        m.forward(t, t.input(x, {2, 5}));
        FAIL();
    } catch (const shape_error& e) {
        EXPECT_NE(std::string(e.what()).find("Dense<4, 3>"), std::string::npos) << e.what();
    }
}

TEST(Activations, GradientChecks) {
    EXPECT_TRUE(canary::testing::check_layer(ReLU{}, Shape{3, 7}).ok());
    EXPECT_TRUE(canary::testing::check_layer(Sigmoid{}, Shape{3, 7}).ok());
    EXPECT_TRUE(canary::testing::check_layer(Tanh{}, Shape{3, 7}).ok());
    EXPECT_TRUE(canary::testing::check_layer(GELU{}, Shape{3, 7}).ok());
    EXPECT_TRUE(canary::testing::check_layer(LeakyReLU{0.2}, Shape{3, 7}).ok());
}

TEST(Dropout, InvertedScalingDeterministicMaskAndIdentityInInference) {
    Model<Dropout, float> m(0, Dropout(0.25));
    std::vector<float> ones(4000, 1.0f);
    Tape<float> t1(true, 99), t2(true, 99), t3(false);
    auto y1 = m.forward(t1, t1.input(ones.data(), {40, 100}));
    auto y2 = m.forward(t2, t2.input(ones.data(), {40, 100}));
    int zeros = 0;
    for (canary::index i = 0; i < 4000; ++i) {
        ASSERT_EQ(y1.val[i], y2.val[i]);
        if (y1.val[i] == 0.0f) ++zeros;
        else ASSERT_FLOAT_EQ(y1.val[i], 1.0f / 0.75f);
    }
    EXPECT_NEAR(zeros / 4000.0, 0.25, 0.03);
    auto y3 = m.forward(t3, t3.input(ones.data(), {40, 100}));
    for (canary::index i = 0; i < 4000; ++i) ASSERT_EQ(y3.val[i], 1.0f);
    EXPECT_THROW(Dropout(1.0), config_error);
    // Under a fixed mask (the checker reseeds the tape) the gradient is exact.
    auto r = canary::testing::check_layer(Dropout(0.3), Shape{4, 6});
    EXPECT_TRUE(r.ok()) << r.str();
}

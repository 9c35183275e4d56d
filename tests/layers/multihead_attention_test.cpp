#include <gtest/gtest.h>

#include "canary/canary.hpp"
#include "canary/layers/multihead_attention.hpp"
#include "canary/layers/positional_encoding.hpp"

using namespace canary;

TEST(MultiHeadAttention, GradientCheck) {
    auto r = canary::testing::check_layer(MultiHeadAttention<8, 2>{}, Shape{2, 5, 8});
    EXPECT_TRUE(r.ok()) << r.str();
    MultiHeadAttention<8, 4> causal;
    causal.causal = true;
    auto rc = canary::testing::check_layer(causal, Shape{3, 4, 8});
    EXPECT_TRUE(rc.ok()) << rc.str();
}

TEST(MultiHeadAttention, CausalMaskHidesTheFuture) {
    // With a causal mask the output at t must not change when inputs after t change.
    MultiHeadAttention<8, 2> layer;
    layer.causal = true;
    Model<MultiHeadAttention<8, 2>, double> m(1, layer);
    std::vector<double> x(1 * 6 * 8);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7 * static_cast<double>(i));
    Tape<double> t(false);
    auto y1 = m.forward(t, t.input(x.data(), Shape{1, 6, 8}));
    std::vector<double> before(y1.val, y1.val + 48);
    for (std::size_t i = 4 * 8; i < x.size(); ++i) x[i] += 3.0;  // change steps 4 and 5
    auto y2 = m.forward(t, t.input(x.data(), Shape{1, 6, 8}));
    for (int i = 0; i < 4 * 8; ++i) EXPECT_DOUBLE_EQ(y2.val[i], before[static_cast<std::size_t>(i)]);
    EXPECT_NE(y2.val[5 * 8], before[5 * 8]);
}

TEST(MultiHeadAttention, KeyPaddingMaskIgnoresPaddedKeysAndRejectsFullyMaskedRows) {
    Model<MultiHeadAttention<4, 1>, double> m(2);
    std::vector<double> x(2 * 3 * 4);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1 * static_cast<double>(i % 7);
    std::uint8_t pad[6] = {0, 0, 1, 0, 0, 0};
    Tape<double> t(false);
    double* probs = nullptr;
    m.net().forward(t, ParamSpan<double>{m.parameters(), nullptr, m.param_count}, t.input(x.data(), Shape{2, 3, 4}), pad,
                    &probs);
    ASSERT_NE(probs, nullptr);
    for (int q = 0; q < 3; ++q) EXPECT_EQ(probs[q * 3 + 2], 0.0) << "query " << q << " attends to a padded key";
    std::uint8_t all[6] = {1, 1, 1, 0, 0, 0};
    EXPECT_THROW(m.net().forward(t, ParamSpan<double>{m.parameters(), nullptr, m.param_count},
                                 t.input(x.data(), Shape{2, 3, 4}), all),
                 shape_error);
}

TEST(PositionalEncoding, SinusoidalValuesAndGradients) {
    Model<SinusoidalPositionalEncoding<4>, double> m;
    std::vector<double> x(2 * 3 * 4, 0.0);
    Tape<double> t(false);
    auto y = m.forward(t, t.input(x.data(), Shape{2, 3, 4}));
    EXPECT_NEAR(y(1 * 3 + 2, 0), std::sin(2.0), 1e-15);
    EXPECT_NEAR(y(2, 1), std::cos(2.0), 1e-15);
    EXPECT_NEAR(y(2, 2), std::sin(2.0 / 100.0), 1e-15);
    EXPECT_TRUE(canary::testing::check_layer(SinusoidalPositionalEncoding<6>{}, Shape{2, 5, 6}).ok());
    auto r = canary::testing::check_layer(LearnedPositionalEncoding<6, 10>{}, Shape{2, 5, 6});
    EXPECT_TRUE(r.ok()) << r.str();
}

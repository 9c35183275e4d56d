// GRU: hand-checked values (b_hn inside the reset product), gradient checks (plain, stacked, with
// initial state, T = 1, B = 1), torch naming and shape errors.
#include <gtest/gtest.h>

#include <cmath>

#include "canary/canary.hpp"
#include "rnn_test_support.hpp"

using namespace canary;

namespace {
double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }
}  // namespace

TEST(GRU, HandCheckedTinyValues) {
    Model<GRU<1, 1>, double> m;
    // weight_ih (3, 1), weight_hh (3, 1), bias_ih (3), bias_hh (3); gates [r z n].
    const double values[] = {0.5, -0.5, 1.0, 0.1, 0.2, -0.3, 0.0, 0.1, 0.2, 0.1, 0.0, 0.3};
    std::copy(values, values + 12, m.parameters());
    Tape<double> tape(false);
    double x[] = {1.0, -2.0};
    auto out = m.forward(tape, with_state(tape.input(x, Shape{1, 2, 1})));
    auto step = [](double xt, double h) {
        const double r = sigmoid(0.5 * xt + 0.0 + 0.1 * h + 0.1);
        const double z = sigmoid(-0.5 * xt + 0.1 + 0.2 * h + 0.0);
        const double n = std::tanh(1.0 * xt + 0.2 + r * (-0.3 * h + 0.3));  // b_hn = 0.3 inside r * (...)
        return (1 - z) * n + z * h;
    };
    const double h1 = step(1.0, 0.0), h2 = step(-2.0, h1);
    EXPECT_NEAR(out.sequence.val[0], h1, 1e-12);
    EXPECT_NEAR(out.sequence.val[1], h2, 1e-12);
    EXPECT_NEAR(h1, 0.5292288687717568, 1e-14);  // torch, float64
    EXPECT_NEAR(h2, 0.19014879702926346, 1e-14);
    EXPECT_EQ(out.state.h.val[0], out.sequence.val[1]);
    EXPECT_EQ(out.state.c.val, nullptr);
}

TEST(GRU, GradientCheck) {
    auto r = rnn_test::check(GRU<3, 4>{}, Shape{2, 5, 3});
    EXPECT_TRUE(r.ok()) << r.str();
    auto one_step = rnn_test::check(GRU<3, 4>{}, Shape{3, 1, 3});
    EXPECT_TRUE(one_step.ok()) << one_step.str();
    auto one_sequence = rnn_test::check(GRU<3, 4>{}, Shape{1, 6, 3});
    EXPECT_TRUE(one_sequence.ok()) << one_sequence.str();
    auto stacked = rnn_test::check(GRU<3, 4, 3>{}, Shape{2, 4, 3});
    EXPECT_TRUE(stacked.ok()) << stacked.str();
}

TEST(GRU, GradientCheckThroughInitialAndFinalStates) {
    using rnn_test::Output;
    for (Output o : {Output::sequence, Output::final_h}) {
        auto r = rnn_test::check_with_state<GRU<3, 4>>(o, 2, 5);
        EXPECT_TRUE(r.ok()) << int(o) << ": " << r.str();
        auto stacked = rnn_test::check_with_state<GRU<3, 4, 2>>(o, 2, 3);
        EXPECT_TRUE(stacked.ok()) << int(o) << ": " << stacked.str();
        auto one_step = rnn_test::check_with_state<GRU<3, 4>>(o, 1, 1);
        EXPECT_TRUE(one_step.ok()) << int(o) << ": " << one_step.str();
    }
}

TEST(GRU, TorchNamesAndShapes) {
    static_assert(GRU<32, 32>::param_count == 3 * 32 * (32 + 32 + 2));  // torch: 6336
    Model<GRU<7, 5, 2>, float> m;
    const auto& p = m.named_parameters();
    ASSERT_EQ(p.size(), 8u);
    EXPECT_EQ(p[0].name, "weight_ih_l0");
    EXPECT_EQ(p[0].shape, (Shape{15, 7}));
    EXPECT_EQ(p[1].shape, (Shape{15, 5}));
    EXPECT_EQ(p[4].name, "weight_ih_l1");
    EXPECT_EQ(p[4].shape, (Shape{15, 5}));
    EXPECT_EQ(p[6].name, "bias_ih_l1");
    EXPECT_EQ((GRU<7, 5>{}.name()), "GRU<7, 5>");
}

TEST(GRU, RejectsACellStateAndWrongWidths) {
    Model<GRU<3, 4>, float> m;
    Tape<float> tape(false);
    std::vector<float> x(40, 0.1f);
    const Var<float> seq = tape.input(x.data(), Shape{2, 5, 3});
    const Var<float> h = tape.input(x.data(), Shape{1, 2, 4});
    EXPECT_THROW(m.forward(tape, with_state(seq, {h, h})), shape_error);
    EXPECT_THROW(m.forward(tape, tape.input(x.data(), Shape{2, 5, 4})), shape_error);
    EXPECT_NO_THROW(m.forward(tape, with_state(seq, {h, {}})));
}

// LSTM: hand-checked values, gradient checks (plain, stacked, with initial state, T = 1, B = 1),
// torch naming, initialisation and runtime shape errors.
#include <gtest/gtest.h>

#include <cmath>

#include "canary/canary.hpp"
#include "rnn_test_support.hpp"

using namespace canary;

namespace {
// LSTM<1, 1>: weight_ih (4, 1), weight_hh (4, 1), bias_ih (4), bias_hh (4), gates [i f g o].
void set_tiny_lstm(double* p) {
    const double values[] = {0.5, -0.5, 1.0, 0.25,   // weight_ih
                             0.1, 0.2,  -0.3, 0.4,   // weight_hh
                             0.0, 0.1,  0.0, 0.0,    // bias_ih
                             0.1, 0.0,  0.0, -0.1};  // bias_hh
    std::copy(values, values + 16, p);
}
double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }
}  // namespace

TEST(LSTM, HandCheckedTinyValues) {
    Model<LSTM<1, 1>, double> m;
    set_tiny_lstm(m.parameters());
    Tape<double> tape(false);
    double x[] = {1.0, -2.0};
    auto out = m.forward(tape, with_state(tape.input(x, Shape{1, 2, 1})));
    // Step 0 from zeros: a = x W_ih + b_ih + b_hh = [0.6, -0.4, 1.0, 0.15].
    const double c1 = sigmoid(0.6) * std::tanh(1.0);
    const double h1 = sigmoid(0.15) * std::tanh(c1);
    EXPECT_NEAR(out.sequence.val[0], h1, 1e-12);
    EXPECT_NEAR(h1, 0.24484599866828824, 1e-14);  // torch, float64
    // Step 1: a = -2 W_ih + h1 W_hh + b.
    const double ai = -1.0 + 0.1 * h1 + 0.1, af = 1.0 + 0.2 * h1 + 0.1, ag = -2.0 - 0.3 * h1,
                 ao = -0.5 + 0.4 * h1 - 0.1;
    const double c2 = sigmoid(af) * c1 + sigmoid(ai) * std::tanh(ag);
    const double h2 = sigmoid(ao) * std::tanh(c2);
    EXPECT_NEAR(out.sequence.val[1], h2, 1e-12);
    EXPECT_NEAR(h2, 0.03325610035006384, 1e-14);  // torch, float64
    EXPECT_NEAR(out.state.c.val[0], 0.08842907222274221, 1e-14);
    EXPECT_EQ(out.state.h.val[0], out.sequence.val[1]);
    EXPECT_EQ(out.state.h.shape, (Shape{1, 1, 1}));
}

TEST(LSTM, GradientCheck) {
    auto r = rnn_test::check(LSTM<3, 4>{}, Shape{2, 5, 3});
    EXPECT_TRUE(r.ok()) << r.str();
    auto one_step = rnn_test::check(LSTM<3, 4>{}, Shape{3, 1, 3});
    EXPECT_TRUE(one_step.ok()) << one_step.str();
    auto one_sequence = rnn_test::check(LSTM<3, 4>{}, Shape{1, 6, 3});
    EXPECT_TRUE(one_sequence.ok()) << one_sequence.str();
    auto stacked = rnn_test::check(LSTM<3, 4, 3>{}, Shape{2, 4, 3});
    EXPECT_TRUE(stacked.ok()) << stacked.str();
}

TEST(LSTM, GradientCheckThroughInitialAndFinalStates) {
    using rnn_test::Output;
    for (Output o : {Output::sequence, Output::final_h, Output::final_c}) {
        auto r = rnn_test::check_with_state<LSTM<3, 4>>(o, 2, 5);
        EXPECT_TRUE(r.ok()) << int(o) << ": " << r.str();
        auto stacked = rnn_test::check_with_state<LSTM<3, 4, 2>>(o, 2, 3);
        EXPECT_TRUE(stacked.ok()) << int(o) << ": " << stacked.str();
        auto one_step = rnn_test::check_with_state<LSTM<3, 4>>(o, 1, 1);
        EXPECT_TRUE(one_step.ok()) << int(o) << ": " << one_step.str();
    }
}

TEST(LSTM, TorchNamesShapesAndParameterCount) {
    static_assert(LSTM<32, 64>::param_count == 4 * 64 * (32 + 64 + 2));  // torch: 25088
    static_assert(LSTM<8, 16, 2>::param_count == 4 * 16 * (8 + 16 + 2) + 4 * 16 * (16 + 16 + 2));
    Model<Sequential<Named<"lstm", LSTM<8, 16, 2>>, LastStep, Named<"head", Dense<16, 1>>>, float> m;
    const auto& p = m.named_parameters();
    ASSERT_EQ(p.size(), 10u);
    EXPECT_EQ(p[0].name, "lstm.weight_ih_l0");
    EXPECT_EQ(p[0].shape, (Shape{64, 8}));
    EXPECT_EQ(p[1].name, "lstm.weight_hh_l0");
    EXPECT_EQ(p[2].name, "lstm.bias_ih_l0");
    EXPECT_EQ(p[3].name, "lstm.bias_hh_l0");
    EXPECT_EQ(p[4].name, "lstm.weight_ih_l1");
    EXPECT_EQ(p[4].shape, (Shape{64, 16}));
    EXPECT_EQ(p[7].name, "lstm.bias_hh_l1");
    EXPECT_EQ(p[7].shape, (Shape{64}));
    EXPECT_EQ(p[8].name, "head.weight");
    EXPECT_EQ((LSTM<8, 16, 2>{}.name()), "LSTM<8, 16, 2>");
    const std::string summary = m.summary(Shape{4, 10, 8});
    EXPECT_NE(summary.find("(4, 10, 16)"), std::string::npos) << summary;
}

TEST(LSTM, InitialisationIsTorchsUniformRange) {
    Model<LSTM<8, 16>, float> a(7), b(7);
    float max_abs = 0;
    for (canary::index i = 0; i < a.param_count; ++i) {
        ASSERT_EQ(a.parameters()[i], b.parameters()[i]);
        max_abs = std::max(max_abs, std::abs(a.parameters()[i]));
    }
    EXPECT_LE(max_abs, 0.25f);  // 1/sqrt(16)
    EXPECT_GT(max_abs, 0.24f);
}

TEST(LSTM, RuntimeShapeMistakesThrowNamingTheLayer) {
    Model<LSTM<3, 4>, float> m;
    Tape<float> tape(false);
    std::vector<float> x(60, 0.5f);
    auto expect_error = [&](auto&& call, const char* fragment) {
        try {
            call();
            ADD_FAILURE() << "no error for " << fragment;
        } catch (const shape_error& e) {
            EXPECT_NE(std::string(e.what()).find("LSTM<3, 4>"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        }
    };
    expect_error([&] { m.forward(tape, tape.input(x.data(), Shape{2, 5, 6})); }, "(2, 5, 6)");
    expect_error([&] { m.forward(tape, tape.input(x.data(), Shape{10, 3})); }, "(10, 3)");
    expect_error([&] { m.forward(tape, tape.input(x.data(), Shape{2, 0, 3})); }, "no time step");
    const Var<float> seq = tape.input(x.data(), Shape{2, 5, 3});
    const Var<float> wrong_h = tape.input(x.data(), Shape{1, 3, 4});
    expect_error([&] { m.forward(tape, with_state(seq, {wrong_h, {}})); }, "initial hidden state (1, 3, 4)");
    const Var<float> h = tape.input(x.data(), Shape{1, 2, 4});
    expect_error([&] { m.forward(tape, with_state(seq, {h, wrong_h})); }, "initial cell state");
}

TEST(LSTM, InitialStateChangesTheOutputAndZeroStateEqualsNone) {
    Model<LSTM<3, 4>, double> m(2);
    Tape<double> tape(false);
    auto x = rnn_test::random_values(2 * 5 * 3, 1);
    std::vector<double> zeros(8, 0.0), ones(8, 1.0);
    const Var<double> xv = tape.input(x.data(), Shape{2, 5, 3});
    const auto none = m.forward(tape, with_state(xv));
    const auto zero = m.forward(tape, with_state(xv, {tape.input(zeros.data(), Shape{1, 2, 4}),
                                                      tape.input(zeros.data(), Shape{1, 2, 4})}));
    const auto one = m.forward(tape, with_state(xv, {tape.input(ones.data(), Shape{1, 2, 4}),
                                                     tape.input(ones.data(), Shape{1, 2, 4})}));
    for (canary::index i = 0; i < none.sequence.numel(); ++i) EXPECT_EQ(none.sequence.val[i], zero.sequence.val[i]);
    EXPECT_GT(std::abs(one.sequence.val[0] - none.sequence.val[0]), 1e-3);
}

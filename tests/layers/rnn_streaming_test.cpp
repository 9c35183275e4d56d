// Streaming inference: feeding one step at a time with the state carried gives the numbers of the
// full-sequence forward, for LSTM, stacked GRU, and models with pointwise layers and a head.
#include <gtest/gtest.h>

#include "canary/canary.hpp"
#include "rnn_test_support.hpp"

using namespace canary;

namespace {
constexpr canary::index B = 3, T = 50;

/// Full forward on (B, T, In) vs T calls of Stream::step on (B, In) slices; outputs per step.
template <class Net>
void expect_stream_equals_full_sequence(double tolerance) {
    constexpr canary::index In = Net::in_width, Out = Net::out_width;
    Model<Net, float> model(21);
    const auto xd = rnn_test::random_values(B * T * In, 8);
    const std::vector<float> x(xd.begin(), xd.end());
    Tape<float> tape(false);
    const Var<float> full = model.forward(tape, tape.input(x.data(), Shape{B, T, In}));
    ASSERT_EQ(full.shape, (Shape{B, T, Out}));

    Stream<Net, float> stream(model, B);
    std::vector<float> day(static_cast<std::size_t>(B * In));
    for (int pass = 0; pass < 2; ++pass) {  // the second pass checks reset()
        for (canary::index t = 0; t < T; ++t) {
            for (canary::index b = 0; b < B; ++b)
                std::copy_n(&x[std::size_t((b * T + t) * In)], In, &day[std::size_t(b * In)]);
            const Var<float> y = stream.step(day.data());
            ASSERT_EQ(y.rows(), B);
            ASSERT_EQ(y.cols(), Out);
            for (canary::index b = 0; b < B; ++b)
                for (canary::index j = 0; j < Out; ++j)
                    ASSERT_NEAR(y(b, j), full.val[(b * T + t) * Out + j], tolerance) << "step " << t << " row " << b;
        }
        EXPECT_EQ(stream.steps(), T);
        stream.reset();
    }
}
}  // namespace

TEST(Stream, LstmStepByStepEqualsFullSequence) { expect_stream_equals_full_sequence<LSTM<5, 8>>(2e-6); }

TEST(Stream, StackedGruStepByStepEqualsFullSequence) { expect_stream_equals_full_sequence<GRU<5, 8, 2>>(2e-6); }

TEST(Stream, SequentialWithPointwiseLayersStreams) {
    expect_stream_equals_full_sequence<Sequential<Named<"rnn", LSTM<5, 8, 2>>, Tanh, Dropout, Dense<8, 2>>>(2e-6);
}

TEST(Stream, LastStepModelGivesThePredictionOfEachPrefix) {
    using Net = Sequential<GRU<4, 6>, LastStep, Dense<6, 1>>;
    Model<Net, double> model(2);
    const auto x = rnn_test::random_values(2 * 20 * 4, 3);
    Stream stream(model, 2);  // deduces Stream<Net, double>
    std::vector<double> day(8);
    for (canary::index t = 0; t < 20; ++t) {
        for (canary::index b = 0; b < 2; ++b) std::copy_n(&x[std::size_t((b * 20 + t) * 4)], 4, &day[std::size_t(b * 4)]);
        const Var<double> y = stream.step(day.data());
        // Full forward on the prefix 0..t of each sequence.
        std::vector<double> prefix(static_cast<std::size_t>(2 * (t + 1) * 4));
        for (canary::index b = 0; b < 2; ++b)
            std::copy_n(&x[std::size_t(b * 20 * 4)], (t + 1) * 4, &prefix[std::size_t(b * (t + 1) * 4)]);
        Tape<double> tape(false);
        const Var<double> full = model.forward(tape, tape.input(prefix.data(), Shape{2, t + 1, 4}));
        ASSERT_NEAR(y(0, 0), full(0, 0), 1e-12);
        ASSERT_NEAR(y(1, 0), full(1, 0), 1e-12);
    }
}

TEST(Stream, RejectsAWrongStepShape) {
    Model<LSTM<5, 8>, float> model;
    Stream<LSTM<5, 8>, float> stream(model, 3);
    std::vector<float> x(30);
    Tape<float> tape(false);
    EXPECT_THROW(stream.step(tape.input(x.data(), Shape{2, 5})), shape_error);
    EXPECT_THROW(stream.step(tape.input(x.data(), Shape{3, 2, 5})), shape_error);
    EXPECT_NO_THROW(stream.step(tape.input(x.data(), Shape{3, 1, 5})));
    EXPECT_THROW((Stream<LSTM<5, 8>, float>(model, 0)), config_error);
}

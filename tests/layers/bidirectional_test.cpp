// Bidirectional: the backward direction equals a forward RNN run on the reversed sequence, output
// halves and final-state slots are where torch puts them, gradients check, torch naming.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "canary/canary.hpp"
#include "rnn_test_support.hpp"

using namespace canary;

namespace {
/// Runs Bidirectional<RNN> and two plain RNNs holding its forward and reverse weights (the reverse
/// one on the time-reversed input); the halves must match after re-reversing.
template <class RNN>
void expect_directions_match_plain_runs() {
    constexpr canary::index B = 3, T = 6, In = RNN::input_size, H = RNN::hidden_size;
    Model<Bidirectional<RNN>, double> bi(9);
    Model<RNN, double> fwd(0), bwd(0);
    std::copy(bi.parameters(), bi.parameters() + RNN::param_count, fwd.parameters());
    std::copy(bi.parameters() + RNN::param_count, bi.parameters() + 2 * RNN::param_count, bwd.parameters());
    auto x = rnn_test::random_values(B * T * In, 4);
    std::vector<double> reversed(x.size());
    for (canary::index b = 0; b < B; ++b)
        for (canary::index t = 0; t < T; ++t)
            std::copy_n(&x[std::size_t((b * T + t) * In)], In, &reversed[std::size_t((b * T + (T - 1 - t)) * In)]);
    Tape<double> tape(false);
    const auto both = bi.forward(tape, with_state(tape.input(x.data(), Shape{B, T, In})));
    const auto f = fwd.forward(tape, with_state(tape.input(x.data(), Shape{B, T, In})));
    const auto r = bwd.forward(tape, with_state(tape.input(reversed.data(), Shape{B, T, In})));
    ASSERT_EQ(both.sequence.shape, (Shape{B, T, 2 * H}));
    for (canary::index b = 0; b < B; ++b)
        for (canary::index t = 0; t < T; ++t)
            for (canary::index j = 0; j < H; ++j) {
                const double* row = both.sequence.val + (b * T + t) * 2 * H;
                ASSERT_NEAR(row[j], f.sequence.val[(b * T + t) * H + j], 1e-12);
                ASSERT_NEAR(row[H + j], r.sequence.val[(b * T + (T - 1 - t)) * H + j], 1e-12);
            }
    // h_n: slot 0 = forward after x_{T-1}, slot 1 = backward after x_0 (torch's layout).
    ASSERT_EQ(both.state.h.shape, (Shape{2, B, H}));
    for (canary::index i = 0; i < B * H; ++i) {
        EXPECT_NEAR(both.state.h.val[i], f.state.h.val[i], 1e-12);
        EXPECT_NEAR(both.state.h.val[B * H + i], r.state.h.val[i], 1e-12);
    }
}
}  // namespace

TEST(Bidirectional, ReverseDirectionIsTheRnnOnTheReversedSequence) {
    expect_directions_match_plain_runs<LSTM<3, 4>>();
    expect_directions_match_plain_runs<GRU<3, 5>>();
}

TEST(Bidirectional, GradientCheck) {
    auto lstm = rnn_test::check(Bidirectional<LSTM<3, 4>>{}, Shape{2, 5, 3});
    EXPECT_TRUE(lstm.ok()) << lstm.str();
    auto gru = rnn_test::check(Bidirectional<GRU<3, 4>>{}, Shape{2, 5, 3});
    EXPECT_TRUE(gru.ok()) << gru.str();
    auto one_step = rnn_test::check(Bidirectional<LSTM<3, 4>>{}, Shape{1, 1, 3});
    EXPECT_TRUE(one_step.ok()) << one_step.str();
    auto stacked = rnn_test::check(Bidirectional<LSTM<3, 4, 2>>{}, Shape{2, 4, 3});
    EXPECT_TRUE(stacked.ok()) << stacked.str();
}

TEST(Bidirectional, GradientCheckThroughStates) {
    using rnn_test::Output;
    for (Output o : {Output::sequence, Output::final_h, Output::final_c}) {
        auto r = rnn_test::check_with_state<Bidirectional<LSTM<3, 4, 2>>>(o, 2, 4);
        EXPECT_TRUE(r.ok()) << int(o) << ": " << r.str();
    }
    auto g = rnn_test::check_with_state<Bidirectional<GRU<3, 4, 2>>>(Output::final_h, 2, 4);
    EXPECT_TRUE(g.ok()) << g.str();
}

TEST(Bidirectional, TorchNamesWidthsAndComposition) {
    using BiLSTM = Bidirectional<LSTM<32, 64>>;
    static_assert(BiLSTM::out_width == 128);
    static_assert(BiLSTM::param_count == 2 * LSTM<32, 64>::param_count);
    static_assert(Bidirectional<LSTM<8, 16, 2>>::param_count ==
                  2 * (4 * 16 * (8 + 16 + 2)) + 2 * (4 * 16 * (32 + 16 + 2)));  // layer 1 reads 2H
    Model<Bidirectional<LSTM<8, 16, 2>>, float> m;
    const auto& p = m.named_parameters();
    ASSERT_EQ(p.size(), 16u);
    EXPECT_EQ(p[0].name, "weight_ih_l0");
    EXPECT_EQ(p[4].name, "weight_ih_l0_reverse");
    EXPECT_EQ(p[7].name, "bias_hh_l0_reverse");
    EXPECT_EQ(p[8].name, "weight_ih_l1");
    EXPECT_EQ(p[8].shape, (Shape{64, 32}));
    EXPECT_EQ(p[12].name, "weight_ih_l1_reverse");
    EXPECT_EQ((BiLSTM{}.name()), "Bidirectional<LSTM<32, 64>>");

    // Composes in a Sequential: BiLSTM -> last step -> Dense over 2H features.
    Model<Sequential<Bidirectional<GRU<4, 6>>, LastStep, Dense<12, 1>>, float> net(1);
    Tape<float> tape(false);
    std::vector<float> x(2 * 7 * 4, 0.3f);
    const Var<float> y = net.forward(tape, tape.input(x.data(), Shape{2, 7, 4}));
    EXPECT_EQ(y.rows(), 2);
    EXPECT_EQ(y.cols(), 1);
}

namespace {
struct RunResult {
    std::vector<float> out, dx, grads;
};
/// A training step (forward, loss = weighted sum of the output, backward) at a thread count.
template <class Net>
RunResult run_step(int threads, canary::index B, canary::index T) {
    set_num_threads(threads);
    Model<Net, float> model(21);
    constexpr canary::index In = Net::in_width;
    auto x64 = rnn_test::random_values(B * T * In, 5);
    std::vector<float> x(x64.begin(), x64.end()), dx(x.size(), 0.0f);
    Tape<float> tape(true);
    const Var<float> xv{x.data(), dx.data(), Shape{B, T, In}, In};
    const Var<float> y = model.forward(tape, xv);
    auto seed64 = rnn_test::random_values(y.numel(), 6);
    std::vector<float> seed(seed64.begin(), seed64.end());
    tape.backward(y, seed.data());
    RunResult r{{y.val, y.val + y.numel()}, dx, {model.gradients(), model.gradients() + Net::param_count}};
    set_num_threads(1);
    return r;
}
template <class Net>
void expect_same_bits_at_one_and_two_threads(canary::index B, canary::index T) {
    const RunResult one = run_step<Net>(1, B, T), two = run_step<Net>(2, B, T);
    // Bitwise: the two directions are fixed parts with their own buffers at any thread count.
    EXPECT_EQ(one.out, two.out);
    EXPECT_EQ(one.dx, two.dx);
    EXPECT_EQ(one.grads, two.grads);
}
}  // namespace

TEST(Bidirectional, TwoThreadsGiveBitwiseTheSameResults) {
    // Large enough that the directions are split over two threads (see worth_splitting).
    expect_same_bits_at_one_and_two_threads<Bidirectional<LSTM<16, 32>>>(8, 40);
    expect_same_bits_at_one_and_two_threads<Bidirectional<GRU<16, 32, 2>>>(8, 40);
    // Small enough to stay on one thread.
    expect_same_bits_at_one_and_two_threads<Bidirectional<LSTM<3, 4>>>(2, 5);
}

namespace {
void expect_close(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        ASSERT_NEAR(a[i], b[i], 1e-5f * (1.0f + std::abs(b[i]))) << what << " " << i;
}
template <class Net>
void expect_batch_halves_deterministic(canary::index B, canary::index T) {
    const RunResult one = run_step<Net>(1, B, T), two = run_step<Net>(2, B, T), again = run_step<Net>(2, B, T);
    // Two threads: each runs the whole sequence for half of the batch. Outputs and input
    // gradients are per row; the weight gradient is the sum of the halves'.
    EXPECT_EQ(two.out, again.out);
    EXPECT_EQ(two.dx, again.dx);
    EXPECT_EQ(two.grads, again.grads);
    expect_close(two.out, one.out, "output");
    expect_close(two.dx, one.dx, "input gradient");
    expect_close(two.grads, one.grads, "weight gradient");
}
}  // namespace

TEST(UnidirectionalRnn, TwoThreadsSplitTheBatchDeterministically) {
    expect_batch_halves_deterministic<LSTM<16, 64>>(16, 40);
    expect_batch_halves_deterministic<GRU<16, 64, 2>>(15, 40);  // odd batch: halves of 7 and 8
}

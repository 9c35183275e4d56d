// The recurrent layers can learn a task that needs memory: report, at the last step, the value
// seen at the FIRST step of a sequence of random numbers (T steps earlier). Trained with Adam to
// near-zero mean squared error; predicting without memory leaves the variance of the target (1/3).
#include <gtest/gtest.h>

#include "canary/canary.hpp"

using namespace canary;

namespace {
constexpr canary::index Batch = 64, Steps = 8;

struct Losses {
    float first, last;
};

template <class Net>
Losses train_recall_first(int iterations, float lr) {
    Model<Net> model(17);
    Tape<float> tape(true, 1);
    Adam<float> opt(lr);
    Rng rng(99);
    std::vector<float> x(static_cast<std::size_t>(Batch * Steps)), y(static_cast<std::size_t>(Batch));
    Losses losses{0, 0};
    for (int it = 0; it < iterations; ++it) {
        for (auto& v : x) v = static_cast<float>(rng.uniform(-1.0, 1.0));  // a fresh batch each step
        for (canary::index b = 0; b < Batch; ++b) y[std::size_t(b)] = x[std::size_t(b * Steps)];
        tape.reset();
        auto pred = model.forward(tape, tape.input(x.data(), Shape{Batch, Steps, 1}));
        auto loss = mse_loss(tape, pred, tape.input(y.data(), Shape{Batch, 1}));
        tape.backward(loss);
        opt.step(model);
        (it == 0 ? losses.first : losses.last) = loss.val[0];
    }
    return losses;
}
}  // namespace

TEST(RecurrentLearnability, LstmRemembersTheFirstValue) {
    const Losses loss = train_recall_first<Sequential<LSTM<1, 16>, LastStep, Dense<16, 1>>>(400, 1e-2f);
    EXPECT_GT(loss.first, 0.1f) << "the untrained model should not already solve the task";
    EXPECT_LT(loss.last, 5e-3f) << "loss " << loss.first << " -> " << loss.last;
}

TEST(RecurrentLearnability, GruRemembersTheFirstValue) {
    const Losses loss = train_recall_first<Sequential<GRU<1, 16>, LastStep, Dense<16, 1>>>(400, 1e-2f);
    EXPECT_GT(loss.first, 0.1f) << "the untrained model should not already solve the task";
    EXPECT_LT(loss.last, 5e-3f) << "loss " << loss.first << " -> " << loss.last;
}

TEST(RecurrentLearnability, BidirectionalLstmRemembersTheFirstValue) {
    // At the last step the backward half has seen only x_{T-1}: the forward half must remember.
    const Losses loss = train_recall_first<Sequential<Bidirectional<LSTM<1, 16>>, LastStep, Dense<32, 1>>>(400, 1e-2f);
    EXPECT_GT(loss.first, 0.1f) << "the untrained model should not already solve the task";
    EXPECT_LT(loss.last, 5e-3f) << "loss " << loss.first << " -> " << loss.last;
}

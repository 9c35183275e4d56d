// The recurrent hot loops allocate nothing in the steady state: training steps, inference calls
// and streaming steps, counted with a replaced global operator new.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "canary/canary.hpp"

#include "../support/counting_allocator.hpp"

static auto& g_allocations = canary::test_support::heap_allocations;

using namespace canary;

namespace {
template <class Net>
void expect_steady_state_allocates_nothing(canary::index batch, canary::index steps) {
    constexpr canary::index In = Net::in_width;
    Model<Net> m(3);
    Tape<float> tape(true, 1);
    Adam<float> opt(1e-3f);
    std::vector<float> x(static_cast<std::size_t>(batch * steps * In), 0.25f), y(static_cast<std::size_t>(batch), 1.0f);
    auto train_step = [&] {
        tape.reset();
        auto loss = bce_with_logits(tape, m.forward(tape, tape.input(x.data(), Shape{batch, steps, In})),
                                    tape.input(y.data(), Shape{batch, 1}));
        tape.backward(loss);
        opt.step(m);
        return loss.val[0];
    };
    train_step();
    train_step();
    const long before = g_allocations.load();
    for (int i = 0; i < 5; ++i) train_step();
    EXPECT_EQ(g_allocations.load() - before, 0) << m.net().name() << ": heap allocations in 5 training steps";

    Tape<float> infer(false);
    auto predict = [&] {
        infer.reset();
        return m.forward(infer, infer.input(x.data(), Shape{batch, steps, In})).val[0];
    };
    predict();
    predict();
    const long before_infer = g_allocations.load();
    for (int i = 0; i < 5; ++i) predict();
    EXPECT_EQ(g_allocations.load() - before_infer, 0) << "heap allocations in 5 inference calls";
}
}  // namespace

TEST(RecurrentAllocations, BidirectionalLstmTrainingAndInference) {
    expect_steady_state_allocates_nothing<Sequential<Bidirectional<LSTM<6, 16>>, LastStep, Dense<32, 1>>>(8, 30);
}

TEST(RecurrentAllocations, BidirectionalOnTwoThreadsTrainingAndInference) {
    // Large enough that the two directions run on two threads; the worker is created once.
    set_num_threads(2);
    expect_steady_state_allocates_nothing<Sequential<Bidirectional<LSTM<16, 32>>, LastStep, Dense<64, 1>>>(16, 40);
    // A unidirectional layer splits its batch into two halves on two threads.
    expect_steady_state_allocates_nothing<Sequential<LSTM<16, 64>, LastStep, Dense<64, 1>>>(16, 40);
    set_num_threads(1);
}

TEST(RecurrentAllocations, StackedGruTrainingAndInference) {
    expect_steady_state_allocates_nothing<Sequential<GRU<6, 16, 2>, LastStep, ReLU, Dense<16, 1>>>(8, 30);
}

TEST(RecurrentAllocations, StreamingStepsAllocateNothing) {
    using Net = Sequential<LSTM<6, 16, 2>, Dense<16, 1>>;
    Model<Net> m(3);
    Stream<Net> stream(m, 4);
    std::array<float, 24> day;  // not a vector: GCC 12 misreads an inlined vector free here
    day.fill(0.5f);
    stream.step(day.data());
    stream.step(day.data());
    const long before = g_allocations.load();
    for (int i = 0; i < 20; ++i) stream.step(day.data());
    EXPECT_EQ(g_allocations.load() - before, 0) << "heap allocations in 20 streaming steps";
}

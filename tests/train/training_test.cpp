// Whole training steps: determinism, steady-state zero heap allocation, learning, NaN guard.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "canary/canary.hpp"

#include "../support/counting_allocator.hpp"

static auto& g_allocations = canary::test_support::heap_allocations;

using namespace canary;
using Net = Sequential<Dense<8, 32>, ReLU, Dropout, Dense<32, 16>, Tanh, Dense<16, 1>>;

namespace {
struct Batch {
    std::vector<float> x, y;
};
Batch make_batch(canary::index n, std::uint64_t seed) {
    Rng r(seed);
    Batch b{std::vector<float>(static_cast<std::size_t>(n * 8)), std::vector<float>(static_cast<std::size_t>(n))};
    for (canary::index i = 0; i < n; ++i) {
        float s = 0;
        for (canary::index j = 0; j < 8; ++j) {
            const float v = static_cast<float>(r.uniform(-1, 1));
            b.x[static_cast<std::size_t>(i * 8 + j)] = v;
            s += v * (j % 2 ? 1.0f : -0.5f);
        }
        b.y[static_cast<std::size_t>(i)] = s > 0 ? 1.0f : 0.0f;
    }
    return b;
}

float train_step(Model<Net>& m, Tape<float>& tape, Adam<float>& opt, const Batch& b, canary::index n) {
    tape.reset();
    auto x = tape.input(b.x.data(), Shape{n, 8});
    auto y = tape.input(b.y.data(), Shape{n, 1});
    auto loss = bce_with_logits(tape, m.forward(tape, x), y);
    tape.backward(loss);
    clip_grad_norm(m, 5.0f);
    opt.step(m);
    return loss.val[0];
}
}  // namespace

TEST(Training, SameSeedGivesBitwiseIdenticalParameters) {
    auto run = [] {
        Model<Net> m(11);
        m.get<2>().p = 0.2;
        Tape<float> tape(true, 5);
        Adam<float> opt(1e-2f);
        for (int step = 0; step < 30; ++step) train_step(m, tape, opt, make_batch(16, 100 + step), 16);
        return std::vector<float>(m.parameters(), m.parameters() + Net::param_count);
    };
    const auto a = run(), b = run();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "parameter " << i;
}

TEST(Training, SteadyStateStepAllocatesNothing) {
    Model<Net> m(3);
    Tape<float> tape(true, 1);
    Adam<float> opt(1e-3f);
    const Batch b = make_batch(64, 7);
    train_step(m, tape, opt, b, 64);  // first step: arena, node list and optimizer state grow
    train_step(m, tape, opt, b, 64);  // second step: the arena coalesces to its peak
    const long before = g_allocations.load();
    for (int i = 0; i < 10; ++i) train_step(m, tape, opt, b, 64);
    EXPECT_EQ(g_allocations.load() - before, 0) << "heap allocations in 10 steady-state training steps";

    Tape<float> infer(false);
    auto predict = [&] {
        infer.reset();
        return m.forward(infer, infer.input(b.x.data(), Shape{64, 8})).val[0];
    };
    predict();
    predict();
    const long before_infer = g_allocations.load();
    for (int i = 0; i < 10; ++i) predict();
    EXPECT_EQ(g_allocations.load() - before_infer, 0) << "heap allocations in 10 inference calls";
}

TEST(Training, LearnsASeparableProblem) {
    Model<Net> m(1);
    m.get<2>().p = 0.0;
    Tape<float> tape(true, 1);
    Adam<float> opt(1e-2f);
    const Batch b = make_batch(256, 3);
    const float first = train_step(m, tape, opt, b, 256);
    float last = first;
    for (int i = 0; i < 300; ++i) last = train_step(m, tape, opt, b, 256);
    EXPECT_LT(last, 0.1f * first) << "loss " << first << " -> " << last;
}

TEST(Training, NonFiniteGradientIsReportedWithTheParameterName) {
    Model<Net> m(1);
    Tape<float> tape(true, 1);
    Batch b = make_batch(4, 1);
    b.x[3] = std::numeric_limits<float>::quiet_NaN();
    tape.reset();
    auto loss = bce_with_logits(tape, m.forward(tape, tape.input(b.x.data(), Shape{4, 8})),
                                tape.input(b.y.data(), Shape{4, 1}));
    tape.backward(loss);
    EXPECT_THROW(check_finite_loss(loss.val[0], 7), numeric_error);
    try {
        check_finite_gradients(m, 7);
        FAIL() << "NaN gradient not detected";
    } catch (const numeric_error& e) {
        EXPECT_NE(std::string(e.what()).find("'0.weight'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("step 7"), std::string::npos) << e.what();
    }
}

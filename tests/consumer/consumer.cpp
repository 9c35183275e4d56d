// What a user's program does with an installed (or vendored) canary: build a Dense + LSTM model,
// take one Adam step and check that the loss on the same batch fell. Built by each consumer test
// (tests/consumer/run); exits non-zero with a message on any failure.
#include <canary/layers/dense.hpp>
#include <canary/layers/lstm.hpp>
#include <canary/layers/pooling.hpp>
#include <canary/model.hpp>
#include <canary/train/losses.hpp>
#include <canary/train/optimizers.hpp>
#include <canary/version.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

using Net = canary::Sequential<canary::LSTM<4, 8>, canary::LastStep, canary::Dense<8, 1>>;

int main() {
    constexpr canary::index batch = 16, steps = 5, features = 4;
    std::vector<float> x(batch * steps * features), y(batch);
    for (canary::index i = 0; i < batch; ++i) {
        for (canary::index j = 0; j < steps * features; ++j) x[i * steps * features + j] = float((i * 7 + j * 3) % 11) / 11.f - 0.5f;
        y[i] = i % 2 ? 1.f : -1.f;
    }
    canary::Model<Net> model(/*seed=*/3);
    canary::Tape<float> tape(/*training=*/true);
    canary::Adam<float> adam(1e-2f);
    auto loss_now = [&] {
        tape.reset();
        auto in = tape.input(x.data(), canary::Shape{batch, steps, features});
        auto target = tape.input(y.data(), canary::Shape{batch, 1});
        return canary::mse_loss(tape, model.forward(tape, in), target);
    };
    auto loss = loss_now();
    const float before = loss.val[0];
    tape.backward(loss);
    adam.step(model);
    const float after = loss_now().val[0];

    std::printf("canary %s, backend %s: loss %.6f -> %.6f\n", canary::version().data(), canary::DefaultCpu::name,
                double(before), double(after));
#ifdef CANARY_CONSUMER_EXPECT_VERSION
    if (canary::version() != CANARY_CONSUMER_EXPECT_VERSION) {
        std::fprintf(stderr, "FAIL: canary::version() is %s, the package says %s\n", canary::version().data(),
                     CANARY_CONSUMER_EXPECT_VERSION);
        return 1;
    }
#endif
#ifdef CANARY_CONSUMER_EXPECT_BACKEND
    if (std::strcmp(canary::DefaultCpu::name, CANARY_CONSUMER_EXPECT_BACKEND) != 0) {
        std::fprintf(stderr, "FAIL: the default CPU policy is %s, expected %s\n", canary::DefaultCpu::name,
                     CANARY_CONSUMER_EXPECT_BACKEND);
        return 1;
    }
#endif
    if (!(after < before)) {
        std::fprintf(stderr, "FAIL: one training step did not lower the loss\n");
        return 1;
    }
    return 0;
}

// Core kernels: a fused element-wise expression (LSTM-cell shaped), a Dense layer forward, and an
// MLP training step (forward, BCE, backward, Adam) on a fixed batch.
#include <benchmark/benchmark.h>

#include "canary/canary.hpp"

using namespace canary;

static void BM_FusedLstmCellExpression(benchmark::State& state) {
    const canary::index rows = state.range(0), cols = 256;
    std::vector<float> a(static_cast<std::size_t>(rows * cols), 0.3f), b(a.size(), -0.2f), c(a.size(), 0.1f);
    Tape<float> tape(false);
    for (auto _ : state) {
        tape.reset();
        auto A = tape.input(a.data(), Shape{rows, cols}), B = tape.input(b.data(), Shape{rows, cols}),
             C = tape.input(c.data(), Shape{rows, cols});
        auto y = eval(tape, sigmoid(A) * C + sigmoid(B) * tanh(A));
        benchmark::DoNotOptimize(y.val);
    }
    state.SetItemsProcessed(state.iterations() * rows * cols);
}
BENCHMARK(BM_FusedLstmCellExpression)->Arg(1)->Arg(64);

using Mlp = Sequential<Dense<64, 128>, ReLU, Dense<128, 64>, ReLU, Dense<64, 1>>;

static void BM_MlpInference(benchmark::State& state) {
    const canary::index batch = state.range(0);
    Model<Mlp> m(1);
    std::vector<float> x(static_cast<std::size_t>(batch * 64), 0.5f);
    Tape<float> tape(false);
    for (auto _ : state) {
        tape.reset();
        benchmark::DoNotOptimize(m.forward(tape, tape.input(x.data(), Shape{batch, 64})).val);
    }
}
BENCHMARK(BM_MlpInference)->Arg(1)->Arg(256);

static void BM_MlpTrainingStep(benchmark::State& state) {
    const canary::index batch = state.range(0);
    Model<Mlp> m(1);
    Adam<float> adam(1e-3f);
    std::vector<float> x(static_cast<std::size_t>(batch * 64), 0.5f), y(static_cast<std::size_t>(batch), 1.0f);
    Tape<float> tape(true);
    for (auto _ : state) {
        tape.reset();
        auto loss = bce_with_logits(tape, m.forward(tape, tape.input(x.data(), Shape{batch, 64})),
                                    tape.input(y.data(), Shape{batch, 1}));
        tape.backward(loss);
        adam.step(m);
    }
}
BENCHMARK(BM_MlpTrainingStep)->Arg(32);

// SGD (momentum, dampening, weight decay, Nesterov), Adam (coupled decay) and AdamW against
// torch.optim trajectories of 12 steps, in double precision.
#include <gtest/gtest.h>

#include <string>

#include "canary/io/safetensors.hpp"
#include "canary/train/optimizers.hpp"

namespace {
template <class Opt>
double worst_deviation(const std::string& name, Opt opt) {
    const auto file = canary::io::safetensors::load(std::string(CANARY_FIXTURE_DIR) + "/optim/" + name + ".safetensors");
    auto p = file.read<double>("p0");
    const auto grads = file.read<double>("grads");
    const auto expected = file.read<double>("expected");
    const auto n = static_cast<canary::index>(p.size());
    const auto steps = static_cast<canary::index>(grads.size()) / n;
    EXPECT_EQ(steps, 12);
    double worst = 0;
    for (canary::index k = 0; k < steps; ++k) {
        opt.step(p.data(), grads.data() + k * n, n);
        for (canary::index i = 0; i < n; ++i) worst = std::max(worst, std::abs(p[static_cast<std::size_t>(i)] - expected[static_cast<std::size_t>(k * n + i)]));
    }
    return worst;
}
}  // namespace

TEST(OptimizerParity, SgdWithMomentumDampeningAndWeightDecay) {
    EXPECT_LT(worst_deviation("sgd_momentum", canary::SGD<double>(0.05, 0.9, 0.01, 0.1)), 1e-13);
}
TEST(OptimizerParity, SgdNesterov) {
    EXPECT_LT(worst_deviation("sgd_nesterov", canary::SGD<double>(0.05, 0.8, 0.0, 0.0, true)), 1e-13);
}
TEST(OptimizerParity, AdamWithCoupledWeightDecay) {
    EXPECT_LT(worst_deviation("adam", canary::Adam<double>(0.01, 0.9, 0.99, 1e-8, 0.05)), 1e-13);
}
TEST(OptimizerParity, AdamW) {
    EXPECT_LT(worst_deviation("adamw", canary::AdamW<double>(0.01, 0.85, 0.995, 1e-7, 0.1)), 1e-13);
}

#include <gtest/gtest.h>

#include <cmath>

#include "canary/canary.hpp"

using namespace canary;
using canary::testing::Probe;

namespace {
template <class F>
canary::testing::GradCheckReport check_loss(F loss, std::vector<double> targets) {
    std::vector<double> x{-3.0, -0.7, 0.0, 0.4, 2.2, 8.0}, gx(6), gt(6);
    std::vector<Probe> probes{{"logits", x.data(), gx.data(), 6}};
    return canary::testing::check_gradients(
        [&](Tape<double>& t) {
            return loss(t, Var<double>{x.data(), gx.data(), Shape{6, 1}, 1},
                        Var<double>{targets.data(), nullptr, Shape{6, 1}, 1});
        },
        std::span<Probe>(probes));
}
}  // namespace

TEST(Losses, BceWithLogitsValueMatchesDefinition) {
    Tape<double> t(false);
    double x[] = {-2.0, 0.5, 3.0}, y[] = {1.0, 0.0, 1.0};
    auto l = bce_with_logits(t, t.input(x, {3, 1}), t.input(y, {3, 1}), 2.0);
    auto s = [](double v) { return 1 / (1 + std::exp(-v)); };
    const double ref = -(2 * std::log(s(-2.0)) + std::log(1 - s(0.5)) + 2 * std::log(s(3.0))) / 3;
    EXPECT_NEAR(l.val[0], ref, 1e-14);
    // Extreme logits stay finite.
    double big[] = {-1000.0, 1000.0}, lab[] = {1.0, 0.0};
    EXPECT_NEAR(bce_with_logits(t, t.input(big, {2}), t.input(lab, {2})).val[0], 1000.0, 1e-9);
}

TEST(Losses, GradientChecks) {
    std::vector<double> y{1, 0, 1, 0, 1, 0};
    auto bce = check_loss([](auto& t, auto x, auto y) { return bce_with_logits(t, x, y, 3.0); }, y);
    EXPECT_TRUE(bce.ok()) << bce.str();
    auto focal = check_loss([](auto& t, auto x, auto y) { return focal_loss(t, x, y, 0.25, 2.0); }, y);
    EXPECT_TRUE(focal.ok()) << focal.str();
    auto focal_noalpha = check_loss([](auto& t, auto x, auto y) { return focal_loss(t, x, y, -1.0, 1.5); }, y);
    EXPECT_TRUE(focal_noalpha.ok()) << focal_noalpha.str();
    auto mse = check_loss([](auto& t, auto x, auto y) { return mse_loss(t, x, y); }, {0.5, -1, 2, 0, 1, 3});
    EXPECT_TRUE(mse.ok()) << mse.str();
}

TEST(Losses, ShapeMismatchThrows) {
    Tape<float> t;
    float a[4] = {}, b[3] = {};
    EXPECT_THROW(bce_with_logits(t, t.input(a, {4, 1}, true), t.input(b, {3, 1})), shape_error);
}

// XGBoost gradient boosting with early stopping: learns a non-linear rule, stops early on noise,
// uses the best round's trees, is reproducible, refuses mismatched inputs; histogram splits work.
// Skipped, with a message, when XGBoost was not found at configure time.
#include <gtest/gtest.h>

#include "canary/core/rng.hpp"
#include "canary/models/gradient_boosting.hpp"
#include "canary/risk/metrics.hpp"

#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
namespace {
struct Data {
    std::vector<float> x, y;
    std::vector<int> labels;
};
/// XOR-like rule on two of three features; with `pure_noise` the labels ignore the features.
Data make(canary::index n, std::uint64_t seed, bool pure_noise = false) {
    canary::Rng r(seed);
    Data d;
    for (canary::index i = 0; i < n; ++i) {
        const float a = static_cast<float>(r.uniform(-1, 1)), b = static_cast<float>(r.uniform(-1, 1)),
                    noise = static_cast<float>(r.uniform(-1, 1));
        d.x.insert(d.x.end(), {a, b, noise});
        const int label = pure_noise ? int(r.below(2)) : (a * b > 0 ? 1 : 0);
        d.y.push_back(static_cast<float>(label));
        d.labels.push_back(label);
    }
    return d;
}
}  // namespace

TEST(GradientBoosting, LearnsANonLinearRuleWithEarlyStoppingAndIsReproducible) {
    const Data train = make(600, 1), validation = make(200, 3), test = make(400, 2);
    canary::models::gradient_boosting_options o;
    o.seed = 5;
    o.max_rounds = 300;
    canary::models::gradient_boosting a(o), b(o);
    a.fit(train.x.data(), 600, 3, train.y.data(), validation.x.data(), 200, validation.y.data());
    b.fit(train.x.data(), 600, 3, train.y.data(), validation.x.data(), 200, validation.y.data());
    const auto pa = a.predict_proba(test.x.data(), 400, 3), pb = b.predict_proba(test.x.data(), 400, 3);
    EXPECT_EQ(pa, pb);
    EXPECT_GT(canary::risk::auroc(pa, test.labels).value, 0.95);
    EXPECT_GE(a.best_rounds(), 1);
    EXPECT_LE(a.best_rounds(), 300);
    EXPECT_THROW(a.predict_proba(test.x.data(), 400, 2), canary::shape_error);
    o.tree_method = "hist";
    canary::models::gradient_boosting h(o);
    h.fit(train.x.data(), 600, 3, train.y.data(), validation.x.data(), 200, validation.y.data());
    EXPECT_GT(canary::risk::auroc(h.predict_proba(test.x.data(), 400, 3), test.labels).value, 0.9);
}

TEST(GradientBoosting, StopsEarlyWhenThereIsNothingToLearn) {
    const Data train = make(600, 1, true), validation = make(300, 3, true);
    canary::models::gradient_boosting_options o;
    o.max_rounds = 500;
    o.patience = 20;
    canary::models::gradient_boosting g(o);
    g.fit(train.x.data(), 600, 3, train.y.data(), validation.x.data(), 300, validation.y.data());
    // Validation log loss stops improving after a few rounds on noise: far fewer than 500 kept.
    EXPECT_LT(g.best_rounds(), 100);
    for (double p : g.predict_proba(validation.x.data(), 300, 3)) {
        EXPECT_GT(p, 0.0);
        EXPECT_LT(p, 1.0);
    }
}
#else
TEST(GradientBoosting, SkippedWithoutXGBoost) { GTEST_SKIP() << "XGBoost not found at configure time (libxgboost-dev)"; }
#endif

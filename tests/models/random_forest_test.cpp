// The XGBoost random-forest baseline: learns a non-linear rule, is reproducible for a seed, and
// refuses mismatched inputs. Skipped, with a message, when XGBoost was not found at configure time.
#include <gtest/gtest.h>

#include "canary/core/rng.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/models/random_forest.hpp"

#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
namespace {
struct Data {
    std::vector<float> x, y;
    std::vector<int> labels;
};
Data make(canary::index n, std::uint64_t seed) {
    canary::Rng r(seed);
    Data d;
    for (canary::index i = 0; i < n; ++i) {
        const float a = static_cast<float>(r.uniform(-1, 1)), b = static_cast<float>(r.uniform(-1, 1)),
                    noise = static_cast<float>(r.uniform(-1, 1));
        d.x.insert(d.x.end(), {a, b, noise});
        const int label = (a * b > 0) ? 1 : 0;  // XOR-like: no linear model can do this
        d.y.push_back(static_cast<float>(label));
        d.labels.push_back(label);
    }
    return d;
}
}  // namespace

TEST(RandomForest, LearnsANonLinearRuleAndIsReproducible) {
    const Data train = make(600, 1), test = make(400, 2);
    canary::models::random_forest_options o;
    o.trees = 60;
    o.seed = 5;
    canary::models::random_forest a(o), b(o);
    a.fit(train.x.data(), 600, 3, train.y.data());
    b.fit(train.x.data(), 600, 3, train.y.data());
    const auto pa = a.predict_proba(test.x.data(), 400, 3), pb = b.predict_proba(test.x.data(), 400, 3);
    EXPECT_EQ(pa, pb);
    EXPECT_GT(canary::risk::auroc(pa, test.labels).value, 0.95);
    EXPECT_THROW(a.predict_proba(test.x.data(), 400, 2), canary::shape_error);
}
#else
TEST(RandomForest, SkippedWithoutXGBoost) { GTEST_SKIP() << "XGBoost not found at configure time (libxgboost-dev)"; }
#endif

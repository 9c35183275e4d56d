// evaluate_signal: the threshold comes from validation only; intervals and lead times follow.
// Also permutation importance and the day x feature CSV of interpretability.hpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "canary/risk/interpretability.hpp"
#include "canary/risk/report.hpp"

namespace cr = canary::risk;

namespace {

struct Spans {
    std::vector<double> validation_scores, test_scores;
    std::vector<int> validation_labels, test_labels;
    std::vector<std::int64_t> test_days;
};

// Two 200-day spans with crash runs; the score rises 5 days before each run (an informative signal).
Spans make_spans() {
    Spans s;
    auto fill = [](std::vector<double>& scores, std::vector<int>& labels, int offset) {
        for (int t = 0; t < 200; ++t) {
            const int phase = (t + offset) % 50;
            labels.push_back(phase >= 40 && phase < 45 ? 1 : 0);
            scores.push_back(phase >= 35 && phase < 45 ? 0.8 : 0.1 + 0.001 * phase);
        }
    };
    fill(s.validation_scores, s.validation_labels, 0);
    fill(s.test_scores, s.test_labels, 7);
    for (int t = 0; t < 200; ++t) s.test_days.push_back(1000 + t);
    return s;
}

}  // namespace

TEST(Report, ThresholdDependsOnValidationOnly) {
    const Spans s = make_spans();
    cr::signal_evaluation_options o;
    o.bootstrap.resamples = 50;
    const auto a = cr::evaluate_signal(s.validation_scores, s.validation_labels, s.test_scores, s.test_labels, s.test_days, o);
    // Scramble the test labels: the threshold must not move, the test metrics must.
    std::vector<int> flipped(s.test_labels.rbegin(), s.test_labels.rend());
    const auto b = cr::evaluate_signal(s.validation_scores, s.validation_labels, s.test_scores, flipped, s.test_days, o);
    EXPECT_EQ(a.choice.threshold, b.choice.threshold);
    EXPECT_DOUBLE_EQ(a.choice.threshold, 0.8);
    EXPECT_NE(a.test.f1, b.test.f1);
}

TEST(Report, RulesAndIntervals) {
    const Spans s = make_spans();
    cr::signal_evaluation_options o;
    o.bootstrap.resamples = 200;
    o.bootstrap.block_length = 20;
    o.rule = cr::parse_threshold_rule("youden");
    const auto e = cr::evaluate_signal(s.validation_scores, s.validation_labels, s.test_scores, s.test_labels, s.test_days, o);
    EXPECT_GT(e.test.auroc.value, 0.9);  // the 5 warning days before each run are negatives ranked high
    EXPECT_LE(e.auroc.lower, e.auroc.upper);
    EXPECT_LE(e.f1.lower, e.f1.estimate);
    EXPECT_GE(e.f1.upper, e.f1.estimate);
    EXPECT_GT(e.f1.used, 0u);
    // Every crash run is preceded by 5 high days: all episodes warned, 5 days ahead.
    EXPECT_DOUBLE_EQ(e.lead.share_warned, 1.0);
    EXPECT_DOUBLE_EQ(e.lead.median_lead_time, 5.0);
    EXPECT_THROW(cr::parse_threshold_rule("best_on_test"), canary::config_error);
    EXPECT_EQ(cr::to_string(cr::threshold_rule::usefulness), "usefulness");
}

TEST(Report, FixedThresholdIsKept) {
    const Spans s = make_spans();
    cr::signal_evaluation_options o;
    o.bootstrap.resamples = 20;
    const auto e = cr::evaluate_at_threshold(INFINITY, s.test_scores, s.test_labels, s.test_days, o);
    EXPECT_EQ(e.test.confusion.true_positives + e.test.confusion.false_positives, 0u);  // never warns
    EXPECT_DOUBLE_EQ(e.lead.share_warned, 0.0);
}

TEST(Interpretability, PermutationImportanceFindsTheOnlyUsedFeature) {
    // 100 samples, T = 3, F = 2; the scorer reads feature 0 of the last day only.
    const std::size_t n = 100, steps = 3, features = 2;
    std::vector<float> x(n * steps * features);
    std::vector<int> labels(n);
    for (std::size_t i = 0; i < n; ++i) {
        labels[i] = i % 4 == 0 ? 1 : 0;
        for (std::size_t s = 0; s < steps; ++s) {
            x[(i * steps + s) * features + 0] = float(labels[i]) + 0.01f * float(i % 7);
            x[(i * steps + s) * features + 1] = float(i % 5);
        }
    }
    auto score = [&](const std::vector<float>& w) {
        std::vector<double> out(n);
        for (std::size_t i = 0; i < n; ++i) out[i] = w[(i * steps + steps - 1) * features + 0];
        return out;
    };
    const auto a = cr::permutation_importance(x, n, steps, features, labels, score, 4, 17);
    EXPECT_DOUBLE_EQ(a.baseline_auroc, 1.0);
    EXPECT_GT(a.mean_drop[0], 0.3);
    EXPECT_DOUBLE_EQ(a.mean_drop[1], 0.0);
    const auto b = cr::permutation_importance(x, n, steps, features, labels, score, 4, 17);
    EXPECT_EQ(a.mean_drop, b.mean_drop);  // seeded: reproducible
    EXPECT_THROW(cr::permutation_importance(x, n + 1, steps, features, labels, score, 1, 1), canary::shape_error);
}

TEST(Interpretability, DayFeatureCsv) {
    const std::vector<double> v{1, 2, 3, 4, 5, 6};
    EXPECT_EQ(cr::day_feature_csv({"d1", "d2"}, {"a", "b", "c"}, v), "day,a,b,c\nd1,1,2,3\nd2,4,5,6\n");
    EXPECT_THROW(cr::day_feature_csv({"d1"}, {"a"}, v), canary::shape_error);
}

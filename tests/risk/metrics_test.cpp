// canary::risk metrics against scikit-learn 1.2 reference values (tests/fixtures/metrics/, written
// by tools/make_metric_fixtures.py), plus the input checks and the 0/0 conventions.
#include "canary/risk/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <span>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using canary::risk::confusion_matrix;

constexpr double tolerance = 1e-12;

struct reference_case {
    std::string name;
    std::map<std::string, std::vector<double>> values;
    std::vector<double> scores() const { return values.at("scores"); }
    std::vector<int> labels() const {
        std::vector<int> out;
        for (double v : values.at("labels")) out.push_back(static_cast<int>(v));
        return out;
    }
    double scalar(const std::string& key) const { return values.at(key).at(0); }
};

std::vector<reference_case> load_reference() {
    const std::string path = std::string(CANARY_FIXTURE_DIR) + "/metrics/sklearn_reference.txt";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<reference_case> cases;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line == "end") continue;
        std::istringstream fields(line);
        std::string key;
        fields >> key;
        if (key == "case") {
            cases.emplace_back();
            fields >> cases.back().name;
            continue;
        }
        std::vector<double> numbers;
        std::string token;
        // strtod, unlike operator>>, reads "nan".
        while (fields >> token) numbers.push_back(std::strtod(token.c_str(), nullptr));
        cases.back().values[key] = numbers;
    }
    return cases;
}

const std::vector<reference_case>& reference() {
    static const std::vector<reference_case> cases = load_reference();
    return cases;
}

bool single_class(const std::vector<int>& labels) {
    for (int l : labels)
        if (l != labels.front()) return false;
    return true;
}

bool has_positive(const std::vector<int>& labels) {
    for (int l : labels)
        if (l == 1) return true;
    return false;
}

void expect_all_near(const std::vector<double>& actual, const std::vector<double>& expected, std::size_t skip_front,
                     const std::string& what) {
    ASSERT_EQ(actual.size(), expected.size()) << what;
    for (std::size_t i = skip_front; i < actual.size(); ++i) {
        if (std::isnan(expected[i]))
            EXPECT_TRUE(std::isnan(actual[i])) << what << " [" << i << "]";
        else
            EXPECT_NEAR(actual[i], expected[i], tolerance) << what << " [" << i << "]";
    }
}

TEST(MetricsFixture, CoversTheAdvertisedCases) {
    const auto& cases = reference();
    ASSERT_GE(cases.size(), 8u);
    std::map<std::string, bool> seen;
    for (const auto& c : cases) seen[c.name] = true;
    for (const char* name : {"ties_one_decimal", "all_negative", "all_positive", "perfect", "inverted"})
        EXPECT_TRUE(seen.count(name)) << name;
}

TEST(MetricsVsSklearn, ThresholdMetricsAtOneHalf) {
    for (const auto& c : reference()) {
        SCOPED_TRACE(c.name);
        const auto cm = canary::risk::confusion_at(c.scores(), c.labels(), 0.5);
        EXPECT_NEAR(canary::risk::precision(cm), c.scalar("precision"), tolerance);
        EXPECT_NEAR(canary::risk::recall(cm), c.scalar("recall"), tolerance);
        EXPECT_NEAR(canary::risk::f1_score(cm), c.scalar("f1"), tolerance);
        EXPECT_NEAR(canary::risk::accuracy(cm), c.scalar("accuracy"), tolerance);
    }
}

TEST(MetricsVsSklearn, BrierScore) {
    for (const auto& c : reference()) {
        SCOPED_TRACE(c.name);
        EXPECT_NEAR(canary::risk::brier_score(c.scores(), c.labels()), c.scalar("brier"), tolerance);
    }
}

TEST(MetricsVsSklearn, Auroc) {
    for (const auto& c : reference()) {
        SCOPED_TRACE(c.name);
        const auto result = canary::risk::auroc(c.scores(), c.labels());
        if (single_class(c.labels())) {
            EXPECT_TRUE(std::isnan(c.scalar("roc_auc")));  // sklearn raised
            EXPECT_FALSE(result.defined());
            EXPECT_FALSE(result.warning.empty());
        } else {
            ASSERT_TRUE(result.defined()) << result.warning;
            EXPECT_TRUE(result.warning.empty());
            EXPECT_NEAR(result.value, c.scalar("roc_auc"), tolerance);
        }
    }
}

TEST(MetricsVsSklearn, AveragePrecisionAndTrapezoidalPrAuc) {
    for (const auto& c : reference()) {
        SCOPED_TRACE(c.name);
        const auto ap = canary::risk::average_precision(c.scores(), c.labels());
        const auto area = canary::risk::pr_auc_trapezoid(c.scores(), c.labels());
        if (!has_positive(c.labels())) {
            // sklearn returns 0 and 0.5 here with a warning; we refuse to invent a number.
            EXPECT_FALSE(ap.defined());
            EXPECT_FALSE(area.defined());
            EXPECT_FALSE(ap.warning.empty());
            EXPECT_FALSE(area.warning.empty());
        } else {
            EXPECT_NEAR(ap.value, c.scalar("average_precision"), tolerance);
            EXPECT_NEAR(area.value, c.scalar("pr_auc"), tolerance);
        }
    }
}

TEST(MetricsVsSklearn, RocCurvePoints) {
    for (const auto& c : reference()) {
        SCOPED_TRACE(c.name);
        const auto curve = canary::risk::roc_curve(c.scores(), c.labels());
        expect_all_near(curve.false_positive_rate, c.values.at("roc_fpr"), 0, "fpr");
        expect_all_near(curve.true_positive_rate, c.values.at("roc_tpr"), 0, "tpr");
        // sklearn 1.2 writes max + 1 as the first threshold; we write +inf (as sklearn >= 1.3).
        expect_all_near(curve.thresholds, c.values.at("roc_thresholds"), 1, "thresholds");
        EXPECT_TRUE(std::isinf(curve.thresholds.front()));
        EXPECT_EQ(curve.warning.empty(), !single_class(c.labels()));
    }
}

TEST(MetricsVsSklearn, PrecisionRecallCurvePoints) {
    for (const auto& c : reference()) {
        SCOPED_TRACE(c.name);
        const auto curve = canary::risk::precision_recall_curve(c.scores(), c.labels());
        expect_all_near(curve.precision, c.values.at("pr_precision"), 0, "precision");
        expect_all_near(curve.recall, c.values.at("pr_recall"), 0, "recall");
        expect_all_near(curve.thresholds, c.values.at("pr_thresholds"), 0, "thresholds");
    }
}

TEST(Metrics, ZeroDivisionConventions) {
    const confusion_matrix nothing_flagged_no_positives{.true_positives = 0, .false_positives = 0,
                                                         .true_negatives = 5, .false_negatives = 0};
    EXPECT_EQ(canary::risk::precision(nothing_flagged_no_positives), 0.0);
    EXPECT_EQ(canary::risk::recall(nothing_flagged_no_positives), 0.0);
    EXPECT_EQ(canary::risk::f1_score(nothing_flagged_no_positives), 0.0);
    EXPECT_EQ(canary::risk::accuracy(nothing_flagged_no_positives), 1.0);
    const confusion_matrix only_positives{.true_positives = 3, .false_positives = 0, .true_negatives = 0,
                                          .false_negatives = 1};
    EXPECT_EQ(canary::risk::false_positive_rate(only_positives), 0.0);
    EXPECT_EQ(canary::risk::specificity(only_positives), 0.0);
    EXPECT_EQ(canary::risk::accuracy(confusion_matrix{}), 0.0);
}

TEST(Metrics, HandComputedConfusionAndRates) {
    const std::vector<double> scores{0.9, 0.8, 0.5, 0.4, 0.3, 0.2};
    const std::vector<int> labels{1, 0, 1, 1, 0, 0};
    const auto cm = canary::risk::confusion_at(scores, labels, 0.5);  // 0.5 itself is flagged
    EXPECT_EQ(cm, (confusion_matrix{.true_positives = 2, .false_positives = 1, .true_negatives = 2,
                                    .false_negatives = 1}));
    EXPECT_DOUBLE_EQ(canary::risk::precision(cm), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(canary::risk::recall(cm), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(canary::risk::false_positive_rate(cm), 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(canary::risk::specificity(cm), 2.0 / 3.0);
    // Pairs (pos, neg) ranked correctly: 0.9 beats all 3; 0.5 and 0.4 beat 0.3, 0.2: 7 of 9.
    EXPECT_NEAR(canary::risk::auroc(scores, labels).value, 7.0 / 9.0, 1e-15);
    EXPECT_EQ(canary::risk::confusion_at(scores, labels, std::numeric_limits<double>::infinity()).false_positives, 0u);
}

TEST(Metrics, ReportBundlesEverythingAndCollectsWarnings) {
    const std::vector<double> scores{0.9, 0.2, 0.6, 0.4};
    const std::vector<int> labels{1, 0, 1, 0};
    const auto report = canary::risk::evaluate_classifier(scores, labels, 0.5);
    EXPECT_EQ(report.confusion.true_positives, 2u);
    EXPECT_EQ(report.f1, 1.0);
    EXPECT_EQ(report.auroc.value, 1.0);
    EXPECT_EQ(report.average_precision.value, 1.0);
    EXPECT_NEAR(report.brier, (0.01 + 0.04 + 0.16 + 0.16) / 4.0, 1e-15);
    EXPECT_DOUBLE_EQ(report.positive_share, 0.5);
    EXPECT_TRUE(report.warnings.empty());

    const std::vector<double> logits{2.0, -1.0, 0.5};
    const std::vector<int> negatives{0, 0, 0};
    const auto undefined = canary::risk::evaluate_classifier(logits, negatives, 0.0);
    EXPECT_TRUE(std::isnan(undefined.brier));
    EXPECT_FALSE(undefined.auroc.defined());
    EXPECT_FALSE(undefined.average_precision.defined());
    EXPECT_FALSE(undefined.pr_auc.defined());
    EXPECT_EQ(undefined.warnings.size(), 4u);
    EXPECT_EQ(undefined.confusion.false_positives, 2u);
}

TEST(Metrics, RejectsBadInputs) {
    const std::vector<double> scores{0.1, 0.7};
    const std::vector<double> one_score{0.1};
    const std::vector<int> labels{0, 1};
    const std::vector<int> bad_labels{0, 2};
    const std::vector<double> nan_scores{0.1, std::nan("")};
    const std::vector<double> large_scores{0.1, 1.5};
    EXPECT_THROW(canary::risk::auroc(one_score, labels), canary::shape_error);
    EXPECT_THROW(canary::risk::auroc(std::span<const double>{}, std::span<const int>{}), canary::shape_error);
    EXPECT_THROW(canary::risk::average_precision(scores, bad_labels), canary::config_error);
    EXPECT_THROW(canary::risk::confusion_at(nan_scores, labels, 0.5), canary::numeric_error);
    EXPECT_THROW(canary::risk::confusion_at(scores, labels, std::nan("")), canary::config_error);
    EXPECT_THROW(canary::risk::brier_score(large_scores, labels), canary::config_error);
    try {
        canary::risk::roc_curve(scores, bad_labels);
        FAIL() << "expected config_error";
    } catch (const canary::config_error& e) {
        EXPECT_NE(std::string(e.what()).find("index 1"), std::string::npos) << e.what();
    }
}

}  // namespace

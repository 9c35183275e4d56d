// Threshold choice on hand-computed data. Ten observations, two positives (at ranks 1 and 5):
//
//   score  0.95 0.85 0.75 0.65 0.55 0.45 0.35 0.25 0.15 0.05
//   label    1    0    0    0    1    0    0    0    0    0
//
// Flagging the top 1: TP 1, FP 0 -> F1 = 2/3, J = 1/2.  Top 5: TP 2, FP 3 -> F1 = 4/7, J = 5/8.
// So max-F1 picks 0.95 and Youden picks 0.55. With P1 = 0.2: at mu = 0.5 the benchmark is
// min(0.1, 0.4) = 0.1 and U_a(top 1) = 0.1 - (0.5*0.5*0.2) = 0.05 is the best; at mu = 0.8 the
// benchmark is min(0.16, 0.16) = 0.16 and U_a = 0.16 (1 - T1 - T2) = 0.16 J, so Youden's pick wins
// with U_a = 0.16 * 5/8 = 0.1.
#include "canary/risk/thresholds.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using canary::risk::confusion_matrix;

const std::vector<double> scores{0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05};
const std::vector<int> labels{1, 0, 0, 0, 1, 0, 0, 0, 0, 0};

TEST(Thresholds, MaxF1AndYoudenDiffer) {
    const auto f1 = canary::risk::choose_threshold_max_f1(scores, labels);
    EXPECT_EQ(f1.threshold, 0.95);
    EXPECT_NEAR(f1.criterion, 2.0 / 3.0, 1e-15);
    EXPECT_EQ(f1.confusion, (confusion_matrix{.true_positives = 1, .false_positives = 0, .true_negatives = 8,
                                              .false_negatives = 1}));

    const auto youden = canary::risk::choose_threshold_youden(scores, labels);
    EXPECT_EQ(youden.threshold, 0.55);
    EXPECT_NEAR(youden.criterion, 5.0 / 8.0, 1e-15);
    EXPECT_EQ(youden.confusion.false_positives, 3u);
}

TEST(Thresholds, UsefulnessAtMuOneHalf) {
    const auto choice = canary::risk::choose_threshold_usefulness(scores, labels, 0.5);
    EXPECT_EQ(choice.threshold, 0.95);
    EXPECT_NEAR(choice.criterion, 0.05, 1e-15);
    const auto u = canary::risk::usefulness(choice.confusion, 0.5);
    EXPECT_NEAR(u.loss, 0.05, 1e-15);
    EXPECT_NEAR(u.absolute, 0.05, 1e-15);
    EXPECT_NEAR(u.relative, 0.5, 1e-15);
}

TEST(Thresholds, UsefulnessAtMuPointEight) {
    const auto choice = canary::risk::choose_threshold_usefulness(scores, labels, 0.8);
    EXPECT_EQ(choice.threshold, 0.55);
    EXPECT_NEAR(choice.criterion, 0.1, 1e-15);
    EXPECT_NEAR(canary::risk::usefulness(choice.confusion, 0.8).relative, 0.625, 1e-15);
    // The max-F1 rule at mu = 0.8: T1 = 1/2, T2 = 0 -> L = 0.8*0.5*0.2 = 0.08, U_a = 0.08.
    const auto top_one = canary::risk::usefulness(
        confusion_matrix{.true_positives = 1, .false_positives = 0, .true_negatives = 8, .false_negatives = 1}, 0.8);
    EXPECT_NEAR(top_one.loss, 0.08, 1e-15);
    EXPECT_NEAR(top_one.absolute, 0.08, 1e-15);
    EXPECT_NEAR(top_one.relative, 0.5, 1e-15);
}

TEST(Thresholds, TrivialRulesHaveNoUsefulness) {
    // Never warn costs mu P1, always warn costs (1 - mu) P2; the better of them is the benchmark.
    const confusion_matrix never{.true_positives = 0, .false_positives = 0, .true_negatives = 8, .false_negatives = 2};
    const confusion_matrix always{.true_positives = 2, .false_positives = 8, .true_negatives = 0, .false_negatives = 0};
    EXPECT_NEAR(canary::risk::usefulness(never, 0.5).absolute, 0.0, 1e-15);
    EXPECT_NEAR(canary::risk::usefulness(always, 0.5).absolute, 0.1 - 0.4, 1e-15);
    EXPECT_NEAR(canary::risk::usefulness(always, 0.9).absolute, 0.0, 1e-15);  // min(0.18, 0.08) = 0.08
    EXPECT_TRUE(std::isnan(canary::risk::usefulness(never, 0.0).relative));
}

TEST(Thresholds, UselessScoresChooseNeverWarn) {
    // Every positive is ranked below every negative: no rule beats silence under Youden.
    const std::vector<double> inverted{0.9, 0.8, 0.2, 0.1};
    const std::vector<int> truth{0, 0, 1, 1};
    const auto choice = canary::risk::choose_threshold_youden(inverted, truth);
    EXPECT_TRUE(std::isinf(choice.threshold));
    EXPECT_EQ(choice.criterion, 0.0);
    EXPECT_EQ(choice.confusion.true_positives + choice.confusion.false_positives, 0u);
}

TEST(Thresholds, TiedScoresAreOneCandidate) {
    const std::vector<double> tied{0.7, 0.7, 0.7, 0.2};
    const std::vector<int> truth{1, 0, 1, 0};
    const auto choice = canary::risk::choose_threshold_max_f1(tied, truth);
    EXPECT_EQ(choice.threshold, 0.7);
    EXPECT_EQ(choice.confusion.true_positives, 2u);
    EXPECT_EQ(choice.confusion.false_positives, 1u);
    EXPECT_NEAR(choice.criterion, 0.8, 1e-15);
}

TEST(Thresholds, CustomCriterion) {
    // Maximise recall subject to FPR <= 0.25 by returning -inf for infeasible rules.
    const auto choice = canary::risk::choose_threshold(scores, labels, [](const confusion_matrix& c) {
        return canary::risk::false_positive_rate(c) <= 0.25 ? canary::risk::recall(c)
                                                            : -std::numeric_limits<double>::infinity();
    });
    EXPECT_EQ(choice.threshold, 0.95);  // recall 1 needs FPR 3/8; the top-1 rule has recall 1/2
    EXPECT_EQ(choice.criterion, 0.5);
}

TEST(Thresholds, RejectsSingleClassAndBadMu) {
    const std::vector<int> negatives(scores.size(), 0);
    EXPECT_THROW(canary::risk::choose_threshold_max_f1(scores, negatives), canary::config_error);
    EXPECT_THROW(canary::risk::choose_threshold_usefulness(scores, labels, 1.5), canary::config_error);
    EXPECT_THROW(canary::risk::usefulness(confusion_matrix{.true_negatives = 1}, std::nan("")), canary::config_error);
    const std::vector<double> short_scores{0.5};
    EXPECT_THROW(canary::risk::choose_threshold_youden(short_scores, labels), canary::shape_error);
}

}  // namespace

#pragma once
// One early-warning signal (a model's probabilities or an indicator's values) evaluated the honest
// way: the decision threshold is chosen on the validation span only, then frozen and applied to
// the test span, where the metrics get moving-block bootstrap intervals and each crash episode
// gets a lead time. Nothing about the test labels feeds back into any choice.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/risk/bootstrap.hpp"
#include "canary/risk/lead_time.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/risk/thresholds.hpp"

namespace canary::risk {

enum class threshold_rule { max_f1, youden, usefulness };

/// requires: "max_f1", "youden" or "usefulness" (else config_error listing them).
inline threshold_rule parse_threshold_rule(std::string_view name) {
    if (name == "max_f1") return threshold_rule::max_f1;
    if (name == "youden") return threshold_rule::youden;
    if (name == "usefulness") return threshold_rule::usefulness;
    throw config_error("unknown threshold rule '" + std::string(name) + "' (known: max_f1, youden, usefulness)");
}

inline std::string to_string(threshold_rule rule) {
    switch (rule) {
        case threshold_rule::max_f1: return "max_f1";
        case threshold_rule::youden: return "youden";
        case threshold_rule::usefulness: return "usefulness";
    }
    return "?";
}

struct signal_evaluation_options {
    threshold_rule rule = threshold_rule::max_f1;
    double mu = 0.5;                 ///< usefulness preference (only for threshold_rule::usefulness)
    bootstrap_options bootstrap;     ///< block_length should be at least the label horizon H
    lead_time_options lead;          ///< lookback usually H; min_consecutive = "sustained"
};

struct signal_evaluation {
    threshold_choice choice;          ///< made on validation
    classification_report test;       ///< at choice.threshold
    bootstrap_interval auroc, average_precision, f1;  ///< on the test span
    double usefulness_relative = std::numeric_limits<double>::quiet_NaN();  ///< test U_r at the threshold
    lead_time_report lead;            ///< test span
};

/// choose_threshold_by(scores, labels, rule, mu): the validation-span threshold for `rule`.
inline threshold_choice choose_threshold_by(std::span<const double> scores, std::span<const int> labels, threshold_rule rule,
                                            double mu) {
    switch (rule) {
        case threshold_rule::max_f1: return choose_threshold_max_f1(scores, labels);
        case threshold_rule::youden: return choose_threshold_youden(scores, labels);
        case threshold_rule::usefulness: return choose_threshold_usefulness(scores, labels, mu);
    }
    throw config_error("choose_threshold_by: unknown rule");
}

/// evaluate_at_threshold(threshold, test_scores, test_labels, test_days, options)
///   requires: the test span validated as confusion_at; test_days strictly increasing trading-day
///             indices (lead_time's requirement); bootstrap block length <= test size.
///   ensures:  test metrics at the given (already frozen) threshold, their percentile intervals
///             (AUROC, AP, and F1 at that threshold) and the lead times. choice.threshold is set,
///             choice.criterion is NaN (nothing was chosen here).
inline signal_evaluation evaluate_at_threshold(double threshold, std::span<const double> test_scores,
                                               std::span<const int> test_labels, std::span<const std::int64_t> test_days,
                                               const signal_evaluation_options& options) {
    signal_evaluation e;
    e.choice.threshold = threshold;
    e.test = evaluate_classifier(test_scores, test_labels, threshold);
    e.choice.confusion = e.test.confusion;
    e.usefulness_relative = usefulness(e.test.confusion, options.mu).relative;
    e.auroc = block_bootstrap(test_scores, test_labels, [](auto s, auto l) { return auroc(s, l); }, options.bootstrap);
    e.average_precision =
        block_bootstrap(test_scores, test_labels, [](auto s, auto l) { return average_precision(s, l); }, options.bootstrap);
    e.f1 = block_bootstrap(
        test_scores, test_labels, [threshold](auto s, auto l) { return f1_score(confusion_at(s, l, threshold)); },
        options.bootstrap);
    e.lead = evaluate_lead_times(test_scores, threshold, test_labels, test_days, options.lead);
    return e;
}

/// evaluate_signal(validation_scores, validation_labels, test_scores, test_labels, test_days, options)
///   requires: as evaluate_at_threshold; validation labels hold both classes (else config_error
///             from choose_threshold).
///   ensures:  the threshold is chosen by options.rule on the validation span only, then the test
///             span is evaluated at it; choice holds the validation criterion and confusion.
inline signal_evaluation evaluate_signal(std::span<const double> validation_scores, std::span<const int> validation_labels,
                                         std::span<const double> test_scores, std::span<const int> test_labels,
                                         std::span<const std::int64_t> test_days, const signal_evaluation_options& options) {
    const threshold_choice choice = choose_threshold_by(validation_scores, validation_labels, options.rule, options.mu);
    signal_evaluation e = evaluate_at_threshold(choice.threshold, test_scores, test_labels, test_days, options);
    e.choice = choice;
    return e;
}

}  // namespace canary::risk

#pragma once
// Choosing a decision threshold on validation data: max-F1, Youden's J and Sarlin's usefulness.
// Fit the threshold on a validation span and report test metrics at that fixed threshold; choosing
// it on the test span would leak the labels into the evaluation.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <type_traits>

#include "canary/core/error.hpp"
#include "canary/risk/metrics.hpp"

namespace canary::risk {

/// A chosen threshold and what it achieves on the data it was chosen on.
struct threshold_choice {
    /// Rule: score >= threshold warns. +inf means "never warn" won (no threshold beats it).
    double threshold = std::numeric_limits<double>::infinity();
    double criterion = std::numeric_limits<double>::quiet_NaN();  ///< the maximised value
    confusion_matrix confusion;                                    ///< counts at threshold
};

/// choose_threshold(scores, labels, criterion)
///   requires: validated as confusion_at; labels contain both classes (else config_error: no
///             criterion here is meaningful on a single class); criterion(confusion_matrix) ->
///             double, where larger is better.
///   ensures:  evaluates every rule "score >= t" for t in {+inf} U {distinct scores} (so both trivial
///             rules, never warn and always warn, are candidates) and returns the t with the largest
///             criterion; ties go to the higher threshold (fewer alarms). NaN criteria never win.
///             O(n log n).
template <class Criterion>
    requires std::invocable<Criterion&, const confusion_matrix&> &&
             std::convertible_to<std::invoke_result_t<Criterion&, const confusion_matrix&>, double>
threshold_choice choose_threshold(std::span<const double> scores, std::span<const int> labels, Criterion criterion) {
    detail::validate_inputs(scores, labels, "canary::risk::choose_threshold");
    const auto counts = detail::binary_classifier_curve(scores, labels);
    const auto positives = static_cast<std::size_t>(counts.true_positives.back());
    const auto negatives = static_cast<std::size_t>(counts.false_positives.back());
    if (positives == 0 || negatives == 0)
        throw config_error("canary::risk::choose_threshold: validation labels contain only " +
                           std::string(positives == 0 ? "negatives" : "positives") +
                           "; a threshold needs both classes");
    auto confusion_for = [&](std::size_t hits, std::size_t alarms) {
        return confusion_matrix{.true_positives = hits, .false_positives = alarms,
                                .true_negatives = negatives - alarms, .false_negatives = positives - hits};
    };
    threshold_choice best;
    best.confusion = confusion_for(0, 0);
    best.criterion = static_cast<double>(criterion(best.confusion));
    // Distinct scores come highest first, so a strict > keeps the highest of tied thresholds.
    for (std::size_t k = 0; k < counts.thresholds.size(); ++k) {
        const auto candidate = confusion_for(static_cast<std::size_t>(counts.true_positives[k]),
                                             static_cast<std::size_t>(counts.false_positives[k]));
        const double value = static_cast<double>(criterion(candidate));
        if (value > best.criterion || (std::isnan(best.criterion) && !std::isnan(value))) {
            best = {counts.thresholds[k], value, candidate};
        }
    }
    return best;
}

/// choose_threshold_max_f1(scores, labels)
///   requires/ensures: as choose_threshold with criterion f1_score.
inline threshold_choice choose_threshold_max_f1(std::span<const double> scores, std::span<const int> labels) {
    return choose_threshold(scores, labels, [](const confusion_matrix& c) { return f1_score(c); });
}

/// youden_j(c) = TPR - FPR = recall + specificity - 1, in [-1, 1].
inline double youden_j(const confusion_matrix& c) noexcept { return recall(c) - false_positive_rate(c); }

/// choose_threshold_youden(scores, labels)
///   requires/ensures: as choose_threshold with criterion youden_j (the ROC point farthest above
///             the diagonal). A classifier no better than chance anywhere gets +inf (J = 0).
inline threshold_choice choose_threshold_youden(std::span<const double> scores, std::span<const int> labels) {
    return choose_threshold(scores, labels, [](const confusion_matrix& c) { return youden_j(c); });
}

/// Sarlin's (2013) policymaker loss and usefulness of one decision rule.
struct usefulness_result {
    double loss = 0.0;      ///< L(mu) = mu T1 P1 + (1 - mu) T2 P2
    double absolute = 0.0;  ///< U_a = min(mu P1, (1 - mu) P2) - L
    double relative = 0.0;  ///< U_r = U_a / min(mu P1, (1 - mu) P2); NaN when that minimum is 0
};

/// usefulness(c, mu)
///   requires: 0 <= mu <= 1 (else config_error); mu is the policymaker's relative aversion to
///             missing a crisis (type-1 error) versus a false alarm (type-2 error).
///   ensures:  T1 = FN / (TP + FN) (missed crises), T2 = FP / (FP + TN) (false alarms), both 0 when
///             their class is absent; P1 = positives / N, P2 = 1 - P1. The benchmark
///             min(mu P1, (1 - mu) P2) is the loss of the better trivial rule (never warn costs
///             mu P1, always warn costs (1 - mu) P2), so U_a > 0 means the signal beats ignoring it
///             and U_r is the share of the available usefulness captured (at most 1).
inline usefulness_result usefulness(const confusion_matrix& c, double mu = 0.5) {
    if (!(mu >= 0.0 && mu <= 1.0))
        throw config_error("canary::risk::usefulness: mu = " + std::to_string(mu) + " is outside [0, 1]");
    if (c.total() == 0) throw config_error("canary::risk::usefulness: the confusion matrix is empty");
    const double type1 = detail::ratio_or_zero(double(c.false_negatives), double(c.positives()));
    const double type2 = false_positive_rate(c);
    const double p1 = double(c.positives()) / double(c.total());
    const double p2 = 1.0 - p1;
    usefulness_result result;
    result.loss = mu * type1 * p1 + (1.0 - mu) * type2 * p2;
    const double benchmark = std::min(mu * p1, (1.0 - mu) * p2);
    result.absolute = benchmark - result.loss;
    result.relative = benchmark == 0.0 ? std::numeric_limits<double>::quiet_NaN() : result.absolute / benchmark;
    return result;
}

/// choose_threshold_usefulness(scores, labels, mu)
///   requires: as choose_threshold and usefulness.
///   ensures:  the threshold maximising absolute usefulness U_a at this mu (criterion = U_a). The
///             maximiser of U_r is the same threshold (U_r = U_a / a positive constant of the data),
///             so usefulness(result.confusion, mu).relative is the matching relative usefulness.
inline threshold_choice choose_threshold_usefulness(std::span<const double> scores, std::span<const int> labels,
                                                    double mu = 0.5) {
    (void)usefulness(confusion_matrix{.true_negatives = 1}, mu);  // validate mu before the sweep
    return choose_threshold(scores, labels, [mu](const confusion_matrix& c) { return usefulness(c, mu).absolute; });
}

}  // namespace canary::risk

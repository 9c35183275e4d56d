#pragma once
// Early-warning evaluation metrics: confusion counts at a threshold, the rates derived from them,
// the Brier score, and the ranking summaries (AUROC, average precision, PR-AUC) with their curves.
//
// scikit-learn (1.2) is the numerical reference: every value here agrees with the corresponding
// sklearn.metrics function to 1e-12 on the fixtures in tests/fixtures/metrics/. Where sklearn only
// warns about an undefined value, we return NaN together with a warning string instead, so that a
// caller (a bootstrap, a walk-forward loop) can skip it without parsing log output.
// The formulas are written out in docs/metrics.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "canary/core/error.hpp"

namespace canary::risk {

namespace detail {

// Every public metric validates its inputs the same way, so a mistake is reported with the name of
// the function that saw it and the first offending index.
inline void require_same_length(std::size_t score_count, std::size_t label_count, const char* who) {
    if (score_count != label_count)
        throw shape_error(std::string(who) + ": " + std::to_string(score_count) + " scores but " +
                          std::to_string(label_count) + " labels; they must have the same length");
    if (score_count == 0)
        throw shape_error(std::string(who) + ": no observations; at least one score and label are required");
}

inline void require_binary_labels(std::span<const int> labels, const char* who) {
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] != 0 && labels[i] != 1)
            throw config_error(std::string(who) + ": label at index " + std::to_string(i) + " is " +
                               std::to_string(labels[i]) + "; labels must be 0 or 1");
}

// Infinite scores are rejected too: +inf is the "flag nothing" threshold, which only works when no
// score can reach it.
inline void require_finite_scores(std::span<const double> scores, const char* who) {
    for (std::size_t i = 0; i < scores.size(); ++i)
        if (!std::isfinite(scores[i]))
            throw numeric_error(std::string(who) + ": score at index " + std::to_string(i) + " is " +
                                (std::isnan(scores[i]) ? "NaN" : "infinite") + "; scores must be finite");
}

inline void validate_inputs(std::span<const double> scores, std::span<const int> labels, const char* who) {
    require_same_length(scores.size(), labels.size(), who);
    require_binary_labels(labels, who);
    require_finite_scores(scores, who);
}

// sklearn's zero_division=0 convention: a ratio whose denominator is zero is reported as 0.
inline double ratio_or_zero(double numerator, double denominator) noexcept {
    return denominator == 0.0 ? 0.0 : numerator / denominator;
}

// Cumulative counts at each distinct score, scanning from the highest score down; this is
// sklearn's _binary_clf_curve. Entry k says: flagging every observation with score >=
// thresholds[k] gives true_positives[k] hits and false_positives[k] false alarms.
struct cumulative_counts {
    std::vector<double> thresholds;  // distinct scores, strictly decreasing
    std::vector<double> true_positives;
    std::vector<double> false_positives;
};

inline cumulative_counts binary_classifier_curve(std::span<const double> scores, std::span<const int> labels) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    cumulative_counts counts;
    double hits = 0.0;
    double alarms = 0.0;
    for (std::size_t k = 0; k < order.size(); ++k) {
        const std::size_t i = order[k];
        (labels[i] == 1 ? hits : alarms) += 1.0;
        // Tied scores form one group: only the last member of a group closes a curve point.
        const bool group_ends = k + 1 == order.size() || scores[order[k + 1]] != scores[i];
        if (group_ends) {
            counts.thresholds.push_back(scores[i]);
            counts.true_positives.push_back(hits);
            counts.false_positives.push_back(alarms);
        }
    }
    return counts;
}

// numpy.trapz(y, x) with sklearn.metrics.auc's orientation: the area is positive whether x rises
// or falls (callers pass monotone x).
inline double trapezoid_area(const std::vector<double>& x, const std::vector<double>& y) {
    double area = 0.0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) area += (x[i + 1] - x[i]) * (y[i] + y[i + 1]) / 2.0;
    const bool decreasing = x.size() > 1 && x.back() < x.front();
    return decreasing ? -area : area;
}

}  // namespace detail

// ---- confusion counts and the rates derived from them ---------------------------------------

/// Counts of a binary decision rule against 0/1 labels.
struct confusion_matrix {
    std::size_t true_positives = 0;
    std::size_t false_positives = 0;
    std::size_t true_negatives = 0;
    std::size_t false_negatives = 0;

    std::size_t positives() const noexcept { return true_positives + false_negatives; }
    std::size_t negatives() const noexcept { return true_negatives + false_positives; }
    std::size_t total() const noexcept { return positives() + negatives(); }
    bool operator==(const confusion_matrix&) const = default;
};

/// confusion_at(scores, labels, threshold)
///   requires: scores.size() == labels.size() > 0 (else shape_error); labels are 0 or 1 (else
///             config_error); scores finite (else numeric_error); threshold not NaN (else config_error).
///   ensures:  counts the rule "score >= threshold is a positive prediction" against labels.
///             threshold = +inf flags nothing; threshold <= min(scores) flags everything.
inline confusion_matrix confusion_at(std::span<const double> scores, std::span<const int> labels, double threshold) {
    detail::validate_inputs(scores, labels, "canary::risk::confusion_at");
    if (std::isnan(threshold)) throw config_error("canary::risk::confusion_at: threshold is NaN");
    confusion_matrix counts;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const bool predicted = scores[i] >= threshold;
        if (labels[i] == 1)
            ++(predicted ? counts.true_positives : counts.false_negatives);
        else
            ++(predicted ? counts.false_positives : counts.true_negatives);
    }
    return counts;
}

/// precision = TP / (TP + FP); ensures: 0 when nothing is flagged (sklearn zero_division=0).
inline double precision(const confusion_matrix& c) noexcept {
    return detail::ratio_or_zero(double(c.true_positives), double(c.true_positives + c.false_positives));
}

/// recall (true positive rate, hit rate) = TP / (TP + FN); ensures: 0 when there are no positives.
inline double recall(const confusion_matrix& c) noexcept {
    return detail::ratio_or_zero(double(c.true_positives), double(c.positives()));
}

/// F1 = 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall;
/// ensures: 0 when TP = FP = FN = 0 (sklearn zero_division=0).
inline double f1_score(const confusion_matrix& c) noexcept {
    return detail::ratio_or_zero(2.0 * double(c.true_positives),
                                 2.0 * double(c.true_positives) + double(c.false_positives + c.false_negatives));
}

/// accuracy = (TP + TN) / N; ensures: 0 for an empty matrix.
inline double accuracy(const confusion_matrix& c) noexcept {
    return detail::ratio_or_zero(double(c.true_positives + c.true_negatives), double(c.total()));
}

/// false positive rate (false alarm rate) = FP / (FP + TN); ensures: 0 when there are no negatives.
inline double false_positive_rate(const confusion_matrix& c) noexcept {
    return detail::ratio_or_zero(double(c.false_positives), double(c.negatives()));
}

/// specificity (true negative rate) = TN / (TN + FP); ensures: 0 when there are no negatives, so
/// specificity + FPR = 1 only when negatives exist.
inline double specificity(const confusion_matrix& c) noexcept {
    return detail::ratio_or_zero(double(c.true_negatives), double(c.negatives()));
}

// ---- probability calibration ------------------------------------------------------------------

/// brier_score(scores, labels)
///   requires: validated as confusion_at; every score in [0, 1] (else config_error: the Brier
///             score is only meaningful for probabilities, as in sklearn's brier_score_loss).
///   ensures:  mean over i of (score_i - label_i)^2, in [0, 1]; 0 is perfect.
inline double brier_score(std::span<const double> scores, std::span<const int> labels) {
    detail::validate_inputs(scores, labels, "canary::risk::brier_score");
    double sum = 0.0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (scores[i] < 0.0 || scores[i] > 1.0)
            throw config_error("canary::risk::brier_score: score at index " + std::to_string(i) + " is " +
                               std::to_string(scores[i]) + "; the Brier score needs probabilities in [0, 1]");
        const double error = scores[i] - double(labels[i]);
        sum += error * error;
    }
    return sum / double(scores.size());
}

// ---- curves -----------------------------------------------------------------------------------

/// Points of the ROC curve, from (0, 0) to (1, 1), as sklearn.metrics.roc_curve returns them.
struct roc_curve_points {
    std::vector<double> false_positive_rate;
    std::vector<double> true_positive_rate;
    /// thresholds[k] produces point k (score >= thresholds[k] is positive). thresholds[0] is +inf,
    /// the "flag nothing" point (sklearn 1.2 writes max score + 1 there; sklearn >= 1.3 writes inf).
    std::vector<double> thresholds;
    /// Empty, or says which rate is undefined (all NaN) because a class is missing.
    std::string warning;
};

/// roc_curve(scores, labels, drop_intermediate)
///   requires: validated as confusion_at.
///   ensures:  one point per distinct score plus the (0, 0) point, thresholds strictly decreasing;
///             with drop_intermediate (sklearn's default) points collinear with both neighbours
///             are dropped, which changes no area. Without negatives the FPR entries are NaN,
///             without positives the TPR entries are NaN, and warning says so.
inline roc_curve_points roc_curve(std::span<const double> scores, std::span<const int> labels,
                                  bool drop_intermediate = true) {
    detail::validate_inputs(scores, labels, "canary::risk::roc_curve");
    auto counts = detail::binary_classifier_curve(scores, labels);
    std::vector<std::size_t> kept;
    const std::size_t m = counts.thresholds.size();
    for (std::size_t k = 0; k < m; ++k) {
        // sklearn keeps a point when the second difference of either count is non-zero there.
        const bool interior = drop_intermediate && m > 2 && k > 0 && k + 1 < m;
        if (interior) {
            const auto& fp = counts.false_positives;
            const auto& tp = counts.true_positives;
            const bool straight = fp[k + 1] - 2.0 * fp[k] + fp[k - 1] == 0.0 && tp[k + 1] - 2.0 * tp[k] + tp[k - 1] == 0.0;
            if (straight) continue;
        }
        kept.push_back(k);
    }
    const double positives = counts.true_positives.back();
    const double negatives = counts.false_positives.back();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    roc_curve_points curve;
    curve.false_positive_rate.push_back(negatives > 0 ? 0.0 : nan);
    curve.true_positive_rate.push_back(positives > 0 ? 0.0 : nan);
    curve.thresholds.push_back(std::numeric_limits<double>::infinity());
    for (std::size_t k : kept) {
        curve.false_positive_rate.push_back(negatives > 0 ? counts.false_positives[k] / negatives : nan);
        curve.true_positive_rate.push_back(positives > 0 ? counts.true_positives[k] / positives : nan);
        curve.thresholds.push_back(counts.thresholds[k]);
    }
    if (negatives == 0) curve.warning = "no negative labels: the false positive rate is undefined";
    if (positives == 0) curve.warning = "no positive labels: the true positive rate is undefined";
    return curve;
}

/// Points of the precision-recall curve as sklearn.metrics.precision_recall_curve returns them:
/// recall decreasing, and a final point (recall 0, precision 1) that has no threshold.
struct precision_recall_curve_points {
    std::vector<double> precision;
    std::vector<double> recall;
    std::vector<double> thresholds;  // increasing; thresholds.size() == precision.size() - 1
    /// Empty, or says that recall was set to 1 everywhere because there are no positive labels.
    std::string warning;
};

/// precision_recall_curve(scores, labels)
///   requires: validated as confusion_at.
///   ensures:  one point per distinct score (lowest threshold first) plus the end point (0, 1).
///             Precision at a threshold that flags nothing cannot occur (every threshold is a
///             score). Without positive labels recall is 1 at every threshold (sklearn's choice)
///             and warning is set.
inline precision_recall_curve_points precision_recall_curve(std::span<const double> scores, std::span<const int> labels) {
    detail::validate_inputs(scores, labels, "canary::risk::precision_recall_curve");
    const auto counts = detail::binary_classifier_curve(scores, labels);
    const double positives = counts.true_positives.back();
    precision_recall_curve_points curve;
    for (std::size_t k = counts.thresholds.size(); k-- > 0;) {
        const double tp = counts.true_positives[k];
        curve.precision.push_back(detail::ratio_or_zero(tp, tp + counts.false_positives[k]));
        curve.recall.push_back(positives > 0 ? tp / positives : 1.0);
        curve.thresholds.push_back(counts.thresholds[k]);
    }
    curve.precision.push_back(1.0);
    curve.recall.push_back(0.0);
    if (positives == 0) curve.warning = "no positive labels: recall is set to 1 for all thresholds";
    return curve;
}

// ---- ranking summaries --------------------------------------------------------------------------

/// A summary that may be undefined for the data at hand (a single class). Undefined values are NaN
/// with a non-empty warning; nothing is thrown, so loops over folds or resamples can skip them.
struct ranking_score {
    double value = std::numeric_limits<double>::quiet_NaN();
    std::string warning;
    bool defined() const noexcept { return !std::isnan(value); }
};

/// auroc(scores, labels): area under the ROC curve.
///   requires: validated as confusion_at.
///   ensures:  sklearn's roc_auc_score: trapezoidal area under roc_curve with tied scores grouped
///             into one point (equivalently P(score_pos > score_neg) + P(tie) / 2). When only one
///             class is present, value is NaN and warning is set (sklearn raises instead).
inline ranking_score auroc(std::span<const double> scores, std::span<const int> labels) {
    detail::validate_inputs(scores, labels, "canary::risk::auroc");
    const auto curve = roc_curve(scores, labels);
    if (!curve.warning.empty())
        return {std::numeric_limits<double>::quiet_NaN(), "AUROC undefined: only one class present in labels"};
    return {detail::trapezoid_area(curve.false_positive_rate, curve.true_positive_rate), {}};
}

/// average_precision(scores, labels)
///   requires: validated as confusion_at.
///   ensures:  sklearn's average_precision_score, the step-wise (not interpolated) sum
///             AP = sum_k (R_k - R_{k+1}) P_k over the points of precision_recall_curve.
///             Without positive labels value is NaN with a warning (sklearn returns 0 and warns).
inline ranking_score average_precision(std::span<const double> scores, std::span<const int> labels) {
    detail::validate_inputs(scores, labels, "canary::risk::average_precision");
    const auto curve = precision_recall_curve(scores, labels);
    if (!curve.warning.empty())
        return {std::numeric_limits<double>::quiet_NaN(), "average precision undefined: no positive labels"};
    double sum = 0.0;
    for (std::size_t k = 0; k + 1 < curve.recall.size(); ++k)
        sum += (curve.recall[k] - curve.recall[k + 1]) * curve.precision[k];
    return {sum, {}};
}

/// pr_auc_trapezoid(scores, labels)
///   requires: validated as confusion_at.
///   ensures:  sklearn.metrics.auc(recall, precision) on precision_recall_curve: the trapezoidal
///             area, which interpolates linearly between points and so is usually a little
///             optimistic compared with average_precision. Without positive labels value is NaN
///             with a warning (sklearn returns an area computed from recall set to 1).
inline ranking_score pr_auc_trapezoid(std::span<const double> scores, std::span<const int> labels) {
    detail::validate_inputs(scores, labels, "canary::risk::pr_auc_trapezoid");
    const auto curve = precision_recall_curve(scores, labels);
    if (!curve.warning.empty())
        return {std::numeric_limits<double>::quiet_NaN(), "PR-AUC undefined: no positive labels"};
    return {detail::trapezoid_area(curve.recall, curve.precision), {}};
}

// ---- everything at once -------------------------------------------------------------------------

/// All metrics of one scored sample at one decision threshold.
struct classification_report {
    double threshold = 0.5;
    confusion_matrix confusion;
    double precision = 0.0;
    double recall = 0.0;
    double f1 = 0.0;
    double accuracy = 0.0;
    double false_positive_rate = 0.0;
    double specificity = 0.0;
    double positive_share = 0.0;  ///< share of label-1 observations (the base rate of AP)
    /// NaN when some score lies outside [0, 1] (not probabilities); a warning then says so.
    double brier = std::numeric_limits<double>::quiet_NaN();
    ranking_score auroc;
    ranking_score average_precision;
    ranking_score pr_auc;
    std::vector<std::string> warnings;  ///< every undefined entry above, explained
};

/// evaluate_classifier(scores, labels, threshold)
///   requires: validated as confusion_at.
///   ensures:  fills classification_report with the functions above at this threshold; undefined
///             entries are NaN and each adds one line to warnings. Never throws for a single class.
inline classification_report evaluate_classifier(std::span<const double> scores, std::span<const int> labels,
                                                 double threshold = 0.5) {
    detail::validate_inputs(scores, labels, "canary::risk::evaluate_classifier");
    classification_report report;
    report.threshold = threshold;
    report.confusion = confusion_at(scores, labels, threshold);
    report.precision = precision(report.confusion);
    report.recall = recall(report.confusion);
    report.f1 = f1_score(report.confusion);
    report.accuracy = accuracy(report.confusion);
    report.false_positive_rate = false_positive_rate(report.confusion);
    report.specificity = specificity(report.confusion);
    report.positive_share = double(report.confusion.positives()) / double(report.confusion.total());
    const bool probabilities = std::all_of(scores.begin(), scores.end(), [](double s) { return s >= 0.0 && s <= 1.0; });
    if (probabilities)
        report.brier = brier_score(scores, labels);
    else
        report.warnings.push_back("Brier score undefined: scores are not probabilities in [0, 1]");
    report.auroc = auroc(scores, labels);
    report.average_precision = average_precision(scores, labels);
    report.pr_auc = pr_auc_trapezoid(scores, labels);
    for (const ranking_score* s : {&report.auroc, &report.average_precision, &report.pr_auc})
        if (!s->warning.empty()) report.warnings.push_back(s->warning);
    return report;
}

}  // namespace canary::risk

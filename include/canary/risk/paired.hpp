#pragma once
// Comparing two scorers on the same days: DeLong's test for correlated ROC areas, a paired block
// bootstrap of the AUROC and average-precision differences, and the Politis-White block length.
//
// Two models scored on the same days are strongly correlated (both see the same crises), so their
// AUROCs must be compared with a paired test: treating the two areas as independent wastes the
// correlation and gives p-values that are far too large. DeLong's test does this under
// independence of the days; the paired block bootstrap does it for autocorrelated days, which is
// the usual case for early-warning labels. The formulas and references are in docs/statistics.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/risk/bootstrap.hpp"
#include "canary/risk/metrics.hpp"

namespace canary::risk {

// ---- DeLong -------------------------------------------------------------------------------------

struct delong_result {
    double auc_a = 0, auc_b = 0;
    double difference = 0;      ///< auc_a - auc_b
    double standard_error = 0;  ///< of the difference
    double z = 0;               ///< difference / standard_error
    double p_value = 1;         ///< two-sided, 2 * Phi(-|z|)
};

namespace detail {

// Midranks (1-based, ties get the mean of the ranks they span) of values, in the input order.
inline std::vector<double> midranks(std::span<const double> values) {
    const std::size_t n = values.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(n);
    std::size_t start = 0;
    while (start < n) {
        std::size_t end = start;
        while (end < n && values[order[end]] == values[order[start]]) ++end;
        // Ranks start+1 .. end share their mean.
        const double shared = 0.5 * double(start + 1 + end);
        for (std::size_t k = start; k < end; ++k) ranks[order[k]] = shared;
        start = end;
    }
    return ranks;
}

// DeLong's structural components of one scorer (Sun & Xu 2014, Algorithm 1). placements[t] is,
// for a positive day t, the share of negatives it outranks (V10, ties count one half) and, for a
// negative day t, the share of positives that outrank it (V01).
struct delong_components {
    double auc = 0;
    std::vector<double> placements;  // one per observation, in the input order
};

inline delong_components delong_structural_components(std::span<const double> scores, std::span<const int> labels,
                                                      std::size_t positives, std::size_t negatives) {
    std::vector<double> positive_scores, negative_scores;
    positive_scores.reserve(positives);
    negative_scores.reserve(negatives);
    for (std::size_t t = 0; t < scores.size(); ++t) (labels[t] == 1 ? positive_scores : negative_scores).push_back(scores[t]);
    const auto rank_positive = midranks(positive_scores);
    const auto rank_negative = midranks(negative_scores);
    const auto rank_all = midranks(scores);
    delong_components out;
    out.placements.resize(scores.size());
    const double m = double(positives), n = double(negatives);
    double positive_rank_sum = 0.0;
    std::size_t i = 0, j = 0;
    for (std::size_t t = 0; t < scores.size(); ++t) {
        if (labels[t] == 1) {
            // Rank among all minus rank among positives = number of negatives below (ties half).
            out.placements[t] = (rank_all[t] - rank_positive[i++]) / n;
            positive_rank_sum += rank_all[t];
        } else {
            out.placements[t] = 1.0 - (rank_all[t] - rank_negative[j++]) / m;
        }
    }
    out.auc = (positive_rank_sum - m * (m + 1.0) / 2.0) / (m * n);
    return out;
}

inline std::pair<std::size_t, std::size_t> delong_class_counts(std::span<const int> labels) {
    std::size_t positives = 0;
    for (int l : labels) positives += static_cast<std::size_t>(l == 1);
    return {positives, labels.size() - positives};
}

// Sample covariance (divisor count - 1) of two placement series restricted to one class.
inline double class_covariance(const std::vector<double>& a, const std::vector<double>& b, std::span<const int> labels,
                               int label, std::size_t count) {
    double mean_a = 0.0, mean_b = 0.0;
    for (std::size_t t = 0; t < labels.size(); ++t)
        if (labels[t] == label) mean_a += a[t], mean_b += b[t];
    mean_a /= double(count);
    mean_b /= double(count);
    double sum = 0.0;
    for (std::size_t t = 0; t < labels.size(); ++t)
        if (labels[t] == label) sum += (a[t] - mean_a) * (b[t] - mean_b);
    return sum / double(count - 1);
}

inline void require_delong_classes(std::size_t positives, std::size_t negatives, const char* who) {
    if (positives < 2 || negatives < 2)
        throw config_error(std::string(who) + ": " + std::to_string(positives) + " positive and " +
                           std::to_string(negatives) +
                           " negative labels; DeLong's variance needs at least two of each class");
}

// Two-sided normal tail probability 2 * Phi(-|z|).
inline double two_sided_normal_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

}  // namespace detail

/// delong_auc_variance(scores, labels)
///   requires: validated as confusion_at; at least two positives and two negatives (else
///             config_error: the variance has the class counts minus one as divisors).
///   ensures:  DeLong's estimate of Var(AUROC) = S10 / m + S01 / n, where S10 and S01 are the
///             sample variances of the structural components over the m positives and n negatives
///             (DeLong, DeLong & Clarke-Pearson 1988), computed in O(N log N) by midranks (Sun & Xu
///             2014). Ties count one half.
inline double delong_auc_variance(std::span<const double> scores, std::span<const int> labels) {
    constexpr const char* who = "canary::risk::delong_auc_variance";
    detail::validate_inputs(scores, labels, who);
    const auto [positives, negatives] = detail::delong_class_counts(labels);
    detail::require_delong_classes(positives, negatives, who);
    const auto c = detail::delong_structural_components(scores, labels, positives, negatives);
    return detail::class_covariance(c.placements, c.placements, labels, 1, positives) / double(positives) +
           detail::class_covariance(c.placements, c.placements, labels, 0, negatives) / double(negatives);
}

/// delong_test(scores_a, scores_b, labels)
///   requires: three spans of equal length (else shape_error), validated as confusion_at; at least
///             two positives and two negatives (else config_error).
///   ensures:  DeLong's test of AUROC_a = AUROC_b for two scorers of the same observations:
///             Var(a - b) = Var(a) + Var(b) - 2 Cov(a, b) from the structural components, z =
///             (auc_a - auc_b) / sqrt(Var), p = 2 Phi(-|z|). When the variance is zero (identical
///             rankings, or both perfect) z = 0 and p = 1 if the difference is zero, else z = +-inf
///             and p = 0. Assumes independent observations: with autocorrelated days the standard
///             error is too small, use paired_bootstrap instead.
inline delong_result delong_test(std::span<const double> scores_a, std::span<const double> scores_b,
                                 std::span<const int> labels) {
    constexpr const char* who = "canary::risk::delong_test";
    detail::validate_inputs(scores_a, labels, who);
    detail::validate_inputs(scores_b, labels, who);
    const auto [positives, negatives] = detail::delong_class_counts(labels);
    detail::require_delong_classes(positives, negatives, who);
    const auto a = detail::delong_structural_components(scores_a, labels, positives, negatives);
    const auto b = detail::delong_structural_components(scores_b, labels, positives, negatives);
    auto covariance = [&](const std::vector<double>& u, const std::vector<double>& v) {
        return detail::class_covariance(u, v, labels, 1, positives) / double(positives) +
               detail::class_covariance(u, v, labels, 0, negatives) / double(negatives);
    };
    const double variance = std::max(
        0.0, covariance(a.placements, a.placements) + covariance(b.placements, b.placements) -
                 2.0 * covariance(a.placements, b.placements));
    delong_result result;
    result.auc_a = a.auc;
    result.auc_b = b.auc;
    result.difference = a.auc - b.auc;
    result.standard_error = std::sqrt(variance);
    if (result.standard_error > 0.0) {
        result.z = result.difference / result.standard_error;
        result.p_value = detail::two_sided_normal_p(result.z);
    } else if (result.difference == 0.0) {
        result.z = 0.0;
        result.p_value = 1.0;
    } else {
        result.z = std::copysign(std::numeric_limits<double>::infinity(), result.difference);
        result.p_value = 0.0;
    }
    return result;
}

// ---- Politis-White block length ---------------------------------------------------------------

/// Optimal expected block lengths for the stationary and the circular block bootstrap.
struct block_length_estimate {
    double stationary = 1;
    double circular = 1;
};

/// politis_white_block_lengths(series)
///   requires: at least 3 values (else shape_error), all finite (else numeric_error).
///   ensures:  the Politis & White (2004) automatic block lengths with the Patton, Politis & White
///             (2009) correction of the circular-bootstrap constant, computed exactly as
///             arch.bootstrap.optimal_block_length (arch 8.0; agreement to 1e-12 is tested), both
///             capped at ceil(min(3 sqrt(N), N / 3)). A constant series has no dependence to
///             preserve: both lengths are 1. See docs/statistics.md for the formula and arch's
///             lag conventions, which we keep so that the numbers are comparable.
inline block_length_estimate politis_white_block_lengths(std::span<const double> series) {
    constexpr const char* who = "canary::risk::politis_white_block_lengths";
    const std::size_t n = series.size();
    if (n < 3) throw shape_error(std::string(who) + ": " + std::to_string(n) + " values; at least 3 are required");
    for (std::size_t t = 0; t < n; ++t)
        if (!std::isfinite(series[t]))
            throw numeric_error(std::string(who) + ": value at index " + std::to_string(t) + " is not finite");
    double mean = 0.0;
    for (double v : series) mean += v;
    mean /= double(n);
    std::vector<double> centred(n);
    for (std::size_t t = 0; t < n; ++t) centred[t] = series[t] - mean;

    const double nobs = double(n);
    const double cap = std::ceil(std::min(3.0 * std::sqrt(nobs), nobs / 3.0));
    const std::size_t significance_run = std::max<std::size_t>(5, static_cast<std::size_t>(std::log10(nobs)));
    const std::size_t max_lag = static_cast<std::size_t>(std::ceil(std::sqrt(nobs))) + significance_run;
    const double critical = 2.0 * std::sqrt(std::log10(nobs) / nobs);

    // dot(lo, hi, len): sum_{k < len} centred[lo + k] * centred[hi + k].
    auto dot = [&](std::size_t lo, std::size_t hi, std::size_t len) {
        double s = 0.0;
        for (std::size_t k = 0; k < len; ++k) s += centred[lo + k] * centred[hi + k];
        return s;
    };
    std::vector<double> autocovariance(max_lag + 1, 0.0), abs_autocorrelation(max_lag + 1, 0.0);
    bool found = false;
    std::size_t first_quiet_lag = 0;
    for (std::size_t i = 0; i <= max_lag; ++i) {
        // arch pairs the lag-i cross product with the sums of squares of the lag-(i+1) overlap.
        const std::size_t overlap_next = i + 1 < n ? n - (i + 1) : 0;
        const double tail_squares = dot(i + 1 < n ? i + 1 : n, i + 1 < n ? i + 1 : n, overlap_next);
        const double head_squares = dot(0, 0, overlap_next);
        const double cross = i < n ? dot(i, 0, n - i) : 0.0;
        autocovariance[i] = cross / nobs;
        abs_autocorrelation[i] = std::abs(cross) / std::sqrt(tail_squares * head_squares);  // NaN when 0/0
        if (i >= significance_run && !found) {
            bool quiet = true;
            for (std::size_t k = i - significance_run; k < i; ++k) quiet = quiet && abs_autocorrelation[k] < critical;
            if (quiet) {
                found = true;
                first_quiet_lag = i - significance_run;
            }
        }
    }
    std::size_t bandwidth = found ? 2 * std::max<std::size_t>(first_quiet_lag, 1) : max_lag;
    bandwidth = std::min(bandwidth, max_lag);

    double g = 0.0, long_run_variance = autocovariance[0];
    for (std::size_t k = 1; k <= bandwidth; ++k) {
        const double ratio = double(k) / double(bandwidth);
        const double flat_top = ratio <= 0.5 ? 1.0 : 2.0 * (1.0 - ratio);  // the trapezoid lag window
        g += 2.0 * flat_top * double(k) * autocovariance[k];
        long_run_variance += 2.0 * flat_top * autocovariance[k];
    }
    block_length_estimate out;
    if (!(long_run_variance != 0.0) || !std::isfinite(g)) return out;  // constant series
    const double d_stationary = 2.0 * long_run_variance * long_run_variance;
    const double d_circular = 4.0 / 3.0 * long_run_variance * long_run_variance;
    // pow, not cbrt, to round as numpy's ** does.
    const double third = 1.0 / 3.0;
    out.stationary = std::min(std::pow(2.0 * g * g / d_stationary, third) * std::pow(nobs, third), cap);
    out.circular = std::min(std::pow(2.0 * g * g / d_circular, third) * std::pow(nobs, third), cap);
    return out;
}

/// politis_white_block_length(series): the stationary-bootstrap entry of politis_white_block_lengths.
inline double politis_white_block_length(std::span<const double> series) {
    return politis_white_block_lengths(series).stationary;
}

// ---- paired bootstrap ---------------------------------------------------------------------------

enum class bootstrap_scheme {
    stationary,  ///< Politis & Romano (1994): geometric block lengths with mean b, wrapping circularly
    circular,    ///< Politis & Romano (1992): blocks of round(b) consecutive days, wrapping circularly
    iid,         ///< Efron's bootstrap of single days (only for independent observations)
};

struct paired_bootstrap_options {
    std::size_t resamples = 2000;  ///< >= 1
    bootstrap_scheme scheme = bootstrap_scheme::stationary;
    double block_length = 0;  ///< 0: chosen by Politis-White (see paired_bootstrap); else >= 1
    double confidence = 0.95;  ///< in (0, 1)
    std::uint64_t seed = 20240607;
};

struct paired_difference {
    double estimate = std::numeric_limits<double>::quiet_NaN();  ///< a - b on the full sample
    double lower = std::numeric_limits<double>::quiet_NaN();     ///< percentile interval of a - b
    double upper = std::numeric_limits<double>::quiet_NaN();
    double p_value = std::numeric_limits<double>::quiet_NaN();   ///< two-sided, see paired_bootstrap
    double standard_error = std::numeric_limits<double>::quiet_NaN();  ///< sample s.d. of the used d*; NaN below 2
};

struct paired_bootstrap_result {
    paired_difference auroc, ap;
    double block_length = 1;           ///< the mean (stationary) or fixed (circular) block length used; 1 for iid
    std::size_t resamples_used = 0;    ///< resamples that entered the intervals
    std::size_t dropped_single_class = 0;  ///< resamples drawn but dropped because one class was missing
};

namespace detail {

// A uniform double in [0, 1) from the top 53 bits.
inline double paired_uniform_unit(xoshiro256ss& rng) { return double(rng() >> 11) * 0x1.0p-53; }

// Resample indices of one bootstrap draw; every scheme wraps circularly so each day is equally
// likely to be drawn.
inline void draw_resample(std::vector<std::size_t>& indices, bootstrap_scheme scheme, double block_length,
                          xoshiro256ss& rng) {
    const std::size_t n = indices.size();
    switch (scheme) {
        case bootstrap_scheme::iid:
            for (auto& index : indices) index = static_cast<std::size_t>(rng.below(n));
            return;
        case bootstrap_scheme::stationary: {
            const double restart = 1.0 / block_length;
            std::size_t current = static_cast<std::size_t>(rng.below(n));
            indices[0] = current;
            for (std::size_t t = 1; t < n; ++t) {
                current = paired_uniform_unit(rng) < restart ? static_cast<std::size_t>(rng.below(n)) : (current + 1) % n;
                indices[t] = current;
            }
            return;
        }
        case bootstrap_scheme::circular: {
            const std::size_t length = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(block_length)));
            std::size_t t = 0;
            while (t < n) {
                const auto start = static_cast<std::size_t>(rng.below(n));
                for (std::size_t k = 0; k < length && t < n; ++k) indices[t++] = (start + k) % n;
            }
            return;
        }
    }
}

// AUROC and average precision from one sort, with tied scores grouped exactly as
// binary_classifier_curve does, so the values equal auroc() and average_precision().
// Requires both classes present.
/// Both rows and the labels at the resampled indices (the same indices: the pairing); returns
/// the number of positives drawn.
inline std::size_t gather_resample(const std::vector<std::size_t>& indices, std::span<const double> scores_a,
                                   std::span<const double> scores_b, std::span<const int> labels,
                                   std::vector<double>& a, std::vector<double>& b, std::vector<int>& y) {
    std::size_t positives = 0;
    for (std::size_t t = 0; t < indices.size(); ++t) {
        a[t] = scores_a[indices[t]];
        b[t] = scores_b[indices[t]];
        y[t] = labels[indices[t]];
        positives += static_cast<std::size_t>(y[t]);
    }
    return positives;
}

struct ranking_pair {
    double auroc, ap;
};

inline ranking_pair auroc_and_ap(const std::vector<double>& scores, const std::vector<int>& labels,
                                 std::vector<std::size_t>& order) {
    const std::size_t n = scores.size();
    order.resize(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    double positives = 0.0;
    for (int l : labels) positives += l;
    const double negatives = double(n) - positives;
    double hits = 0.0, alarms = 0.0, area = 0.0, ap = 0.0;
    for (std::size_t k = 0; k < n;) {
        const double before_hits = hits, before_alarms = alarms;
        const double group_score = scores[order[k]];
        for (; k < n && scores[order[k]] == group_score; ++k) (labels[order[k]] == 1 ? hits : alarms) += 1.0;
        area += (alarms - before_alarms) * (hits + before_hits) / 2.0;
        ap += (hits - before_hits) * (hits / (hits + alarms));
    }
    return {area / (positives * negatives), ap / positives};
}

// Influence-function series of AUROC_a - AUROC_b: the per-day contribution whose sample mean the
// difference is, to first order (see docs/statistics.md). Its autocorrelation is what the block
// bootstrap has to preserve, so Politis-White is applied to it.
inline std::vector<double> auroc_difference_influence(std::span<const double> scores_a, std::span<const double> scores_b,
                                                      std::span<const int> labels, std::size_t positives,
                                                      std::size_t negatives) {
    const auto a = delong_structural_components(scores_a, labels, positives, negatives);
    const auto b = delong_structural_components(scores_b, labels, positives, negatives);
    const double difference = a.auc - b.auc;
    const double total = double(labels.size());
    std::vector<double> influence(labels.size());
    for (std::size_t t = 0; t < labels.size(); ++t) {
        const double share = labels[t] == 1 ? double(positives) / total : double(negatives) / total;
        influence[t] = (a.placements[t] - b.placements[t] - difference) / share;
    }
    return influence;
}

inline double paired_quantile(const std::vector<double>& sorted, double p) {
    const double position = p * double(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    return sorted[below] + (position - double(below)) * (sorted[above] - sorted[below]);
}

inline void summarise_differences(paired_difference& out, std::vector<double> replicates, double confidence) {
    if (replicates.empty()) return;
    std::size_t at_or_below = 0, at_or_above = 0;
    for (double d : replicates) {
        at_or_below += static_cast<std::size_t>(d <= 0.0);
        at_or_above += static_cast<std::size_t>(d >= 0.0);
    }
    const double used = double(replicates.size());
    out.p_value = std::min(1.0, 2.0 * (1.0 + double(std::min(at_or_below, at_or_above))) / (used + 1.0));
    if (replicates.size() > 1) {
        double mean = 0.0;
        for (double d : replicates) mean += d;
        mean /= used;
        double squares = 0.0;
        for (double d : replicates) squares += (d - mean) * (d - mean);
        out.standard_error = std::sqrt(squares / (used - 1.0));
    }
    std::sort(replicates.begin(), replicates.end());
    out.lower = paired_quantile(replicates, (1.0 - confidence) / 2.0);
    out.upper = paired_quantile(replicates, (1.0 + confidence) / 2.0);
}

// The checks shared by paired_bootstrap and paired_bootstrap_metric.
inline void validate_paired_bootstrap(std::span<const double> scores_a, std::span<const double> scores_b,
                                      std::span<const int> labels, const paired_bootstrap_options& options,
                                      const char* who) {
    validate_inputs(scores_a, labels, who);
    validate_inputs(scores_b, labels, who);
    if (options.resamples < 1) throw config_error(std::string(who) + ": resamples must be at least 1");
    if (!(options.confidence > 0.0 && options.confidence < 1.0))
        throw config_error(std::string(who) + ": confidence " + std::to_string(options.confidence) +
                           " is outside (0, 1)");
    if (!(options.block_length == 0.0 || (std::isfinite(options.block_length) && options.block_length >= 1.0)))
        throw config_error(std::string(who) + ": block length " + std::to_string(options.block_length) +
                           " must be 0 (automatic) or a finite number >= 1");
    const auto [positives, negatives] = delong_class_counts(labels);
    if (positives == 0 || negatives == 0)
        throw config_error(std::string(who) + ": the labels hold a single class; paired differences are undefined");
}

// The block length paired_bootstrap documents: 1 for iid, the given one, or Politis-White of the
// AUROC-difference influence series clamped to [1, max(1, n / 3)].
inline double paired_block_length(std::span<const double> scores_a, std::span<const double> scores_b,
                                  std::span<const int> labels, const paired_bootstrap_options& options) {
    if (options.scheme == bootstrap_scheme::iid) return 1.0;
    if (options.block_length > 0.0) return options.block_length;
    const std::size_t n = labels.size();
    if (n < 3) return 1.0;
    const auto [positives, negatives] = delong_class_counts(labels);
    const auto influence = auroc_difference_influence(scores_a, scores_b, labels, positives, negatives);
    const auto lengths = politis_white_block_lengths(influence);
    const double chosen = options.scheme == bootstrap_scheme::stationary ? lengths.stationary : lengths.circular;
    return std::isfinite(chosen) ? std::clamp(chosen, 1.0, std::max(1.0, double(n) / 3.0)) : 1.0;
}

}  // namespace detail

/// paired_bootstrap(scores_a, scores_b, labels, options)
///   requires: three spans of equal length (else shape_error), validated as confusion_at; both
///             classes present (else config_error); resamples >= 1, confidence in (0, 1),
///             block_length 0 or finite >= 1 (else config_error).
///   ensures:  draws options.resamples index vectors by options.scheme and applies each to both
///             scorers and the labels together (paired: the same days for a and b, so their
///             correlation cancels in the difference). Resamples with a single class are dropped
///             and counted in dropped_single_class; the others give d* = metric_a - metric_b for
///             AUROC and for average precision.
///             Interval: the percentile interval of d* at options.confidence (linear interpolation,
///             numpy's default).
///             p-value: the percentile-bootstrap p-value 2 min(P*(d* <= 0), P*(d* >= 0)) with the
///             Monte-Carlo +1 correction, p = min(1, 2 (1 + min(#{d* <= 0}, #{d* >= 0})) / (B + 1))
///             over the B used resamples. It inverts the percentile interval (p < 1 - confidence
///             when the interval excludes 0, up to a resample or two from the +1 and the
///             interpolation), so the p-value and the reported interval agree; it assumes no
///             symmetry of d*, and it is never exactly 0 for a finite B (smallest 2 / (B + 1)).
///             Identical rows give d* = 0 always and p = 1.
///             Block length: options.block_length when positive (the mean block length for
///             stationary, rounded to an integer for circular, ignored for iid); when 0, the
///             Politis-White length (stationary or circular, matching the scheme) of the
///             influence-function series of the AUROC difference (detail::auroc_difference_influence),
///             clamped to [1, max(1, n / 3)]. The AP difference uses the same blocks.
///             The same inputs and seed give the same result on every platform.
inline paired_bootstrap_result paired_bootstrap(std::span<const double> scores_a, std::span<const double> scores_b,
                                                std::span<const int> labels,
                                                const paired_bootstrap_options& options = {}) {
    constexpr const char* who = "canary::risk::paired_bootstrap";
    detail::validate_paired_bootstrap(scores_a, scores_b, labels, options, who);
    const std::size_t n = labels.size();
    paired_bootstrap_result result;
    result.block_length = detail::paired_block_length(scores_a, scores_b, labels, options);

    std::vector<double> a(scores_a.begin(), scores_a.end()), b(scores_b.begin(), scores_b.end());
    std::vector<int> y(labels.begin(), labels.end());
    std::vector<std::size_t> order;
    const auto full_a = detail::auroc_and_ap(a, y, order);
    const auto full_b = detail::auroc_and_ap(b, y, order);
    result.auroc.estimate = full_a.auroc - full_b.auroc;
    result.ap.estimate = full_a.ap - full_b.ap;

    xoshiro256ss rng(options.seed);
    std::vector<std::size_t> indices(n);
    std::vector<double> auroc_differences, ap_differences;
    auroc_differences.reserve(options.resamples);
    ap_differences.reserve(options.resamples);
    for (std::size_t r = 0; r < options.resamples; ++r) {
        detail::draw_resample(indices, options.scheme, result.block_length, rng);
        const std::size_t drawn_positives = detail::gather_resample(indices, scores_a, scores_b, labels, a, b, y);
        if (drawn_positives == 0 || drawn_positives == n) {
            ++result.dropped_single_class;
            continue;
        }
        const auto ra = detail::auroc_and_ap(a, y, order);
        const auto rb = detail::auroc_and_ap(b, y, order);
        auroc_differences.push_back(ra.auroc - rb.auroc);
        ap_differences.push_back(ra.ap - rb.ap);
    }
    result.resamples_used = auroc_differences.size();
    detail::summarise_differences(result.auroc, std::move(auroc_differences), options.confidence);
    detail::summarise_differences(result.ap, std::move(ap_differences), options.confidence);
    return result;
}

/// The paired difference of one metric, with the bookkeeping of its resamples.
struct paired_metric_result {
    paired_difference difference;
    double block_length = 1;
    std::size_t resamples_used = 0;
    std::size_t dropped_single_class = 0;
    std::size_t dropped_undefined = 0;  ///< resamples where either metric value was NaN
};

/// paired_bootstrap_metric(scores_a, scores_b, labels, metric, options)
///   requires: as paired_bootstrap; metric is a sample_metric (bootstrap.hpp): callable on
///             (span<const double>, span<const int>), returning a double or a ranking_score.
///   ensures:  the paired bootstrap of metric(a) - metric(b) with exactly paired_bootstrap's
///             resamples (same scheme, block length rule and seed give the same index vectors, so
///             metric = auroc reproduces paired_bootstrap's auroc entry), interval, p-value and
///             standard error. For a metric where smaller is better (Brier score, log loss) a
///             negative difference favours a. Resamples with one class are dropped and counted in
///             dropped_single_class, those where either value is NaN in dropped_undefined.
template <sample_metric Metric>
paired_metric_result paired_bootstrap_metric(std::span<const double> scores_a, std::span<const double> scores_b,
                                             std::span<const int> labels, Metric&& metric,
                                             const paired_bootstrap_options& options = {}) {
    constexpr const char* who = "canary::risk::paired_bootstrap_metric";
    detail::validate_paired_bootstrap(scores_a, scores_b, labels, options, who);
    const std::size_t n = labels.size();
    paired_metric_result result;
    result.block_length = detail::paired_block_length(scores_a, scores_b, labels, options);
    result.difference.estimate = detail::metric_value(metric(scores_a, labels)) - detail::metric_value(metric(scores_b, labels));

    xoshiro256ss rng(options.seed);
    std::vector<std::size_t> indices(n);
    std::vector<double> a(n), b(n), differences;
    std::vector<int> y(n);
    differences.reserve(options.resamples);
    for (std::size_t r = 0; r < options.resamples; ++r) {
        detail::draw_resample(indices, options.scheme, result.block_length, rng);
        const std::size_t drawn_positives = detail::gather_resample(indices, scores_a, scores_b, labels, a, b, y);
        if (drawn_positives == 0 || drawn_positives == n) {
            ++result.dropped_single_class;
            continue;
        }
        const double value_a = detail::metric_value(metric(std::span<const double>(a), std::span<const int>(y)));
        const double value_b = detail::metric_value(metric(std::span<const double>(b), std::span<const int>(y)));
        if (std::isnan(value_a) || std::isnan(value_b)) {
            ++result.dropped_undefined;
            continue;
        }
        differences.push_back(value_a - value_b);
    }
    result.resamples_used = differences.size();
    detail::summarise_differences(result.difference, std::move(differences), options.confidence);
    return result;
}

}  // namespace canary::risk

#pragma once
// Probability calibration: Platt scaling on the logit, isotonic regression (pool adjacent
// violators), reliability bins and the expected calibration error.
//
// A model whose ranking is good can still be badly calibrated (a rare-event label pushes every
// probability towards zero), and a decision rule on probabilities needs them to mean what they
// say. Calibrators are fitted on validation data only and then applied to the test period; they
// never see the days they are applied to. Formulas and references: docs/statistics.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/risk/metrics.hpp"

namespace canary::risk {

namespace detail {

// Probabilities are clipped to [clip, 1 - clip] before the logit so that 0 and 1 map to finite
// values; the bound is small enough to leave every probability a double model can output
// between them unchanged.
inline constexpr double platt_probability_clip = 1e-12;

inline double clipped_logit(double p) {
    const double q = std::clamp(p, platt_probability_clip, 1.0 - platt_probability_clip);
    return std::log(q) - std::log1p(-q);
}

inline double calibration_sigmoid(double z) {
    if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
}

// log(1 + exp(z)) without overflow.
inline double calibration_softplus(double z) { return z > 0.0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

inline void require_calibration_probabilities(std::span<const double> probabilities, const char* who) {
    for (std::size_t i = 0; i < probabilities.size(); ++i)
        if (probabilities[i] < 0.0 || probabilities[i] > 1.0)
            throw config_error(std::string(who) + ": probability at index " + std::to_string(i) + " is " +
                               std::to_string(probabilities[i]) + "; probabilities must lie in [0, 1]");
}

inline void require_calibration_classes(std::span<const int> labels, const char* who) {
    const auto positives = static_cast<std::size_t>(std::count(labels.begin(), labels.end(), 1));
    if (positives == 0 || positives == labels.size())
        throw config_error(std::string(who) + ": the calibration labels hold a single class (" +
                           std::to_string(positives) + " positives of " + std::to_string(labels.size()) +
                           "); a calibration map cannot be fitted");
}

}  // namespace detail

/// Platt scaling on the logit: p' = sigmoid(slope * logit(p) + intercept).
struct platt_calibrator {
    double slope = 1, intercept = 0;

    /// fit(probabilities, labels)
    ///   requires: validated as confusion_at; probabilities in [0, 1] (else config_error); both
    ///             classes present (else config_error).
    ///   ensures:  minimises the cross-entropy -sum_i [t_i log q_i + (1 - t_i) log(1 - q_i)],
    ///             q_i = sigmoid(slope f_i + intercept), f_i = logit(clip(p_i, 1e-12, 1 - 1e-12)),
    ///             with Platt's smoothed targets t_i = (N+ + 1) / (N+ + 2) for positives and
    ///             1 / (N- + 2) for negatives (Platt 1999, as sklearn's sigmoid calibration). The
    ///             smoothing keeps the optimum finite on separable data. Newton's method with step
    ///             halving, until a step moves the parameters by less than 1e-13 (1 + |a| + |b|). When every f_i is equal the
    ///             slope is not identified: slope = 0 and intercept = logit of the mean target.
    static platt_calibrator fit(std::span<const double> probabilities, std::span<const int> labels) {
        constexpr const char* who = "canary::risk::platt_calibrator::fit";
        detail::validate_inputs(probabilities, labels, who);
        detail::require_calibration_probabilities(probabilities, who);
        detail::require_calibration_classes(labels, who);
        const std::size_t n = labels.size();
        const double positives = double(std::count(labels.begin(), labels.end(), 1));
        const double negatives = double(n) - positives;
        const double target_positive = (positives + 1.0) / (positives + 2.0);
        const double target_negative = 1.0 / (negatives + 2.0);
        std::vector<double> f(n), t(n);
        for (std::size_t i = 0; i < n; ++i) {
            f[i] = detail::clipped_logit(probabilities[i]);
            t[i] = labels[i] == 1 ? target_positive : target_negative;
        }
        platt_calibrator c;
        const auto [lowest, highest] = std::minmax_element(f.begin(), f.end());
        if (*lowest == *highest) {
            const double mean_target = (positives * target_positive + negatives * target_negative) / double(n);
            c.slope = 0.0;
            c.intercept = std::log(mean_target) - std::log1p(-mean_target);
            return c;
        }
        auto objective = [&](double a, double b) {
            double sum = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                const double z = a * f[i] + b;
                sum += detail::calibration_softplus(z) - t[i] * z;  // -[t log q + (1 - t) log(1 - q)]
            }
            return sum;
        };
        double a = 0.0, b = std::log((positives + 1.0) / (negatives + 1.0));  // Platt's start
        double current = objective(a, b);
        for (int iteration = 0; iteration < 200; ++iteration) {
            double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const double q = detail::calibration_sigmoid(a * f[i] + b);
                const double r = q - t[i], w = q * (1.0 - q);
                ga += r * f[i];
                gb += r;
                haa += w * f[i] * f[i];
                hab += w * f[i];
                hbb += w;
            }
            if (ga == 0.0 && gb == 0.0) break;
            // A tiny ridge keeps the 2x2 system solvable when the weights underflow.
            const double ridge = 1e-12 * (1.0 + haa + hbb);
            haa += ridge;
            hbb += ridge;
            const double det = haa * hbb - hab * hab;
            const double da = -(hbb * ga - hab * gb) / det;
            const double db = -(haa * gb - hab * ga) / det;
            double step = 1.0;
            bool accepted = false;
            for (int halving = 0; halving < 60; ++halving, step /= 2.0) {
                const double candidate = objective(a + step * da, b + step * db);
                // Near the optimum the decrease drops below the objective's rounding; a full Newton
                // step that does not increase it beyond rounding is then taken as is.
                const bool sufficient = candidate <= current + 1e-4 * step * (ga * da + gb * db);
                const bool within_rounding = step == 1.0 && candidate <= current + 1e-14 * std::abs(current);
                if (sufficient || within_rounding) {
                    a += step * da;
                    b += step * db;
                    current = candidate;
                    accepted = true;
                    break;
                }
            }
            // Newton converges quadratically, so a step this small means the next one would be at the
            // rounding level; a failed line search means no decrease is left at double precision.
            if (!accepted || std::max(std::abs(step * da), std::abs(step * db)) <= 1e-13 * (1.0 + std::abs(a) + std::abs(b)))
                break;
        }
        c.slope = a;
        c.intercept = b;
        return c;
    }

    /// requires: probability in [0, 1] (else config_error; NaN gives numeric_error).
    double operator()(double probability) const {
        if (std::isnan(probability)) throw numeric_error("canary::risk::platt_calibrator: probability is NaN");
        if (probability < 0.0 || probability > 1.0)
            throw config_error("canary::risk::platt_calibrator: probability " + std::to_string(probability) +
                               " is outside [0, 1]");
        return detail::calibration_sigmoid(slope * detail::clipped_logit(probability) + intercept);
    }

    std::vector<double> apply(std::span<const double> probabilities) const {
        std::vector<double> out(probabilities.size());
        for (std::size_t i = 0; i < probabilities.size(); ++i) out[i] = (*this)(probabilities[i]);
        return out;
    }
};

/// Isotonic (monotone non-decreasing) calibration map, linear between its step points.
struct isotonic_calibrator {
    std::vector<double> x, y;  ///< fitted points, x strictly increasing, y non-decreasing

    /// fit(scores, labels)
    ///   requires: validated as confusion_at (scores any finite reals); both classes present (else
    ///             config_error).
    ///   ensures:  sklearn.isotonic.IsotonicRegression(increasing=True, out_of_bounds='clip'):
    ///             observations with equal scores are merged into their mean label, the pool
    ///             adjacent violators algorithm fits the least-squares non-decreasing sequence (equal
    ///             neighbours are pooled, as sklearn does), and interior points whose y equals both
    ///             neighbours' are dropped. x and y equal sklearn's X_thresholds_ and y_thresholds_
    ///             (sklearn also merges scores closer than 1e-15; we merge exact ties only).
    static isotonic_calibrator fit(std::span<const double> scores, std::span<const int> labels) {
        constexpr const char* who = "canary::risk::isotonic_calibrator::fit";
        detail::validate_inputs(scores, labels, who);
        detail::require_calibration_classes(labels, who);
        const std::size_t n = scores.size();
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
            return scores[i] != scores[j] ? scores[i] < scores[j] : labels[i] < labels[j];
        });
        std::vector<double> unique_x, mean_y, weight;
        for (std::size_t k = 0; k < n;) {
            const double value = scores[order[k]];
            double sum = 0.0, count = 0.0;
            for (; k < n && scores[order[k]] == value; ++k) sum += labels[order[k]], count += 1.0;
            unique_x.push_back(value);
            mean_y.push_back(sum / count);
            weight.push_back(count);
        }
        pool_adjacent_violators(mean_y, weight);
        isotonic_calibrator c;
        const std::size_t m = unique_x.size();
        for (std::size_t k = 0; k < m; ++k) {
            const bool interior = k > 0 && k + 1 < m;
            if (interior && mean_y[k] == mean_y[k - 1] && mean_y[k] == mean_y[k + 1]) continue;
            c.x.push_back(unique_x[k]);
            c.y.push_back(mean_y[k]);
        }
        return c;
    }

    /// requires: a fitted calibrator (else config_error); score not NaN (else numeric_error).
    /// ensures:  linear interpolation between the fitted points; scores outside [x.front(), x.back()]
    ///           are clipped to the end values.
    double operator()(double score) const {
        if (x.empty() || x.size() != y.size())
            throw config_error("canary::risk::isotonic_calibrator: not fitted (x and y must be non-empty and of equal length)");
        if (std::isnan(score)) throw numeric_error("canary::risk::isotonic_calibrator: score is NaN");
        if (score <= x.front()) return y.front();
        if (score >= x.back()) return y.back();
        const auto upper = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), score) - x.begin());
        const std::size_t lower = upper - 1;
        const double slope = (y[upper] - y[lower]) / (x[upper] - x[lower]);
        return y[lower] + slope * (score - x[lower]);
    }

    std::vector<double> apply(std::span<const double> scores) const {
        std::vector<double> out(scores.size());
        for (std::size_t i = 0; i < scores.size(); ++i) out[i] = (*this)(scores[i]);
        return out;
    }

private:
    // sklearn's single-pass PAVA (_inplace_contiguous_isotonic_regression), so that pooled means are
    // formed in the same order and agree to the last bit or two. block_end[i] is the last index of
    // the block starting at i and block_end[j] the first index of the block ending at j.
    static void pool_adjacent_violators(std::vector<double>& y, std::vector<double>& w) {
        const std::size_t n = y.size();
        std::vector<std::size_t> target(n);
        std::iota(target.begin(), target.end(), std::size_t{0});
        std::size_t i = 0;
        while (i < n) {
            std::size_t k = target[i] + 1;
            if (k == n) break;
            if (y[i] < y[k]) {
                i = k;
                continue;
            }
            double sum_wy = w[i] * y[i], sum_w = w[i];
            for (;;) {
                const double previous = y[k];
                sum_wy += w[k] * y[k];
                sum_w += w[k];
                k = target[k] + 1;
                if (k == n || previous < y[k]) {
                    y[i] = sum_wy / sum_w;
                    w[i] = sum_w;
                    target[i] = k - 1;
                    target[k - 1] = i;
                    if (i > 0) i = target[i - 1];
                    break;
                }
            }
        }
        for (i = 0; i < n;) {
            const std::size_t k = target[i] + 1;
            for (std::size_t j = i + 1; j < k; ++j) y[j] = y[i];
            i = k;
        }
    }
};

/// One bin of a reliability diagram.
struct reliability_bin {
    double lower, upper;    ///< bin edges; the bin is [lower, upper), the last one [lower, 1]
    double mean_predicted;  ///< mean probability in the bin; NaN when count == 0
    double observed_rate;   ///< share of positives in the bin; NaN when count == 0
    std::size_t count;
};

/// reliability_bins(probabilities, labels, bins)
///   requires: validated as confusion_at; probabilities in [0, 1] (else config_error); bins >= 1
///             (else config_error).
///   ensures:  bins equal-width bins with edges k / bins; probability p falls into bin
///             #{k in 1..bins-1 : k / bins <= p} (numpy.searchsorted(..., side='right') on the
///             interior edges, so 1.0 lands in the last bin). All bins are returned, empty ones
///             with count 0 and NaN means, so that the vector index is the bin number.
inline std::vector<reliability_bin> reliability_bins(std::span<const double> probabilities, std::span<const int> labels,
                                                     std::size_t bins = 10) {
    constexpr const char* who = "canary::risk::reliability_bins";
    detail::validate_inputs(probabilities, labels, who);
    detail::require_calibration_probabilities(probabilities, who);
    if (bins < 1) throw config_error(std::string(who) + ": bins must be at least 1");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double width_count = double(bins);
    std::vector<double> predicted_sum(bins, 0.0), positive_sum(bins, 0.0);
    std::vector<std::size_t> counts(bins, 0);
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        const double p = probabilities[i];
        auto bin = std::min(bins - 1, static_cast<std::size_t>(std::floor(p * width_count)));
        // floor(p * bins) can be off by one against the edge k / bins after rounding; fix it up.
        while (bin > 0 && p < double(bin) / width_count) --bin;
        while (bin + 1 < bins && p >= double(bin + 1) / width_count) ++bin;
        predicted_sum[bin] += p;
        positive_sum[bin] += labels[i];
        ++counts[bin];
    }
    std::vector<reliability_bin> out(bins);
    for (std::size_t k = 0; k < bins; ++k) {
        out[k].lower = double(k) / width_count;
        out[k].upper = double(k + 1) / width_count;
        out[k].count = counts[k];
        out[k].mean_predicted = counts[k] ? predicted_sum[k] / double(counts[k]) : nan;
        out[k].observed_rate = counts[k] ? positive_sum[k] / double(counts[k]) : nan;
    }
    return out;
}

/// expected_calibration_error(probabilities, labels, bins)
///   requires: as reliability_bins.
///   ensures:  ECE = sum over non-empty bins of (count_k / N) |observed_rate_k - mean_predicted_k|
///             (Naeini, Cooper & Hauskrecht 2015; Guo et al. 2017), in [0, 1].
inline double expected_calibration_error(std::span<const double> probabilities, std::span<const int> labels,
                                         std::size_t bins = 10) {
    const auto table = reliability_bins(probabilities, labels, bins);
    double ece = 0.0;
    for (const auto& bin : table)
        if (bin.count > 0)
            ece += double(bin.count) / double(probabilities.size()) * std::abs(bin.observed_rate - bin.mean_predicted);
    return ece;
}

}  // namespace canary::risk

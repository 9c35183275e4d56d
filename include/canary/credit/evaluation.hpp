#pragma once
// Credit-scoring evaluation pieces: stratified hold-out and K-fold splits, the Kolmogorov-Smirnov
// statistic with its curve, and Gini = 2 AUROC - 1. Definitions: docs/credit.md.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/risk/bootstrap.hpp"
#include "canary/risk/metrics.hpp"

namespace canary::credit {

namespace detail {
/// Indices of each class in `candidates`, each shuffled by the seeded generator.
inline std::vector<std::vector<std::size_t>> shuffled_by_class(std::span<const int> labels,
                                                               std::span<const std::size_t> candidates,
                                                               std::uint64_t seed) {
    std::vector<std::vector<std::size_t>> by_class(2);
    for (std::size_t i : candidates) by_class[labels[i] ? 1 : 0].push_back(i);
    risk::xoshiro256ss rng(seed);
    for (auto& v : by_class)
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
    return by_class;
}
}  // namespace detail

struct holdout_split {
    std::vector<std::size_t> train, test;  ///< sorted row indices
};

/// stratified_holdout(labels, candidates, test_share, seed)
///   ensures: round(test_share * n_c) rows of each class c go to test, the rest to train; both
///            sorted; deterministic for a seed.
inline holdout_split stratified_holdout(std::span<const int> labels, std::span<const std::size_t> candidates,
                                        double test_share, std::uint64_t seed) {
    if (!(test_share > 0 && test_share < 1)) throw config_error("stratified_holdout: test share must be in (0, 1)");
    holdout_split s;
    for (const auto& v : detail::shuffled_by_class(labels, candidates, seed)) {
        const auto n_test = static_cast<std::size_t>(std::llround(test_share * double(v.size())));
        s.test.insert(s.test.end(), v.begin(), v.begin() + std::ptrdiff_t(n_test));
        s.train.insert(s.train.end(), v.begin() + std::ptrdiff_t(n_test), v.end());
    }
    std::sort(s.train.begin(), s.train.end());
    std::sort(s.test.begin(), s.test.end());
    return s;
}

/// stratified_kfold(labels, candidates, k, seed): k folds (sorted row indices); each class is dealt
/// round-robin after a seeded shuffle, so fold class counts differ by at most one.
inline std::vector<std::vector<std::size_t>> stratified_kfold(std::span<const int> labels,
                                                              std::span<const std::size_t> candidates, std::size_t k,
                                                              std::uint64_t seed) {
    if (k < 2) throw config_error("stratified_kfold: at least 2 folds");
    const auto by_class = detail::shuffled_by_class(labels, candidates, seed);
    if (by_class[0].size() < k || by_class[1].size() < k)
        throw config_error("stratified_kfold: " + std::to_string(k) + " folds need at least " + std::to_string(k) +
                           " rows of each class (have " + std::to_string(by_class[0].size()) + " good, " +
                           std::to_string(by_class[1].size()) + " bad)");
    std::vector<std::vector<std::size_t>> folds(k);
    std::size_t next = 0;
    for (const auto& v : by_class)
        for (std::size_t i : v) folds[next++ % k].push_back(i);
    for (auto& f : folds) std::sort(f.begin(), f.end());
    return folds;
}

/// All candidates not in `excluded` (both sorted).
inline std::vector<std::size_t> complement(std::span<const std::size_t> candidates, std::span<const std::size_t> excluded) {
    std::vector<std::size_t> out;
    std::set_difference(candidates.begin(), candidates.end(), excluded.begin(), excluded.end(), std::back_inserter(out));
    return out;
}

struct ks_result {
    double statistic = NAN;  ///< max over thresholds of |TPR - FPR| (bads flagged minus goods flagged)
    double threshold = NAN;  ///< the score at which it is reached (score >= threshold flagged)
    std::vector<double> thresholds, cumulative_bad, cumulative_good;  ///< the KS plot, ties grouped
};

/// ks_statistic(scores, labels) with labels 1 = bad and higher score = riskier.
///   ensures: the two-sample Kolmogorov-Smirnov distance between the score distributions of bads
///            and goods, max_t |F_bad(t) - F_good(t)|, computed over the ROC points (tied scores
///            grouped), plus the curve data. NaN when a class is missing.
inline ks_result ks_statistic(std::span<const double> scores, std::span<const int> labels) {
    const auto roc = risk::roc_curve(scores, labels, false);
    ks_result r;
    if (!roc.warning.empty()) return r;
    r.statistic = 0;
    for (std::size_t k = 0; k < roc.thresholds.size(); ++k) {
        r.thresholds.push_back(roc.thresholds[k]);
        r.cumulative_bad.push_back(roc.true_positive_rate[k]);
        r.cumulative_good.push_back(roc.false_positive_rate[k]);
        const double d = std::abs(roc.true_positive_rate[k] - roc.false_positive_rate[k]);
        if (d > r.statistic) {
            r.statistic = d;
            r.threshold = roc.thresholds[k];
        }
    }
    return r;
}

/// Gini = 2 AUROC - 1 (the accuracy ratio of the CAP curve).
inline double gini(std::span<const double> scores, std::span<const int> labels) {
    return 2.0 * risk::auroc(scores, labels).value - 1.0;
}

}  // namespace canary::credit

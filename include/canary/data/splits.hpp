#pragma once
// Chronological splits of labelled sample days, with purging.
//
// A sample is a day index t whose label y_t reads prices of days t+1 .. t+H. When a later span
// (validation or test) starts at day v, a sample t of the earlier span with t + H >= v has a
// label window (t, t+H] that reaches day v or beyond: its label was decided by prices that the
// later span is evaluated on. Such samples are PURGED (removed from the earlier span), so every
// kept sample satisfies t + H < v, i.e. t <= v - H - 1. Samples of the later span are never
// removed, and nothing is shuffled: training always precedes validation precedes test.
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "canary/core/error.hpp"

namespace canary::data {

/// Shares of the labelled samples per span, in time order. Each in [0, 1], train > 0, summing
/// to 1 (within 1e-9).
struct split_fractions {
    double train = 0.6;
    double validation = 0.2;
    double test = 0.2;
};

/// Sample days (indices into the panel's days) of each span, after purging.
struct data_split {
    std::vector<std::size_t> train;
    std::vector<std::size_t> validation;  ///< empty when no validation span was asked for
    std::vector<std::size_t> test;
    std::size_t purged_train = 0;       ///< training samples removed for the span that follows
    std::size_t purged_validation = 0;  ///< validation samples removed for the test span
};

namespace detail {

inline void check_sample_days(std::span<const std::size_t> days) {
    for (std::size_t k = 1; k < days.size(); ++k)
        if (days[k] <= days[k - 1])
            throw config_error("split: sample days must be strictly increasing (position " + std::to_string(k) +
                               ": " + std::to_string(days[k]) + " after " + std::to_string(days[k - 1]) + ")");
}

// Removes from the end of `span` every t with t + horizon >= next_first_day; returns how many.
inline std::size_t purge_before(std::vector<std::size_t>& span, std::size_t next_first_day, std::size_t horizon) {
    std::size_t removed = 0;
    while (!span.empty() && span.back() + horizon >= next_first_day) {
        span.pop_back();
        ++removed;
    }
    return removed;
}

// Splits `history` into train (first part) and validation (last `validation_count`), purges
// both against what follows, and stores everything in `out`.
inline void fill_split(data_split& out, std::span<const std::size_t> history, std::size_t validation_count,
                       std::span<const std::size_t> test, std::size_t horizon) {
    const std::size_t train_count = history.size() - validation_count;
    out.train.assign(history.begin(), history.begin() + static_cast<std::ptrdiff_t>(train_count));
    out.validation.assign(history.begin() + static_cast<std::ptrdiff_t>(train_count), history.end());
    out.test.assign(test.begin(), test.end());
    if (!out.validation.empty()) {
        out.purged_train = purge_before(out.train, out.validation.front(), horizon);
        if (!out.test.empty()) out.purged_validation = purge_before(out.validation, out.test.front(), horizon);
    } else if (!out.test.empty()) {
        out.purged_train = purge_before(out.train, out.test.front(), horizon);
    }
}

inline std::size_t share(std::size_t n, double fraction) {
    return static_cast<std::size_t>(std::llround(static_cast<double>(n) * fraction));
}

}  // namespace detail

/// Chronological train / validation / test split.
/// requires: sample_days strictly increasing (e.g. labelled_window_end_days); fractions valid
///           (see split_fractions); enough samples that every span with a positive fraction is
///           non-empty and training survives the purge (else canary::config_error).
/// ensures: span boundaries are cumulative roundings: the first round(n * train) samples form
///          the training span, up to round(n * (train + validation)) the validation span, the
///          rest the test span; then training samples t with t + horizon >= first validation day
///          (or first test day when there is no validation span) are purged, and validation
///          samples t with t + horizon >= first test day are purged.
inline data_split chronological_split(std::span<const std::size_t> sample_days, std::size_t horizon,
                                      const split_fractions& fractions = {}) {
    detail::check_sample_days(sample_days);
    const auto valid = [](double f) { return f >= 0.0 && f <= 1.0; };
    if (!valid(fractions.train) || !valid(fractions.validation) || !valid(fractions.test) || fractions.train == 0.0 ||
        std::abs(fractions.train + fractions.validation + fractions.test - 1.0) > 1e-9)
        throw config_error("split_fractions must lie in [0, 1] with train > 0 and sum to 1, got " +
                           std::to_string(fractions.train) + "/" + std::to_string(fractions.validation) + "/" +
                           std::to_string(fractions.test));
    const std::size_t n = sample_days.size();
    const std::size_t train_end = detail::share(n, fractions.train);
    const std::size_t validation_end = fractions.test == 0.0 ? n : detail::share(n, fractions.train + fractions.validation);
    data_split out;
    detail::fill_split(out, sample_days.first(validation_end), validation_end - train_end,
                       sample_days.subspan(validation_end), horizon);
    if (out.train.empty() || (fractions.validation > 0.0 && out.validation.empty()) ||
        (fractions.test > 0.0 && out.test.empty()))
        throw config_error("chronological_split: " + std::to_string(n) + " samples with horizon " +
                           std::to_string(horizon) + " leave an empty span after purging");
    return out;
}

/// Options of walk_forward_folds.
struct walk_forward_options {
    std::size_t folds = 5;               ///< k >= 1
    double initial_train_fraction = 0.5; ///< share of samples before the first test block, in (0, 1)
    double validation_fraction = 0.0;    ///< share of each fold's history kept for validation, in [0, 1)
};

/// Expanding-window walk-forward folds.
/// requires: sample_days strictly increasing; options in range; enough samples that each fold
///           has a non-empty training span after purging and a non-empty test block (else
///           canary::config_error).
/// ensures: with n0 = round(n * initial_train_fraction), the samples n0 .. n-1 are cut into k
///          contiguous test blocks at n0 + round(j (n - n0) / k), j = 0..k. Fold j tests on block j
///          and trains on ALL samples before it (its history); when validation_fraction > 0 the
///          last round(validation_fraction * |history|) of the history become its validation
///          span. Purging is as chronological_split: nothing kept in fold j's training span has a
///          label window reaching its validation or test block.
inline std::vector<data_split> walk_forward_folds(std::span<const std::size_t> sample_days, std::size_t horizon,
                                                  const walk_forward_options& options = {}) {
    detail::check_sample_days(sample_days);
    if (options.folds == 0) throw config_error("walk_forward_options::folds must be at least 1");
    if (!(options.initial_train_fraction > 0.0 && options.initial_train_fraction < 1.0))
        throw config_error("walk_forward_options::initial_train_fraction must be in (0, 1)");
    if (!(options.validation_fraction >= 0.0 && options.validation_fraction < 1.0))
        throw config_error("walk_forward_options::validation_fraction must be in [0, 1)");
    const std::size_t n = sample_days.size();
    const std::size_t n0 = detail::share(n, options.initial_train_fraction);
    std::vector<data_split> folds(options.folds);
    for (std::size_t j = 0; j < options.folds; ++j) {
        const std::size_t begin = n0 + detail::share(n - n0, static_cast<double>(j) / static_cast<double>(options.folds));
        const std::size_t end =
            n0 + detail::share(n - n0, static_cast<double>(j + 1) / static_cast<double>(options.folds));
        const std::size_t validation_count = detail::share(begin, options.validation_fraction);
        detail::fill_split(folds[j], sample_days.first(begin), validation_count,
                           sample_days.subspan(begin, end - begin), horizon);
        if (folds[j].train.empty() || folds[j].test.empty() ||
            (options.validation_fraction > 0.0 && folds[j].validation.empty()))
            throw config_error("walk_forward_folds: fold " + std::to_string(j) + " of " +
                               std::to_string(options.folds) + " has an empty span (" + std::to_string(n) +
                               " samples, horizon " + std::to_string(horizon) + ")");
    }
    return folds;
}

}  // namespace canary::data

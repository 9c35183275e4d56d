#pragma once
// Moving-block bootstrap confidence intervals for any metric of (scores, labels).
//
// Daily crisis labels are strongly autocorrelated (a label looks H days ahead, so neighbours share
// most of their window); resampling single days would pretend there are far more independent
// observations than there are and give intervals that are too narrow. Resampling whole blocks of
// at least H consecutive days keeps that dependence inside each block.
//
// The generator is our own xoshiro256** (seeded through splitmix64) with an unbiased bounded draw,
// because std::uniform_int_distribution differs between standard libraries: the same seed must give
// the same interval everywhere.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/risk/metrics.hpp"

namespace canary::risk {

/// splitmix64_next(state)
///   ensures: advances state by the golden-ratio increment and returns the mixed value (Steele,
///            Lea, Flood 2014); from state 0 the first value is 0xe220a8397b1dcdaf.
constexpr std::uint64_t splitmix64_next(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna 2018): small, fast, and identical on every platform.
/// Satisfies std::uniform_random_bit_generator.
class xoshiro256ss {
public:
    using result_type = std::uint64_t;

    /// ensures: the four state words are four successive splitmix64 outputs from seed (never all
    ///          zero), so nearby seeds give unrelated streams.
    explicit constexpr xoshiro256ss(std::uint64_t seed) noexcept {
        for (auto& word : state_) word = splitmix64_next(seed);
    }

    /// requires: not all four words zero (else config_error). For reproducing reference streams.
    static xoshiro256ss from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3) {
        if ((s0 | s1 | s2 | s3) == 0) throw config_error("canary::risk::xoshiro256ss: the all-zero state is invalid");
        xoshiro256ss generator(0);
        generator.state_[0] = s0;
        generator.state_[1] = s1;
        generator.state_[2] = s2;
        generator.state_[3] = s3;
        return generator;
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    constexpr result_type operator()() noexcept {
        const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
        const std::uint64_t shifted = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= shifted;
        state_[3] = rotate_left(state_[3], 45);
        return result;
    }

    /// below(bound)
    ///   requires: bound >= 1.
    ///   ensures:  a uniform integer in [0, bound), exactly unbiased: draws below 2^64 mod bound
    ///             are rejected so that every residue is equally likely.
    constexpr std::uint64_t below(std::uint64_t bound) noexcept {
        const std::uint64_t reject_below = (0 - bound) % bound;  // == 2^64 mod bound
        for (;;) {
            const std::uint64_t draw = (*this)();
            if (draw >= reject_below) return draw % bound;
        }
    }

private:
    static constexpr std::uint64_t rotate_left(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4]{};
};

/// moving_block_indices(n, block_length, rng)
///   requires: 1 <= block_length <= n (else config_error).
///   ensures:  n indices into [0, n): ceil(n / block_length) blocks of block_length consecutive
///             indices, each starting uniformly in [0, n - block_length] (Kuensch's moving blocks,
///             not circular), concatenated and cut to n. block_length == n returns 0..n-1.
inline std::vector<std::size_t> moving_block_indices(std::size_t n, std::size_t block_length, xoshiro256ss& rng) {
    if (block_length < 1 || block_length > n)
        throw config_error("canary::risk::moving_block_indices: block length " + std::to_string(block_length) +
                           " must lie in [1, " + std::to_string(n) + "]");
    std::vector<std::size_t> indices;
    indices.reserve(n + block_length);
    const std::size_t start_count = n - block_length + 1;
    while (indices.size() < n) {
        const auto start = static_cast<std::size_t>(rng.below(start_count));
        for (std::size_t k = 0; k < block_length; ++k) indices.push_back(start + k);
    }
    indices.resize(n);
    return indices;
}

namespace detail {
// Metrics that can be undefined return ranking_score (value + warning); plain ones return double.
template <class Result>
double metric_value(const Result& result) {
    if constexpr (requires { result.value; })
        return static_cast<double>(result.value);
    else
        return static_cast<double>(result);
}
}  // namespace detail

/// A metric of a scored sample: callable with (span<const double>, span<const int>) and returning
/// a double or something with a .value member (ranking_score).
template <class Metric>
concept sample_metric = std::invocable<Metric&, std::span<const double>, std::span<const int>> &&
                        requires(std::invoke_result_t<Metric&, std::span<const double>, std::span<const int>> r) {
                            { detail::metric_value(r) } -> std::same_as<double>;
                        };

struct bootstrap_options {
    std::size_t block_length = 20;  ///< >= 1; pass at least the label horizon H
    std::size_t resamples = 1000;   ///< >= 1
    double level = 0.95;            ///< in (0, 1)
    std::uint64_t seed = 20240521;
    /// Skip resamples that hold a single class (needed for AUROC and AP, harmless otherwise).
    bool require_both_classes = true;
};

struct bootstrap_interval {
    double estimate = std::numeric_limits<double>::quiet_NaN();  ///< the metric on the original sample
    double lower = std::numeric_limits<double>::quiet_NaN();     ///< NaN when no resample was usable
    double upper = std::numeric_limits<double>::quiet_NaN();
    double standard_error = std::numeric_limits<double>::quiet_NaN();  ///< sample s.d. of replicates
    double level = 0.95;
    std::size_t requested = 0;             ///< resamples drawn
    std::size_t used = 0;                  ///< resamples whose metric entered the interval
    std::size_t skipped_single_class = 0;  ///< skipped because one class was missing
    std::size_t skipped_undefined = 0;     ///< skipped because the metric returned NaN
    std::vector<double> replicates;        ///< the used metric values, in draw order
};

/// block_bootstrap(scores, labels, metric, options)
///   requires: inputs validated as confusion_at; options.block_length in [1, n], resamples >= 1,
///             level in (0, 1) (else config_error).
///   ensures:  draws options.resamples moving-block resamples of the (score, label) pairs (pairs
///             stay together, so the dependence between a day's score and label is kept), evaluates
///             metric on each, skips and counts single-class resamples (when require_both_classes)
///             and NaN values, and returns the percentile interval: the (1 - level)/2 and
///             (1 + level)/2 quantiles of the used values, linearly interpolated (numpy's default).
///             The same seed and inputs give the same result on every platform.
template <sample_metric Metric>
bootstrap_interval block_bootstrap(std::span<const double> scores, std::span<const int> labels, Metric&& metric,
                                   const bootstrap_options& options = {}) {
    constexpr const char* who = "canary::risk::block_bootstrap";
    detail::validate_inputs(scores, labels, who);
    const std::size_t n = scores.size();
    if (options.block_length < 1 || options.block_length > n)
        throw config_error(std::string(who) + ": block length " + std::to_string(options.block_length) +
                           " must lie in [1, " + std::to_string(n) + "]");
    if (options.resamples < 1) throw config_error(std::string(who) + ": resamples must be at least 1");
    if (!(options.level > 0.0 && options.level < 1.0))
        throw config_error(std::string(who) + ": level " + std::to_string(options.level) + " is outside (0, 1)");

    bootstrap_interval result;
    result.level = options.level;
    result.requested = options.resamples;
    result.estimate = detail::metric_value(metric(scores, labels));
    result.replicates.reserve(options.resamples);

    xoshiro256ss rng(options.seed);
    std::vector<double> resampled_scores(n);
    std::vector<int> resampled_labels(n);
    for (std::size_t r = 0; r < options.resamples; ++r) {
        const auto indices = moving_block_indices(n, options.block_length, rng);
        std::size_t positives = 0;
        for (std::size_t i = 0; i < n; ++i) {
            resampled_scores[i] = scores[indices[i]];
            resampled_labels[i] = labels[indices[i]];
            positives += static_cast<std::size_t>(resampled_labels[i]);
        }
        if (options.require_both_classes && (positives == 0 || positives == n)) {
            ++result.skipped_single_class;
            continue;
        }
        const double value = detail::metric_value(
            metric(std::span<const double>(resampled_scores), std::span<const int>(resampled_labels)));
        if (std::isnan(value)) {
            ++result.skipped_undefined;
            continue;
        }
        result.replicates.push_back(value);
    }
    result.used = result.replicates.size();
    if (result.used == 0) return result;

    std::vector<double> sorted = result.replicates;
    std::sort(sorted.begin(), sorted.end());
    auto quantile = [&](double p) {
        const double position = p * double(sorted.size() - 1);
        const auto below = static_cast<std::size_t>(std::floor(position));
        const std::size_t above = std::min(below + 1, sorted.size() - 1);
        return sorted[below] + (position - double(below)) * (sorted[above] - sorted[below]);
    };
    result.lower = quantile((1.0 - options.level) / 2.0);
    result.upper = quantile((1.0 + options.level) / 2.0);
    if (result.used > 1) {
        double mean = 0.0;
        for (double v : sorted) mean += v;
        mean /= double(result.used);
        double squares = 0.0;
        for (double v : sorted) squares += (v - mean) * (v - mean);
        result.standard_error = std::sqrt(squares / double(result.used - 1));
    }
    return result;
}

}  // namespace canary::risk

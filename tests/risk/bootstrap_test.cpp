// Moving-block bootstrap: the generator against its published reference streams, the block
// structure of the resamples, determinism for a seed, skipping of single-class resamples, and an
// interval that covers the point estimate on a large, easy sample.
#include "canary/risk/bootstrap.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "canary/risk/thresholds.hpp"

namespace {

using canary::risk::bootstrap_options;
using canary::risk::xoshiro256ss;

auto auroc_metric = [](std::span<const double> s, std::span<const int> l) { return canary::risk::auroc(s, l); };

// A persistent, well-separated signal: labels come in episodes of 15 days, and scores are higher
// inside episodes plus deterministic noise from the generator.
struct easy_sample {
    std::vector<double> scores;
    std::vector<int> labels;
    explicit easy_sample(std::size_t n) {
        xoshiro256ss noise(7);
        for (std::size_t i = 0; i < n; ++i) {
            const int label = (i / 15) % 4 == 0 ? 1 : 0;
            const double u = double(noise() >> 11) * 0x1.0p-53;
            labels.push_back(label);
            scores.push_back(0.35 * label + 0.65 * u);
        }
    }
};

TEST(Random, Splitmix64ReferenceValue) {
    std::uint64_t state = 0;
    EXPECT_EQ(canary::risk::splitmix64_next(state), 0xe220a8397b1dcdafULL);
}

TEST(Random, Xoshiro256StarStarReferenceStream) {
    auto rng = xoshiro256ss::from_state(1, 2, 3, 4);
    EXPECT_EQ(rng(), 11520ULL);
    EXPECT_EQ(rng(), 0ULL);
    EXPECT_EQ(rng(), 1509978240ULL);
    EXPECT_EQ(rng(), 1215971899390074240ULL);
    EXPECT_THROW(xoshiro256ss::from_state(0, 0, 0, 0), canary::config_error);
}

TEST(Random, BelowIsInRangeAndRoughlyUniform) {
    xoshiro256ss rng(123);
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 70000; ++i) {
        const auto draw = rng.below(7);
        ASSERT_LT(draw, 7u);
        ++counts[draw];
    }
    // Expected 10000 each, s.d. about 93: a 600 band is six s.d. (and the seed is fixed).
    for (int c : counts) EXPECT_NEAR(c, 10000, 600);
    EXPECT_EQ(rng.below(1), 0u);
}

TEST(Bootstrap, ResamplesAreContiguousBlocks) {
    xoshiro256ss rng(5);
    const auto indices = canary::risk::moving_block_indices(23, 5, rng);
    ASSERT_EQ(indices.size(), 23u);
    for (std::size_t i = 0; i < indices.size(); ++i) {
        EXPECT_LE(indices[i], 22u);
        if (i % 5 != 0) EXPECT_EQ(indices[i], indices[i - 1] + 1) << i;
        else EXPECT_LE(indices[i], 23u - 5u) << "block start " << i;
    }
    const auto whole = canary::risk::moving_block_indices(4, 4, rng);
    EXPECT_EQ(whole, (std::vector<std::size_t>{0, 1, 2, 3}));
    EXPECT_THROW(canary::risk::moving_block_indices(4, 0, rng), canary::config_error);
    EXPECT_THROW(canary::risk::moving_block_indices(4, 5, rng), canary::config_error);
}

TEST(Bootstrap, DeterministicForASeed) {
    const easy_sample data(300);
    const bootstrap_options options{.block_length = 20, .resamples = 200, .seed = 99};
    const auto first = canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric, options);
    const auto second = canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric, options);
    EXPECT_EQ(first.replicates, second.replicates);
    EXPECT_EQ(first.lower, second.lower);
    EXPECT_EQ(first.upper, second.upper);
    auto other_seed = options;
    other_seed.seed = 100;
    const auto third = canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric, other_seed);
    EXPECT_NE(first.replicates, third.replicates);
}

TEST(Bootstrap, IntervalCoversEstimateOnLargeEasySample) {
    const easy_sample data(3000);
    const auto interval = canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric,
                                                        {.block_length = 60, .resamples = 400});
    EXPECT_EQ(interval.requested, 400u);
    EXPECT_EQ(interval.used, 400u);
    EXPECT_EQ(interval.skipped_single_class, 0u);
    EXPECT_GT(interval.estimate, 0.85);
    EXPECT_LE(interval.lower, interval.estimate);
    EXPECT_GE(interval.upper, interval.estimate);
    EXPECT_LT(interval.upper - interval.lower, 0.1);
    EXPECT_GT(interval.upper - interval.lower, 0.0);
    EXPECT_GT(interval.standard_error, 0.0);
    const auto brier = canary::risk::block_bootstrap(
        data.scores, data.labels, [](auto s, auto l) { return canary::risk::brier_score(s, l); },
        {.block_length = 60, .resamples = 200, .require_both_classes = false});
    EXPECT_EQ(brier.used, 200u);
    EXPECT_LE(brier.lower, brier.estimate);
    EXPECT_GE(brier.upper, brier.estimate);
}

TEST(Bootstrap, WholeSampleBlockReproducesTheEstimate) {
    const easy_sample data(50);
    const auto interval = canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric,
                                                        {.block_length = 50, .resamples = 10});
    EXPECT_EQ(interval.lower, interval.estimate);
    EXPECT_EQ(interval.upper, interval.estimate);
    EXPECT_NEAR(interval.standard_error, 0.0, 1e-15);  // only rounding in the mean
}

TEST(Bootstrap, SingleClassResamplesAreSkippedAndCounted) {
    // One positive among 40: a resample of 4 blocks of 10 misses it often.
    std::vector<double> scores(40);
    std::vector<int> labels(40, 0);
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = double(i) / 40.0;
    labels[39] = 1;
    const auto interval = canary::risk::block_bootstrap(scores, labels, auroc_metric,
                                                        {.block_length = 10, .resamples = 300, .seed = 3});
    EXPECT_GT(interval.skipped_single_class, 0u);
    EXPECT_GT(interval.used, 0u);
    EXPECT_EQ(interval.used + interval.skipped_single_class + interval.skipped_undefined, interval.requested);
    EXPECT_EQ(interval.replicates.size(), interval.used);
    EXPECT_EQ(interval.lower, 1.0);  // the positive has the top score in every resample holding it

    // Without the class check the metric's own NaN is what gets the resample skipped.
    const auto unchecked = canary::risk::block_bootstrap(
        scores, labels, auroc_metric, {.block_length = 10, .resamples = 300, .seed = 3, .require_both_classes = false});
    EXPECT_EQ(unchecked.skipped_single_class, 0u);
    EXPECT_EQ(unchecked.skipped_undefined, interval.skipped_single_class);
}

TEST(Bootstrap, ThresholdMetricThroughACapture) {
    const easy_sample data(300);
    const double threshold = canary::risk::choose_threshold_max_f1(data.scores, data.labels).threshold;
    const auto interval = canary::risk::block_bootstrap(
        data.scores, data.labels,
        [threshold](auto s, auto l) { return canary::risk::f1_score(canary::risk::confusion_at(s, l, threshold)); },
        {.block_length = 20, .resamples = 100});
    EXPECT_GT(interval.estimate, 0.5);
    EXPECT_LE(interval.lower, interval.upper);
}

TEST(Bootstrap, RejectsBadOptions) {
    const easy_sample data(30);
    EXPECT_THROW(canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric, {.block_length = 0}),
                 canary::config_error);
    EXPECT_THROW(canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric, {.block_length = 31}),
                 canary::config_error);
    EXPECT_THROW(canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric, {.block_length = 5, .resamples = 0}),
                 canary::config_error);
    EXPECT_THROW(
        canary::risk::block_bootstrap(data.scores, data.labels, auroc_metric, {.block_length = 5, .level = 1.0}),
        canary::config_error);
}

}  // namespace

// canary/risk/paired.hpp: DeLong against a direct O(m n) structural-components computation and
// sklearn's roc_auc_score, Politis-White against arch.bootstrap.optimal_block_length (both in
// tests/fixtures/stats/, written by tools/make_stats_fixtures.py), and the paired bootstrap's
// behaviour: identical rows, a clearly better row, dropped single-class resamples, determinism.
#include "canary/risk/paired.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../support/stats_fixture.hpp"

namespace {

using namespace canary::risk;
using canary_test::doubles;
using canary_test::integers;
using canary_test::load_stats_fixture;

TEST(DeLong, MatchesTheDirectStructuralComponents) {
    const auto fixture = load_stats_fixture("delong.json");
    ASSERT_GE(fixture.at("cases").size(), 4u);
    for (const auto& c : fixture.at("cases")) {
        const std::string name = c.at("name");
        const auto a = doubles(c.at("scores_a")), b = doubles(c.at("scores_b"));
        const auto labels = integers(c.at("labels"));
        const auto result = delong_test(a, b, labels);
        EXPECT_NEAR(result.auc_a, c.at("auc_a").get<double>(), 1e-12) << name;
        EXPECT_NEAR(result.auc_b, c.at("auc_b").get<double>(), 1e-12) << name;
        EXPECT_NEAR(result.difference, c.at("auc_a").get<double>() - c.at("auc_b").get<double>(), 1e-12) << name;
        EXPECT_NEAR(result.standard_error, c.at("standard_error").get<double>(), 1e-12) << name;
        EXPECT_NEAR(result.z, c.at("z").get<double>(), 1e-9 * (1 + std::abs(result.z))) << name;
        EXPECT_NEAR(result.p_value, c.at("p_value").get<double>(), 1e-10) << name;
        EXPECT_NEAR(delong_auc_variance(a, labels), c.at("variance_a").get<double>(), 1e-14) << name;
        EXPECT_NEAR(delong_auc_variance(b, labels), c.at("variance_b").get<double>(), 1e-14) << name;
        // The midrank AUC is the same number as the ROC-curve AUROC of metrics.hpp.
        EXPECT_NEAR(result.auc_a, auroc(a, labels).value, 1e-12) << name;
    }
}

TEST(DeLong, IdenticalRowsHaveNoDifferenceAndPOne) {
    const std::vector<double> a{0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.5, 0.3};
    const std::vector<int> labels{0, 0, 1, 1, 0, 1, 1, 0};
    const auto result = delong_test(a, a, labels);
    EXPECT_EQ(result.difference, 0.0);
    EXPECT_EQ(result.standard_error, 0.0);
    EXPECT_EQ(result.z, 0.0);
    EXPECT_EQ(result.p_value, 1.0);
}

TEST(DeLong, RefusesTooFewOfAClassAndMismatchedLengths) {
    const std::vector<double> a{0.1, 0.4, 0.35, 0.8}, b{0.2, 0.3, 0.5, 0.6};
    EXPECT_THROW(delong_test(a, b, std::vector<int>{0, 0, 0, 1}), canary::config_error);
    EXPECT_THROW(delong_auc_variance(a, std::vector<int>{1, 1, 1, 1}), canary::config_error);
    EXPECT_THROW(delong_test(a, std::vector<double>{0.2, 0.3, 0.5}, std::vector<int>{0, 1, 0, 1}), canary::shape_error);
    EXPECT_THROW(delong_test(a, std::vector<double>{0.2, NAN, 0.5, 0.1}, std::vector<int>{0, 1, 0, 1}),
                 canary::numeric_error);
}

TEST(PolitisWhite, MatchesArch) {
    const auto fixture = load_stats_fixture("politis_white.json");
    ASSERT_GE(fixture.at("cases").size(), 5u);
    for (const auto& c : fixture.at("cases")) {
        const std::string name = c.at("name");
        const auto series = doubles(c.at("series"));
        const auto lengths = politis_white_block_lengths(series);
        const double stationary = c.at("stationary"), circular = c.at("circular");
        EXPECT_NEAR(lengths.stationary, stationary, 1e-10 * stationary) << name;
        EXPECT_NEAR(lengths.circular, circular, 1e-10 * circular) << name;
        EXPECT_EQ(politis_white_block_length(series), lengths.stationary) << name;
    }
}

TEST(PolitisWhite, ConstantSeriesGivesOneAndBadInputIsRefused) {
    EXPECT_EQ(politis_white_block_length(std::vector<double>(50, 3.0)), 1.0);
    EXPECT_THROW(politis_white_block_length(std::vector<double>{1.0, 2.0}), canary::shape_error);
    EXPECT_THROW(politis_white_block_length(std::vector<double>{1.0, INFINITY, 2.0, 3.0}), canary::numeric_error);
}

// A day-level toy study: persistent crisis episodes, a model that sees them (a) and one that
// mostly does not (b), with autocorrelated noise shared by both.
struct toy_study {
    std::vector<double> good, weak, noise_only;
    std::vector<int> labels;
};

toy_study make_study(std::size_t n, std::uint64_t seed) {
    xoshiro256ss rng(seed);
    auto uniform = [&] { return double(rng() >> 11) * 0x1.0p-53; };
    toy_study s;
    double shared = 0.0, weak_noise = 0.0;
    int remaining = 0;
    for (std::size_t t = 0; t < n; ++t) {
        if (remaining == 0 && uniform() < 0.01) remaining = 25;
        const int label = remaining > 0 ? 1 : 0;
        if (remaining > 0) --remaining;
        shared = 0.8 * shared + (uniform() - 0.5);
        weak_noise = 0.8 * weak_noise + (uniform() - 0.5);
        s.labels.push_back(label);
        s.good.push_back(1.5 * label + shared);
        s.weak.push_back(0.2 * label + shared + 2.0 * weak_noise);
        s.noise_only.push_back(weak_noise);
    }
    return s;
}

TEST(PairedBootstrap, IdenticalRowsGiveZeroDifferenceAndPOne) {
    const auto s = make_study(600, 1);
    for (auto scheme : {bootstrap_scheme::stationary, bootstrap_scheme::circular, bootstrap_scheme::iid}) {
        paired_bootstrap_options options;
        options.resamples = 300;
        options.scheme = scheme;
        const auto r = paired_bootstrap(s.good, s.good, s.labels, options);
        EXPECT_EQ(r.auroc.estimate, 0.0);
        EXPECT_EQ(r.auroc.lower, 0.0);
        EXPECT_EQ(r.auroc.upper, 0.0);
        EXPECT_EQ(r.auroc.p_value, 1.0);
        EXPECT_EQ(r.auroc.standard_error, 0.0);
        EXPECT_EQ(r.ap.estimate, 0.0);
        EXPECT_EQ(r.ap.p_value, 1.0);
        EXPECT_EQ(r.resamples_used + r.dropped_single_class, 300u);
    }
}

TEST(PairedBootstrap, ClearlyBetterRowIsSignificantAndEstimatesMatchTheMetrics) {
    const auto s = make_study(1500, 2);
    paired_bootstrap_options options;
    options.resamples = 500;
    const auto r = paired_bootstrap(s.good, s.noise_only, s.labels, options);
    EXPECT_NEAR(r.auroc.estimate, auroc(s.good, s.labels).value - auroc(s.noise_only, s.labels).value, 1e-12);
    EXPECT_NEAR(r.ap.estimate,
                average_precision(s.good, s.labels).value - average_precision(s.noise_only, s.labels).value, 1e-12);
    EXPECT_GT(r.auroc.estimate, 0.2);
    EXPECT_LT(r.auroc.p_value, 0.05);
    EXPECT_LT(r.ap.p_value, 0.05);
    EXPECT_GT(r.auroc.lower, 0.0);
    EXPECT_LE(r.auroc.lower, r.auroc.estimate);
    EXPECT_GE(r.auroc.upper, r.auroc.estimate);
    // The bootstrap standard error is of the order of the interval's half-width / 1.96.
    EXPECT_GT(r.auroc.standard_error, 0.0);
    EXPECT_NEAR(r.auroc.standard_error, (r.auroc.upper - r.auroc.lower) / (2 * 1.96), 0.5 * r.auroc.standard_error);
    // The automatic block length is clamped to [1, n / 3] and, with 25-day episodes and AR(0.8)
    // noise, longer than a single day.
    EXPECT_GT(r.block_length, 1.0);
    EXPECT_LE(r.block_length, 500.0);
    // Swapping the rows mirrors everything.
    const auto swapped = paired_bootstrap(s.noise_only, s.good, s.labels, options);
    EXPECT_NEAR(swapped.auroc.estimate, -r.auroc.estimate, 1e-15);
    EXPECT_NEAR(swapped.auroc.lower, -r.auroc.upper, 1e-12);
    EXPECT_EQ(swapped.auroc.p_value, r.auroc.p_value);
}

TEST(PairedBootstrap, FusedRankingSummariesEqualTheMetricsWithTies) {
    // The bootstrap computes AUROC and AP from one sort; with heavy ties it must still agree with
    // metrics.hpp (itself checked against sklearn), including the tie grouping.
    xoshiro256ss rng(21);
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<double> scores;
        std::vector<int> labels;
        for (int t = 0; t < 60; ++t) {
            const int label = rng.below(4) == 0 ? 1 : 0;
            labels.push_back(label);
            scores.push_back(double(rng.below(6) + static_cast<std::uint64_t>(2 * label)) / 10.0);
        }
        labels[0] = 1;
        labels[1] = 0;
        std::vector<std::size_t> order;
        const auto fused = detail::auroc_and_ap(scores, labels, order);
        EXPECT_NEAR(fused.auroc, auroc(scores, labels).value, 1e-12) << trial;
        EXPECT_NEAR(fused.ap, average_precision(scores, labels).value, 1e-12) << trial;
    }
}

TEST(PairedBootstrap, IidSchemeAgreesWithDeLongOnIndependentDays) {
    // Independent days: the iid bootstrap's standard error of the AUROC difference and DeLong's
    // estimate the same quantity, and the automatic block length stays short.
    xoshiro256ss rng(9);
    auto uniform = [&] { return double(rng() >> 11) * 0x1.0p-53; };
    std::vector<double> a, b;
    std::vector<int> labels;
    for (int t = 0; t < 1000; ++t) {
        const int label = uniform() < 0.3 ? 1 : 0;
        const double shared = uniform();
        labels.push_back(label);
        a.push_back(0.6 * label + shared + uniform());
        b.push_back(0.3 * label + shared + uniform());
    }
    const auto delong = delong_test(a, b, labels);
    paired_bootstrap_options options;
    options.resamples = 1000;
    options.scheme = bootstrap_scheme::iid;
    const auto iid = paired_bootstrap(a, b, labels, options);
    EXPECT_NEAR(iid.auroc.estimate, delong.difference, 1e-12);
    EXPECT_NEAR(iid.auroc.standard_error, delong.standard_error, 0.15 * delong.standard_error);
    options.scheme = bootstrap_scheme::stationary;
    EXPECT_LT(paired_bootstrap(a, b, labels, options).block_length, 6.0);
}

TEST(PairedBootstrap, AutomaticBlockLengthIsPolitisWhiteOfTheInfluenceSeries) {
    const auto s = make_study(800, 3);
    std::size_t positives = 0;
    for (int l : s.labels) positives += static_cast<std::size_t>(l);
    const auto influence =
        detail::auroc_difference_influence(s.good, s.weak, s.labels, positives, s.labels.size() - positives);
    // Its mean is zero (the difference is its first-order mean plus the difference itself).
    double mean = 0.0;
    for (double v : influence) mean += v;
    EXPECT_NEAR(mean / double(influence.size()), 0.0, 1e-12);
    paired_bootstrap_options options;
    options.resamples = 20;
    const auto stationary = paired_bootstrap(s.good, s.weak, s.labels, options);
    EXPECT_DOUBLE_EQ(stationary.block_length, std::clamp(politis_white_block_lengths(influence).stationary, 1.0, 800.0 / 3));
    options.scheme = bootstrap_scheme::circular;
    const auto circular = paired_bootstrap(s.good, s.weak, s.labels, options);
    EXPECT_DOUBLE_EQ(circular.block_length, std::clamp(politis_white_block_lengths(influence).circular, 1.0, 800.0 / 3));
    options.scheme = bootstrap_scheme::iid;
    EXPECT_EQ(paired_bootstrap(s.good, s.weak, s.labels, options).block_length, 1.0);
    options.scheme = bootstrap_scheme::stationary;
    options.block_length = 7.5;
    EXPECT_EQ(paired_bootstrap(s.good, s.weak, s.labels, options).block_length, 7.5);
}

TEST(PairedBootstrap, SingleClassResamplesAreDroppedAndCounted) {
    // One positive among 40 days: an iid resample misses it with probability (39/40)^40 ~ 0.36.
    std::vector<double> a(40), b(40);
    std::vector<int> labels(40, 0);
    for (std::size_t t = 0; t < 40; ++t) {
        a[t] = double(t % 7);
        b[t] = double(t % 5);
    }
    labels[20] = 1;
    paired_bootstrap_options options;
    options.resamples = 1000;
    options.scheme = bootstrap_scheme::iid;
    const auto r = paired_bootstrap(a, b, labels, options);
    EXPECT_EQ(r.resamples_used + r.dropped_single_class, 1000u);
    EXPECT_GT(r.dropped_single_class, 250u);
    EXPECT_LT(r.dropped_single_class, 480u);
}

TEST(PairedBootstrap, SameSeedSameResultOtherSeedOtherResult) {
    const auto s = make_study(700, 4);
    paired_bootstrap_options options;
    options.resamples = 200;
    for (auto scheme : {bootstrap_scheme::stationary, bootstrap_scheme::circular, bootstrap_scheme::iid}) {
        options.scheme = scheme;
        options.seed = 11;
        const auto first = paired_bootstrap(s.good, s.weak, s.labels, options);
        const auto second = paired_bootstrap(s.good, s.weak, s.labels, options);
        EXPECT_EQ(first.auroc.lower, second.auroc.lower);
        EXPECT_EQ(first.auroc.upper, second.auroc.upper);
        EXPECT_EQ(first.auroc.p_value, second.auroc.p_value);
        EXPECT_EQ(first.ap.lower, second.ap.lower);
        EXPECT_EQ(first.dropped_single_class, second.dropped_single_class);
        options.seed = 12;
        const auto other = paired_bootstrap(s.good, s.weak, s.labels, options);
        EXPECT_NE(first.auroc.lower, other.auroc.lower);
        EXPECT_EQ(first.auroc.estimate, other.auroc.estimate);
    }
}

TEST(PairedBootstrapMetric, ReproducesPairedBootstrapForAuroc) {
    const auto s = make_study(900, 6);
    paired_bootstrap_options options;
    options.resamples = 300;
    const auto both = paired_bootstrap(s.good, s.weak, s.labels, options);
    const auto one = paired_bootstrap_metric(
        s.good, s.weak, s.labels, [](std::span<const double> x, std::span<const int> y) { return auroc(x, y); }, options);
    EXPECT_EQ(one.block_length, both.block_length);
    EXPECT_EQ(one.resamples_used, both.resamples_used);
    EXPECT_EQ(one.dropped_single_class, both.dropped_single_class);
    EXPECT_EQ(one.dropped_undefined, 0u);
    EXPECT_NEAR(one.difference.estimate, both.auroc.estimate, 1e-12);
    EXPECT_NEAR(one.difference.lower, both.auroc.lower, 1e-12);
    EXPECT_NEAR(one.difference.upper, both.auroc.upper, 1e-12);
    EXPECT_NEAR(one.difference.standard_error, both.auroc.standard_error, 1e-12);
    EXPECT_NEAR(one.difference.p_value, both.auroc.p_value, 2.0 / 301.0);
}

TEST(PairedBootstrapMetric, BrierDifferenceAndUndefinedResamples) {
    const auto s = make_study(900, 7);
    // Probabilities: a informative, b the base rate; a has the lower (better) Brier score.
    std::vector<double> pa, pb;
    double base_rate = 0.0;
    for (int l : s.labels) base_rate += l;
    base_rate /= double(s.labels.size());
    for (std::size_t t = 0; t < s.labels.size(); ++t) {
        pa.push_back(1.0 / (1.0 + std::exp(-(4.0 * s.good[t] - 4.0))));
        pb.push_back(base_rate);
    }
    paired_bootstrap_options options;
    options.resamples = 300;
    const auto brier = paired_bootstrap_metric(pa, pb, s.labels, brier_score, options);
    EXPECT_NEAR(brier.difference.estimate, brier_score(pa, s.labels) - brier_score(pb, s.labels), 1e-15);
    EXPECT_LT(brier.difference.estimate, 0.0);
    EXPECT_LT(brier.difference.upper, 0.0);
    EXPECT_LT(brier.difference.p_value, 0.05);
    // A metric that is undefined on some resamples: those are dropped and counted.
    std::size_t calls = 0;
    auto sometimes_undefined = [&](std::span<const double> x, std::span<const int> y) {
        ++calls;
        return calls % 6 == 3 ? std::numeric_limits<double>::quiet_NaN() : brier_score(x, y);
    };
    const auto partial = paired_bootstrap_metric(pa, pb, s.labels, sometimes_undefined, options);
    EXPECT_GT(partial.dropped_undefined, 0u);
    EXPECT_EQ(partial.resamples_used + partial.dropped_undefined + partial.dropped_single_class, 300u);
}

TEST(PairedBootstrap, ResampleSchemesDrawValidIndices) {
    xoshiro256ss rng(5);
    std::vector<std::size_t> indices(97);
    // Circular blocks of round(4.4) = 4: each block continues its start modulo n.
    detail::draw_resample(indices, bootstrap_scheme::circular, 4.4, rng);
    for (std::size_t t = 0; t < indices.size(); ++t) {
        ASSERT_LT(indices[t], 97u);
        if (t % 4 != 0) {
            EXPECT_EQ(indices[t], (indices[t - 1] + 1) % 97) << t;
        }
    }
    // Stationary: the share of block restarts is about 1 / b.
    std::vector<std::size_t> long_draw(20000);
    detail::draw_resample(long_draw, bootstrap_scheme::stationary, 8.0, rng);
    std::size_t restarts = 0;
    for (std::size_t t = 1; t < long_draw.size(); ++t) {
        ASSERT_LT(long_draw[t], 20000u);
        restarts += static_cast<std::size_t>(long_draw[t] != (long_draw[t - 1] + 1) % 20000);
    }
    EXPECT_NEAR(double(restarts) / 20000.0, 1.0 / 8.0, 0.01);
}

TEST(PairedBootstrap, RefusesBadOptionsAndSingleClassLabels) {
    const std::vector<double> a{0.1, 0.4, 0.35, 0.8}, b{0.2, 0.3, 0.5, 0.6};
    const std::vector<int> labels{0, 1, 0, 1};
    paired_bootstrap_options options;
    options.resamples = 0;
    EXPECT_THROW(paired_bootstrap(a, b, labels, options), canary::config_error);
    options = {};
    options.confidence = 1.0;
    EXPECT_THROW(paired_bootstrap(a, b, labels, options), canary::config_error);
    options = {};
    options.block_length = 0.5;
    EXPECT_THROW(paired_bootstrap(a, b, labels, options), canary::config_error);
    EXPECT_THROW(paired_bootstrap(a, b, std::vector<int>{1, 1, 1, 1}), canary::config_error);
    EXPECT_THROW(paired_bootstrap(a, std::vector<double>{0.1}, labels), canary::shape_error);
}

}  // namespace

// canary/risk/calibration.hpp against tests/fixtures/stats/calibration.json (tools/make_stats_fixtures.py):
// Platt against a scipy optimisation of the same smoothed-target objective, isotonic against
// sklearn's IsotonicRegression(out_of_bounds='clip'), reliability bins and ECE against a direct
// numpy computation; plus the input checks.
#include "canary/risk/calibration.hpp"

#include "canary/risk/bootstrap.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "../support/stats_fixture.hpp"

namespace {

using namespace canary::risk;
using canary_test::doubles;
using canary_test::integers;
using canary_test::load_stats_fixture;

const nlohmann::json& fixture() {
    static const nlohmann::json f = load_stats_fixture("calibration.json");
    return f;
}

TEST(Platt, MatchesScipyOnTheSmoothedObjective) {
    ASSERT_GE(fixture().at("platt").size(), 3u);
    for (const auto& c : fixture().at("platt")) {
        const std::string name = c.at("name");
        const auto p = doubles(c.at("probabilities"));
        const auto labels = integers(c.at("labels"));
        const auto calibrator = platt_calibrator::fit(p, labels);
        const double slope = c.at("slope"), intercept = c.at("intercept");
        EXPECT_NEAR(calibrator.slope, slope, 1e-10 * (1 + std::abs(slope))) << name;
        EXPECT_NEAR(calibrator.intercept, intercept, 1e-10 * (1 + std::abs(intercept))) << name;
        const auto query = doubles(c.at("query"));
        const auto expected = doubles(c.at("calibrated"));
        const auto actual = calibrator.apply(query);
        ASSERT_EQ(actual.size(), expected.size());
        for (std::size_t k = 0; k < actual.size(); ++k) EXPECT_NEAR(actual[k], expected[k], 1e-9) << name << " query " << k;
    }
}

TEST(Platt, MapIsIncreasingAndStaysInTheUnitInterval) {
    // The map is increasing whenever the slope is positive, which a useful model gives.
    const auto& c = fixture().at("platt").at(0);
    const auto calibrator = platt_calibrator::fit(doubles(c.at("probabilities")), integers(c.at("labels")));
    ASSERT_GT(calibrator.slope, 0.0);
    double previous = -1.0;
    for (double p = 0.0; p <= 1.0; p += 0.01) {
        const double q = calibrator(p);
        EXPECT_GE(q, previous);
        EXPECT_TRUE(q >= 0.0 && q <= 1.0);
        previous = q;
    }
}

TEST(Platt, RecoversAKnownDistortionAndCalibratesOutOfSample) {
    // Reported probabilities sigmoid(3 logit(true p) + 1): Platt's slope must come out near 1/3,
    // the intercept near -1/3, and calibration fitted on one half must lower the ECE on the other.
    canary::risk::xoshiro256ss rng(31);
    auto uniform = [&] { return double(rng() >> 11) * 0x1.0p-53; };
    std::vector<double> reported;
    std::vector<int> labels;
    for (int i = 0; i < 8000; ++i) {
        const double true_logit = 4.0 * uniform() - 3.0;
        const double true_p = 1.0 / (1.0 + std::exp(-true_logit));
        labels.push_back(uniform() < true_p ? 1 : 0);
        reported.push_back(1.0 / (1.0 + std::exp(-(3.0 * true_logit + 1.0))));
    }
    const std::span<const double> all(reported);
    const std::span<const int> all_labels(labels);
    const auto fit_p = all.first(4000), test_p = all.last(4000);
    const auto fit_y = all_labels.first(4000), test_y = all_labels.last(4000);
    const auto platt = platt_calibrator::fit(fit_p, fit_y);
    EXPECT_NEAR(platt.slope, 1.0 / 3.0, 0.04);
    EXPECT_NEAR(platt.intercept, -1.0 / 3.0, 0.12);
    const double raw = expected_calibration_error(test_p, test_y);
    const double after_platt = expected_calibration_error(platt.apply(test_p), test_y);
    const auto isotonic = isotonic_calibrator::fit(fit_p, fit_y);
    const double after_isotonic = expected_calibration_error(isotonic.apply(test_p), test_y);
    EXPECT_GT(raw, 0.08);
    EXPECT_LT(after_platt, raw / 3.0);
    EXPECT_LT(after_isotonic, raw / 2.0);
}

TEST(Platt, ConstantInputGivesTheSmoothedBaseRate) {
    const std::vector<double> p(10, 0.3);
    const std::vector<int> labels{0, 0, 0, 1, 0, 0, 1, 0, 0, 0};
    const auto calibrator = platt_calibrator::fit(p, labels);
    EXPECT_EQ(calibrator.slope, 0.0);
    // Targets (2+1)/(2+2) for 2 positives and 1/(8+2) for 8 negatives.
    const double mean_target = (2 * 0.75 + 8 * 0.1) / 10.0;
    EXPECT_NEAR(calibrator(0.9), mean_target, 1e-15);
}

TEST(Platt, RefusesSingleClassAndNonProbabilities) {
    EXPECT_THROW(platt_calibrator::fit(std::vector<double>{0.1, 0.2}, std::vector<int>{1, 1}), canary::config_error);
    EXPECT_THROW(platt_calibrator::fit(std::vector<double>{0.1, 1.2}, std::vector<int>{0, 1}), canary::config_error);
    EXPECT_THROW(platt_calibrator::fit(std::vector<double>{0.1, NAN}, std::vector<int>{0, 1}), canary::numeric_error);
    const platt_calibrator identity;
    EXPECT_NEAR(identity(0.37), 0.37, 1e-15);
    EXPECT_THROW(identity(-0.1), canary::config_error);
    EXPECT_THROW(identity(NAN), canary::numeric_error);
}

TEST(Isotonic, MatchesSklearn) {
    ASSERT_GE(fixture().at("isotonic").size(), 3u);
    for (const auto& c : fixture().at("isotonic")) {
        const std::string name = c.at("name");
        const auto calibrator = isotonic_calibrator::fit(doubles(c.at("scores")), integers(c.at("labels")));
        const auto x = doubles(c.at("x")), y = doubles(c.at("y"));
        ASSERT_EQ(calibrator.x.size(), x.size()) << name;
        for (std::size_t k = 0; k < x.size(); ++k) {
            EXPECT_EQ(calibrator.x[k], x[k]) << name << " point " << k;
            EXPECT_NEAR(calibrator.y[k], y[k], 1e-12) << name << " point " << k;
        }
        const auto expected = doubles(c.at("calibrated"));
        const auto actual = calibrator.apply(doubles(c.at("query")));
        ASSERT_EQ(actual.size(), expected.size());
        for (std::size_t k = 0; k < actual.size(); ++k) EXPECT_NEAR(actual[k], expected[k], 1e-12) << name << " query " << k;
    }
}

TEST(Isotonic, RefusesSingleClassAndUnfittedUse) {
    EXPECT_THROW(isotonic_calibrator::fit(std::vector<double>{0.1, 0.2}, std::vector<int>{0, 0}), canary::config_error);
    EXPECT_THROW(isotonic_calibrator{}(0.5), canary::config_error);
    const auto fitted = isotonic_calibrator::fit(std::vector<double>{0.1, 0.2, 0.3}, std::vector<int>{0, 1, 1});
    EXPECT_THROW(fitted(NAN), canary::numeric_error);
    EXPECT_EQ(fitted(-5.0), 0.0);
    EXPECT_EQ(fitted(5.0), 1.0);
}

TEST(Reliability, BinsAndEceMatchTheDirectComputation) {
    ASSERT_GE(fixture().at("ece").size(), 3u);
    for (const auto& c : fixture().at("ece")) {
        const std::string name = c.at("name");
        const auto p = doubles(c.at("probabilities"));
        const auto labels = integers(c.at("labels"));
        const std::size_t bins = c.at("bins");
        const auto table = reliability_bins(p, labels, bins);
        ASSERT_EQ(table.size(), bins);
        const auto counts = c.at("counts").get<std::vector<std::size_t>>();
        const auto mean_predicted = doubles(c.at("mean_predicted")), observed = doubles(c.at("observed_rate"));
        for (std::size_t k = 0; k < bins; ++k) {
            EXPECT_EQ(table[k].count, counts[k]) << name << " bin " << k;
            EXPECT_DOUBLE_EQ(table[k].lower, double(k) / double(bins));
            if (counts[k] == 0) {
                EXPECT_TRUE(std::isnan(table[k].mean_predicted));
                EXPECT_TRUE(std::isnan(table[k].observed_rate));
                continue;
            }
            EXPECT_NEAR(table[k].mean_predicted, mean_predicted[k], 1e-12) << name << " bin " << k;
            EXPECT_NEAR(table[k].observed_rate, observed[k], 1e-12) << name << " bin " << k;
        }
        EXPECT_NEAR(expected_calibration_error(p, labels, bins), c.at("ece").get<double>(), 1e-12) << name;
    }
}

TEST(Reliability, EdgesGoToTheUpperBinAndOneToTheLast) {
    const std::vector<double> p{0.0, 0.3, 0.5, 0.7, 1.0};
    const std::vector<int> labels{0, 0, 1, 1, 1};
    const auto table = reliability_bins(p, labels, 10);
    EXPECT_EQ(table[0].count, 1u);
    EXPECT_EQ(table[3].count, 1u);
    EXPECT_EQ(table[5].count, 1u);
    EXPECT_EQ(table[7].count, 1u);
    EXPECT_EQ(table[9].count, 1u);
    // A perfectly calibrated sample has ECE 0; a maximally wrong one ECE 1.
    EXPECT_EQ(expected_calibration_error(std::vector<double>{0.0, 1.0}, std::vector<int>{0, 1}), 0.0);
    EXPECT_EQ(expected_calibration_error(std::vector<double>{0.0, 1.0}, std::vector<int>{1, 0}), 1.0);
    EXPECT_THROW(reliability_bins(p, labels, 0), canary::config_error);
    EXPECT_THROW(reliability_bins(std::vector<double>{1.5}, std::vector<int>{1}), canary::config_error);
}

}  // namespace

// canary/models/logistic_regression.hpp against sklearn's LogisticRegression(C = 1 / l2) on the data
// sets of tests/fixtures/stats/logistic_regression.json (tools/make_stats_fixtures.py): penalised,
// unpenalised, strongly penalised, sample-weighted (with zero weights), integer features with ties,
// nearly separable rare events. Plus separable data, the optimality conditions and input checks.
#include "canary/models/logistic_regression.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../support/stats_fixture.hpp"

namespace {

using namespace canary::models;
using canary_test::doubles;
using canary_test::integers;
using canary_test::load_stats_fixture;

TEST(LogisticRegression, MatchesSklearn) {
    const auto fixture = load_stats_fixture("logistic_regression.json");
    ASSERT_GE(fixture.at("cases").size(), 6u);
    for (const auto& c : fixture.at("cases")) {
        const std::string name = c.at("name");
        const std::size_t n = c.at("n"), p = c.at("p");
        const auto x = doubles(c.at("x"));
        const auto labels = integers(c.at("labels"));
        std::vector<double> weights;
        logistic_fit_options options;
        options.l2 = c.at("l2");
        if (c.contains("sample_weight")) {
            weights = doubles(c.at("sample_weight"));
            options.sample_weight = weights;
        }
        const auto model = logistic_regression::fit(x, n, p, labels, options);
        EXPECT_TRUE(model.converged) << name;
        EXPECT_LE(model.iterations, 30) << name;
        const auto coefficients = doubles(c.at("coefficients"));
        ASSERT_EQ(model.coefficients.size(), p);
        for (std::size_t j = 0; j < p; ++j)
            EXPECT_NEAR(model.coefficients[j], coefficients[j], 1e-10 * (1 + std::abs(coefficients[j]))) << name << " " << j;
        const double intercept = c.at("intercept");
        EXPECT_NEAR(model.intercept, intercept, 1e-10 * (1 + std::abs(intercept))) << name;
        const auto expected = doubles(c.at("probabilities"));
        const auto probabilities = model.predict_proba(x, n);
        ASSERT_EQ(probabilities.size(), n);
        for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(probabilities[i], expected[i], 1e-9) << name << " row " << i;
    }
}

TEST(LogisticRegression, GradientVanishesAtTheFit) {
    // The stationarity conditions of the penalised objective, checked without any reference.
    const std::vector<double> x{0.5, 1.0, -1.2, 0.3, 2.0, -0.7, 0.1, 0.9, -0.4, -1.5, 1.1, 0.2, 0.0, 0.6};
    const std::vector<int> labels{1, 0, 1, 0, 1, 0, 1};
    const std::vector<double> weight{1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 0.25};
    logistic_fit_options options;
    options.l2 = 0.3;
    options.sample_weight = weight;
    const auto model = logistic_regression::fit(x, 7, 2, labels, options);
    ASSERT_TRUE(model.converged);
    const auto q = model.predict_proba(x, 7);
    double g0 = options.l2 * model.coefficients[0], g1 = options.l2 * model.coefficients[1], gb = 0.0;
    for (std::size_t i = 0; i < 7; ++i) {
        const double r = weight[i] * (q[i] - labels[i]);
        g0 += r * x[2 * i];
        g1 += r * x[2 * i + 1];
        gb += r;
    }
    EXPECT_NEAR(g0, 0.0, 1e-12);
    EXPECT_NEAR(g1, 0.0, 1e-12);
    EXPECT_NEAR(gb, 0.0, 1e-12);
}

TEST(LogisticRegression, SeparableWithoutPenaltyStopsUnconvergedAndFinite) {
    const std::vector<double> x{1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
    const std::vector<int> labels{0, 0, 0, 1, 1, 1};
    logistic_fit_options options;
    options.l2 = 0.0;
    options.max_iterations = 60;
    const auto model = logistic_regression::fit(x, 6, 1, labels, options);
    EXPECT_FALSE(model.converged);
    EXPECT_EQ(model.iterations, 60);
    EXPECT_TRUE(std::isfinite(model.coefficients[0]));
    EXPECT_TRUE(std::isfinite(model.intercept));
    const auto q = model.predict_proba(x, 6);
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_FALSE(std::isnan(q[i]));
        EXPECT_EQ(q[i] > 0.5, labels[i] == 1) << i;
    }
    // With a penalty the same data has a finite optimum.
    options.l2 = 1.0;
    const auto penalised = logistic_regression::fit(x, 6, 1, labels, options);
    EXPECT_TRUE(penalised.converged);
    EXPECT_GT(penalised.coefficients[0], 0.0);
}

TEST(LogisticRegression, RefusesBadInputNamingRowAndColumn) {
    const std::vector<double> x{0.0, 1.0, 2.0, NAN, 4.0, 5.0};
    const std::vector<int> labels{0, 1, 0};
    try {
        logistic_regression::fit(x, 3, 2, labels);
        FAIL() << "expected numeric_error";
    } catch (const canary::numeric_error& e) {
        EXPECT_NE(std::string(e.what()).find("row 1, column 1"), std::string::npos) << e.what();
    }
    const std::vector<double> good{0.0, 1.0, 2.0, 3.0, 4.0, 5.0};
    EXPECT_THROW(logistic_regression::fit(good, 3, 3, labels), canary::shape_error);
    EXPECT_THROW(logistic_regression::fit(good, 3, 2, std::vector<int>{0, 1}), canary::shape_error);
    EXPECT_THROW(logistic_regression::fit(good, 3, 2, std::vector<int>{0, 2, 1}), canary::config_error);
    EXPECT_THROW(logistic_regression::fit(good, 3, 2, std::vector<int>{1, 1, 1}), canary::config_error);
    logistic_fit_options options;
    options.l2 = -1.0;
    EXPECT_THROW(logistic_regression::fit(good, 3, 2, labels, options), canary::config_error);
    const std::vector<double> negative_weight{1.0, -1.0, 1.0};
    options = {};
    options.sample_weight = negative_weight;
    EXPECT_THROW(logistic_regression::fit(good, 3, 2, labels, options), canary::config_error);
    const auto model = logistic_regression::fit(good, 3, 2, labels);
    EXPECT_THROW(model.decision_function(std::vector<double>{1.0, 2.0, 3.0}, 1), canary::shape_error);
    EXPECT_THROW(model.decision_function(std::vector<double>{1.0, INFINITY}, 1), canary::numeric_error);
}

}  // namespace

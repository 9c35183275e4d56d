// Classical systemic-risk indicators: known values on constructed returns, bounds, and no look-ahead.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "canary/core/rng.hpp"
#include "canary/risk/indicators.hpp"

namespace cr = canary::risk;

namespace {

// Returns (days, n) of independent N(0, 0.01^2) noise; row 0 NaN like log_return_matrix.
Eigen::MatrixXd noise_returns(Eigen::Index days, Eigen::Index n, std::uint64_t seed) {
    canary::Rng rng(seed);
    Eigen::MatrixXd r(days, n);
    for (Eigen::Index t = 0; t < days; ++t)
        for (Eigen::Index i = 0; i < n; ++i) r(t, i) = 0.01 * rng.normal();
    r.row(0).setConstant(std::nan(""));
    return r;
}

}  // namespace

TEST(Indicators, AbsorptionRatioIsOneWhenAllInstrumentsMoveTogether) {
    Eigen::MatrixXd r = noise_returns(80, 1, 3).replicate(1, 5);  // five identical columns
    const auto ar = cr::absorption_ratio(r, 20);
    EXPECT_TRUE(std::isnan(ar[18]));  // window reaches row 0
    for (std::size_t t = 20; t < ar.size(); ++t) EXPECT_NEAR(ar[t], 1.0, 1e-9) << t;
}

TEST(Indicators, AbsorptionRatioOfIndependentNoiseIsNearItsFloor) {
    // N = 10: k = ceil(10/5) = 2 eigenvectors; independent equal-variance noise spreads variance
    // evenly, so the ratio sits a little above k/N = 0.2 (sampling noise lifts the top eigenvalues).
    const Eigen::MatrixXd r = noise_returns(2000, 10, 11);
    const auto ar = cr::absorption_ratio(r, 1500);
    EXPECT_GT(ar.back(), 0.2);
    EXPECT_LT(ar.back(), 0.3);
}

TEST(Indicators, LargestEigenvalueShareOfTwoSeriesIsHalfOnePlusCorrelation) {
    // For 2 series the correlation matrix [[1, rho], [rho, 1]] has lambda_max = 1 + |rho|.
    canary::data::price_panel panel;
    const Eigen::MatrixXd noise = noise_returns(200, 2, 5);
    panel.instruments = {"a", "b"};
    panel.prices = xt::xtensor<double, 2>::from_shape({200, 2});
    for (std::size_t t = 0; t < 200; ++t) {
        panel.dates.push_back("d" + std::to_string(t));
        for (std::size_t i = 0; i < 2; ++i)
            panel.prices(t, i) = t == 0 ? 100.0
                                        : panel.prices(t - 1, i) * std::exp(noise(Eigen::Index(t), 0) +
                                                                            (i == 1 ? 0.8 * noise(Eigen::Index(t), 1) : 0.0));
    }
    const auto share = cr::largest_eigenvalue_share(cr::log_return_matrix(panel), 60);
    const auto corr = cr::average_pairwise_correlation(panel, 60);
    for (std::size_t t = 60; t < 200; t += 17) EXPECT_NEAR(share[t], (1.0 + std::abs(corr[t])) / 2.0, 1e-9) << t;
}

TEST(Indicators, TurbulenceMatchesTheMahalanobisDistanceOnPastDaysOnly) {
    const Eigen::MatrixXd r = noise_returns(60, 3, 9);
    const std::size_t w = 30;
    const auto turb = cr::turbulence(r, w, 0.0);
    const Eigen::Index t = 45;
    const Eigen::MatrixXd past = r.middleRows(t - Eigen::Index(w), Eigen::Index(w));
    const Eigen::RowVectorXd mean = past.colwise().mean();
    const Eigen::MatrixXd c = past.rowwise() - mean;
    const Eigen::MatrixXd cov = c.transpose() * c / double(w - 1);
    const Eigen::VectorXd d = (r.row(t) - mean).transpose();
    EXPECT_NEAR(turb[std::size_t(t)], d.dot(cov.inverse() * d) / 3.0, 1e-9);
    EXPECT_TRUE(std::isnan(turb[w - 1]));  // its history would include row 0
    EXPECT_TRUE(std::isfinite(turb[w + 1]));
}

TEST(Indicators, ShrinkageKeepsTurbulenceFiniteWhenTheCovarianceIsSingular) {
    Eigen::MatrixXd r = noise_returns(60, 2, 4);
    r.col(1) = 2.0 * r.col(0);  // perfectly collinear: the sample covariance is singular
    r(0, 1) = std::nan("");
    const auto turb = cr::turbulence(r, 20, 0.1);
    for (std::size_t t = 21; t < 60; ++t) EXPECT_TRUE(std::isfinite(turb[t])) << t;
    EXPECT_THROW(cr::turbulence(r, 20, 1.5), canary::config_error);
}

TEST(Indicators, NoIndicatorReadsTheFuture) {
    // Changing every return after day t must leave every indicator's value for days <= t alone,
    // and changing day t itself must not move turbulence's mean and covariance (only its distance).
    const Eigen::MatrixXd r = noise_returns(120, 4, 21);
    Eigen::MatrixXd changed = r;
    const Eigen::Index t = 80;
    // Fresh returns, not a rescaled copy: correlation-based indicators are invariant to scaling and
    // sign flips of a series, so only new data is sure to move them.
    changed.bottomRows(120 - t - 1) = noise_returns(120 - t - 1, 4, 99);
    const std::size_t w = 25;
    auto same_until_t = [&](const std::vector<double>& a, const std::vector<double>& b) {
        for (Eigen::Index d = 0; d <= t; ++d)
            if (!(std::isnan(a[std::size_t(d)]) && std::isnan(b[std::size_t(d)])) && a[std::size_t(d)] != b[std::size_t(d)])
                return false;
        return true;
    };
    EXPECT_TRUE(same_until_t(cr::absorption_ratio(r, w), cr::absorption_ratio(changed, w)));
    EXPECT_TRUE(same_until_t(cr::largest_eigenvalue_share(r, w), cr::largest_eigenvalue_share(changed, w)));
    EXPECT_TRUE(same_until_t(cr::turbulence(r, w), cr::turbulence(changed, w)));
    // The future did change something: the check above is not vacuous (a few days after t, where
    // the window mixes changed and unchanged rows).
    const std::size_t after = std::size_t(t) + 5;
    EXPECT_NE(cr::absorption_ratio(r, w)[after], cr::absorption_ratio(changed, w)[after]);
}

TEST(Indicators, RejectBadArguments) {
    const Eigen::MatrixXd one_column = noise_returns(50, 1, 1);
    EXPECT_THROW(cr::absorption_ratio(one_column, 10), canary::config_error);
    const Eigen::MatrixXd r = noise_returns(50, 3, 1);
    EXPECT_THROW(cr::turbulence(r, 2), canary::config_error);
    EXPECT_THROW(cr::largest_eigenvalue_share(r, 1), canary::config_error);
}

#pragma once
// Classical systemic-risk indicators, used by canary-risk as threshold-rule baselines: a learned
// early-warning model is only worth its complexity if it beats these one-number rules.
//
//   average pairwise correlation  mean Pearson correlation of the instruments' log returns
//   absorption ratio              share of the variance explained by the top ceil(N/5) eigenvectors
//                                 of the covariance matrix (Kritzman, Li, Page, Rigobon 2011)
//   financial turbulence          Mahalanobis distance of day t's returns from their trailing mean
//                                 (Kritzman and Li 2010)
//   largest eigenvalue share      lambda_max / N of the correlation matrix (the "market mode")
//
// No look-ahead: the value for day t reads log returns of days <= t only (turbulence: the mean and
// covariance read days strictly before t, so day t is scored against a history that excludes it).
// Days whose window is not yet full are NaN. Higher values mean more systemic risk for all four.
#include <Eigen/Dense>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/data/features.hpp"
#include "canary/data/price_panel.hpp"

namespace canary::risk {

/// (days, N) matrix of daily log returns; row 0 is NaN (no previous price).
inline Eigen::MatrixXd log_return_matrix(const data::price_panel& panel) {
    const auto days = static_cast<Eigen::Index>(panel.days());
    const auto n = static_cast<Eigen::Index>(panel.instrument_count());
    Eigen::MatrixXd r(days, n);
    for (Eigen::Index i = 0; i < n; ++i) {
        r(0, i) = std::numeric_limits<double>::quiet_NaN();
        for (Eigen::Index t = 1; t < days; ++t)
            r(t, i) = std::log(panel.prices(std::size_t(t), std::size_t(i)) / panel.prices(std::size_t(t - 1), std::size_t(i)));
    }
    return r;
}

namespace detail {

inline void require_indicator_window(const Eigen::MatrixXd& returns, std::size_t window, std::size_t least, const char* who) {
    if (returns.cols() < 2)
        throw config_error(std::string(who) + ": needs at least 2 instruments, got " + std::to_string(returns.cols()));
    if (window < least)
        throw config_error(std::string(who) + ": window " + std::to_string(window) + " is shorter than " +
                           std::to_string(least) + " days");
}

// Sample covariance (ddof 1) of rows [first, first + count) of returns; false when a value is NaN.
inline bool window_covariance(const Eigen::MatrixXd& returns, Eigen::Index first, Eigen::Index count,
                              Eigen::RowVectorXd& mean, Eigen::MatrixXd& cov) {
    const auto block = returns.middleRows(first, count);
    if (!block.allFinite()) return false;
    mean = block.colwise().mean();
    const Eigen::MatrixXd centred = block.rowwise() - mean;
    cov = centred.transpose() * centred / double(count - 1);
    return true;
}

// Correlation matrix from a covariance; an instrument with zero variance gets correlation 0 with
// every other instrument (and 1 with itself), so it adds nothing to the common mode.
inline Eigen::MatrixXd correlation_of(const Eigen::MatrixXd& cov) {
    const Eigen::Index n = cov.rows();
    Eigen::MatrixXd corr = Eigen::MatrixXd::Identity(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
            if (i != j && cov(i, i) > 0 && cov(j, j) > 0) corr(i, j) = cov(i, j) / std::sqrt(cov(i, i) * cov(j, j));
    return corr;
}

}  // namespace detail

/// average_pairwise_correlation(panel, window): data::average_pairwise_correlation, re-exported
/// here so that all indicators live in one place. Days < window are NaN.
inline std::vector<double> average_pairwise_correlation(const data::price_panel& panel, std::size_t window) {
    const auto v = data::average_pairwise_correlation(panel, window);
    return {v.begin(), v.end()};
}

/// absorption_ratio(returns, window)
///   requires: >= 2 instruments, window >= 2.
///   ensures:  out[t] = (sum of the k largest eigenvalues) / (sum of all) of the covariance of
///             returns over days [t - window + 1, t], k = ceil(N / 5); in [k / N, 1]. NaN while the
///             window reaches row 0 or a NaN, or when the total variance is zero.
inline std::vector<double> absorption_ratio(const Eigen::MatrixXd& returns, std::size_t window) {
    detail::require_indicator_window(returns, window, 2, "canary::risk::absorption_ratio");
    const Eigen::Index days = returns.rows(), n = returns.cols(), w = Eigen::Index(window);
    const Eigen::Index k = (n + 4) / 5;
    std::vector<double> out(std::size_t(days), std::numeric_limits<double>::quiet_NaN());
    Eigen::RowVectorXd mean;
    Eigen::MatrixXd cov;
    for (Eigen::Index t = w - 1; t < days; ++t) {
        if (!detail::window_covariance(returns, t - w + 1, w, mean, cov)) continue;
        const Eigen::VectorXd eig = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(cov, Eigen::EigenvaluesOnly).eigenvalues();
        const double total = eig.sum();  // ascending order: the top k are the tail
        if (total > 0) out[std::size_t(t)] = eig.tail(k).sum() / total;
    }
    return out;
}

/// largest_eigenvalue_share(returns, window)
///   requires: >= 2 instruments, window >= 2.
///   ensures:  out[t] = lambda_max / N of the correlation matrix of returns over days
///             [t - window + 1, t], in [1 / N, 1]; NaN while the window is incomplete.
inline std::vector<double> largest_eigenvalue_share(const Eigen::MatrixXd& returns, std::size_t window) {
    detail::require_indicator_window(returns, window, 2, "canary::risk::largest_eigenvalue_share");
    const Eigen::Index days = returns.rows(), n = returns.cols(), w = Eigen::Index(window);
    std::vector<double> out(std::size_t(days), std::numeric_limits<double>::quiet_NaN());
    Eigen::RowVectorXd mean;
    Eigen::MatrixXd cov;
    for (Eigen::Index t = w - 1; t < days; ++t) {
        if (!detail::window_covariance(returns, t - w + 1, w, mean, cov)) continue;
        const Eigen::MatrixXd corr = detail::correlation_of(cov);
        const Eigen::VectorXd eig = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(corr, Eigen::EigenvaluesOnly).eigenvalues();
        out[std::size_t(t)] = eig(n - 1) / double(n);
    }
    return out;
}

/// turbulence(returns, window, shrinkage)
///   requires: >= 2 instruments, window >= 3, shrinkage in [0, 1] (else config_error).
///   ensures:  out[t] = (r_t - mu)' S^-1 (r_t - mu) / N, with mu and the sample covariance C taken
///             over days [t - window, t - 1] (strictly before t) and S = (1 - s) C + s (tr C / N) I,
///             a shrinkage towards a scaled identity: with a window not much longer than N the
///             sample covariance is near-singular and its inverse would amplify noise. Dividing by
///             N makes the average value about 1 in calm times for any N. NaN while the window is
///             incomplete or holds a NaN.
inline std::vector<double> turbulence(const Eigen::MatrixXd& returns, std::size_t window, double shrinkage = 0.1) {
    detail::require_indicator_window(returns, window, 3, "canary::risk::turbulence");
    if (!(shrinkage >= 0.0 && shrinkage <= 1.0))
        throw config_error("canary::risk::turbulence: shrinkage " + std::to_string(shrinkage) + " is outside [0, 1]");
    const Eigen::Index days = returns.rows(), n = returns.cols(), w = Eigen::Index(window);
    std::vector<double> out(std::size_t(days), std::numeric_limits<double>::quiet_NaN());
    Eigen::RowVectorXd mean;
    Eigen::MatrixXd cov;
    for (Eigen::Index t = w; t < days; ++t) {
        if (!returns.row(t).allFinite() || !detail::window_covariance(returns, t - w, w, mean, cov)) continue;
        const double scale = cov.trace() / double(n);
        if (!(scale > 0)) continue;
        const Eigen::MatrixXd s = (1.0 - shrinkage) * cov + shrinkage * scale * Eigen::MatrixXd::Identity(n, n);
        const Eigen::VectorXd d = (returns.row(t) - mean).transpose();
        const Eigen::LDLT<Eigen::MatrixXd> solver(s);
        if (solver.info() != Eigen::Success) continue;
        out[std::size_t(t)] = d.dot(solver.solve(d)) / double(n);
    }
    return out;
}

/// One named indicator series over all days of a panel.
struct indicator_series {
    std::string name;
    std::vector<double> values;
};

/// The four indicators over one window length (turbulence with the default shrinkage).
inline std::vector<indicator_series> classical_indicators(const data::price_panel& panel, std::size_t window) {
    const Eigen::MatrixXd r = log_return_matrix(panel);
    return {{"avg-correlation", risk::average_pairwise_correlation(panel, window)},
            {"absorption-ratio", absorption_ratio(r, window)},
            {"turbulence", turbulence(r, window)},
            {"eigenvalue-share", largest_eigenvalue_share(r, window)}};
}

}  // namespace canary::risk

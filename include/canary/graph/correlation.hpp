#pragma once
// Rolling correlations of daily log returns, the raw material of the correlation graphs.
//
// The correlation of day t uses the returns r_{t-w+1}, ..., r_t only (w = window): nothing after
// day t is read, so a graph for day t can be used to predict day t+1. Pearson is the sample
// correlation; Spearman is the Pearson correlation of the ranks inside the window, tied values
// sharing their average rank. A series that is constant inside the window has no correlation: its
// row and column are 0 (also on the diagonal) and `defined` is false for it, so it never gets an
// edge and nothing is NaN. Definitions and the computation: docs/graph.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "canary/core/error.hpp"
#include "canary/data/price_panel.hpp"

namespace canary::graph {

enum class correlation_method { pearson, spearman };

inline const char* to_string(correlation_method m) { return m == correlation_method::pearson ? "pearson" : "spearman"; }

/// Row-major (days, instruments) matrix.
using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The correlation matrix of one window.
struct correlation_window {
    std::size_t day = 0;        ///< last day of the window (panel day index)
    std::size_t window = 0;     ///< number of returns used
    Eigen::MatrixXd rho;        ///< (N, N); rho(i, i) = 1 for defined series, 0 otherwise
    std::vector<char> defined;  ///< false for a series constant inside the window
    /// (window, N): column i is series i (or its ranks) centred and scaled to unit norm (0 when
    /// constant), so rho = z^T z. Kept for the eigenvalue statistics (z z^T has rho's spectrum).
    Eigen::MatrixXd z;
    std::size_t defined_count() const {
        return static_cast<std::size_t>(std::count(defined.begin(), defined.end(), char(1)));
    }
};

/// ensures: r(t, i) = ln(p(t, i) / p(t-1, i)) for t >= 1; row 0 is NaN (no return on day 0).
inline matrix log_return_matrix(const data::price_panel& panel) {
    const std::size_t days = panel.days(), n = panel.instruments.size();
    matrix r(static_cast<Eigen::Index>(days), static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i) r(0, static_cast<Eigen::Index>(i)) = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t t = 1; t < days; ++t)
        for (std::size_t i = 0; i < n; ++i)
            r(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(i)) =
                std::log(panel.prices(t, i) / panel.prices(t - 1, i));
    return r;
}

namespace detail {

/// Average ranks (1-based) of x[0..w), ties sharing the mean of their positions. `order` is scratch.
inline void average_ranks(const double* x, std::size_t w, double* ranks, std::vector<std::size_t>& order) {
    order.resize(w);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [x](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    for (std::size_t s = 0; s < w;) {
        std::size_t e = s + 1;
        while (e < w && x[order[e]] == x[order[s]]) ++e;
        const double avg = 0.5 * static_cast<double>(s + e - 1) + 1.0;  // mean of positions s..e-1, 1-based
        for (std::size_t k = s; k < e; ++k) ranks[order[k]] = avg;
        s = e;
    }
}

}  // namespace detail

/// requires: window >= 2; window <= day; returns(s, i) finite for s in (day-window, day]
///           (else canary::config_error / canary::numeric_error naming instrument and day).
/// ensures:  the correlation of the window of returns ending at `day` (see the file comment).
inline correlation_window window_correlation(const matrix& returns, std::size_t day, std::size_t window,
                                             correlation_method method = correlation_method::spearman) {
    const auto rows = static_cast<std::size_t>(returns.rows());
    const auto n = static_cast<Eigen::Index>(returns.cols());
    if (window < 2) throw config_error("window_correlation: window must be at least 2, got " + std::to_string(window));
    if (day >= rows) throw config_error("window_correlation: day " + std::to_string(day) + " outside " +
                                        std::to_string(rows) + " days");
    if (day + 1 < window + 1)
        throw config_error("window_correlation: the " + std::to_string(window) + "-day window ending at day " +
                           std::to_string(day) + " reaches day 0, which has no return; first valid day is " +
                           std::to_string(window));
    const auto w = static_cast<Eigen::Index>(window);
    const std::size_t first = day + 1 - window;
    correlation_window out;
    out.day = day;
    out.window = window;
    out.z.resize(w, n);
    out.defined.assign(static_cast<std::size_t>(n), 0);
    std::vector<double> x(window), ranks(window);
    std::vector<std::size_t> order;
    for (Eigen::Index i = 0; i < n; ++i) {
        double lo = INFINITY, hi = -INFINITY;
        for (std::size_t s = 0; s < window; ++s) {
            const double v = returns(static_cast<Eigen::Index>(first + s), i);
            if (!std::isfinite(v))
                throw numeric_error("window_correlation: return of instrument " + std::to_string(i) + " on day " +
                                    std::to_string(first + s) + " is not finite");
            x[s] = v;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        if (lo == hi) {  // constant inside the window: no correlation (exact test, no tolerance)
            out.z.col(i).setZero();
            continue;
        }
        const double* src = x.data();
        if (method == correlation_method::spearman) {
            detail::average_ranks(x.data(), window, ranks.data(), order);
            src = ranks.data();
        }
        double mean = 0.0;
        for (std::size_t s = 0; s < window; ++s) mean += src[s];
        mean /= static_cast<double>(window);
        double ss = 0.0;
        for (std::size_t s = 0; s < window; ++s) ss += (src[s] - mean) * (src[s] - mean);
        const double inv = 1.0 / std::sqrt(ss);
        for (std::size_t s = 0; s < window; ++s) out.z(static_cast<Eigen::Index>(s), i) = (src[s] - mean) * inv;
        out.defined[static_cast<std::size_t>(i)] = 1;
    }
    out.rho.resize(n, n);
    out.rho.noalias() = out.z.transpose() * out.z;  // one GEMM: N^2 w multiply-adds
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < n; ++j) out.rho(i, j) = std::clamp(out.rho(i, j), -1.0, 1.0);
        out.rho(i, i) = out.defined[static_cast<std::size_t>(i)] ? 1.0 : 0.0;
    }
    return out;
}

}  // namespace canary::graph

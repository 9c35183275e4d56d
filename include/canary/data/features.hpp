#pragma once
// Trailing-window features of a price panel. THE RULE: a value reported for day t is a function
// of prices on days 0..t only; nothing for day t reads day t+1. Every window therefore ends at t
// (inclusive), and a day whose window is not yet full gets NaN instead of a shorter window, so a
// feature never changes meaning along the series. Days keep their panel index: feature row t is
// panel day t, which is what lets labels, windows and splits refer to the same day numbers.
//
// Each window is computed from scratch (no running sums): the cost is negligible at daily
// frequency, and a value for day t is then bitwise independent of anything after t.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "canary/core/error.hpp"
#include "canary/data/price_panel.hpp"

namespace canary::data {

namespace detail {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

inline void require_window(std::size_t window, std::size_t least, const char* what) {
    if (window < least)
        throw config_error(std::string(what) + ": window must be at least " + std::to_string(least) + ", got " +
                           std::to_string(window));
}

inline std::vector<double> column_of(const xt::xtensor<double, 2>& m, std::size_t j) {
    std::vector<double> out(m.shape()[0]);
    for (std::size_t t = 0; t < out.size(); ++t) out[t] = m(t, j);
    return out;
}

inline std::vector<double> to_vector(const xt::xtensor<double, 1>& x) { return {x.begin(), x.end()}; }

inline xt::xtensor<double, 1> to_tensor(const std::vector<double>& v) {
    xt::xtensor<double, 1> out = xt::xtensor<double, 1>::from_shape({v.size()});
    std::copy(v.begin(), v.end(), out.begin());
    return out;
}

inline double mean_of(std::span<const double> x) {
    double sum = 0.0;
    for (double v : x) sum += v;
    return sum / static_cast<double>(x.size());
}

// Two-pass (mean, then squared deviations): stable for the small windows used here.
inline double std_of(std::span<const double> x, std::size_t ddof) {
    const double m = mean_of(x);
    double ss = 0.0;
    for (double v : x) ss += (v - m) * (v - m);
    return std::sqrt(ss / static_cast<double>(x.size() - ddof));
}

inline std::vector<double> rolling_mean(std::span<const double> x, std::size_t w) {
    std::vector<double> out(x.size(), nan);
    for (std::size_t t = w - 1; t < x.size(); ++t) out[t] = mean_of(x.subspan(t + 1 - w, w));
    return out;
}

inline std::vector<double> rolling_std(std::span<const double> x, std::size_t w, std::size_t ddof) {
    std::vector<double> out(x.size(), nan);
    for (std::size_t t = w - 1; t < x.size(); ++t) out[t] = std_of(x.subspan(t + 1 - w, w), ddof);
    return out;
}

inline std::vector<double> log_returns(std::span<const double> p) {
    std::vector<double> out(p.size(), nan);
    for (std::size_t t = 1; t < p.size(); ++t) out[t] = std::log(p[t] / p[t - 1]);
    return out;
}

inline std::vector<double> drawdown(std::span<const double> p, std::size_t w) {
    std::vector<double> out(p.size(), nan);
    for (std::size_t t = w - 1; t < p.size(); ++t) {
        double peak = p[t + 1 - w];
        bool has_nan = std::isnan(peak);
        for (std::size_t s = t + 2 - w; s <= t; ++s) {
            has_nan = has_nan || std::isnan(p[s]);
            peak = std::max(peak, p[s]);
        }
        out[t] = has_nan ? nan : p[t] / peak - 1.0;
    }
    return out;
}

inline std::vector<double> momentum(std::span<const double> p, std::size_t w) {
    std::vector<double> out(p.size(), nan);
    for (std::size_t t = w; t < p.size(); ++t) out[t] = p[t] / p[t - w] - 1.0;
    return out;
}

inline void require_finite_positive(const price_panel& panel, const char* what) {
    for (std::size_t t = 0; t < panel.days(); ++t)
        for (std::size_t j = 0; j < panel.instrument_count(); ++j) {
            const double p = panel.prices(t, j);
            if (!std::isfinite(p) || p <= 0.0)
                throw numeric_error(std::string(what) + ": price of '" + panel.instruments[j] + "' on " +
                                    panel.dates[t] + " is " + std::to_string(p) + ", need a finite positive price");
        }
}

inline void require_shape(const price_panel& panel, std::size_t min_instruments, const char* what) {
    if (panel.prices.shape()[0] != panel.days() || panel.prices.shape()[1] != panel.instrument_count())
        throw shape_error(std::string(what) + ": prices shape does not match dates x instruments");
    if (panel.instrument_count() < min_instruments)
        throw shape_error(std::string(what) + ": needs at least " + std::to_string(min_instruments) +
                          " instruments, panel has " + std::to_string(panel.instrument_count()));
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// 1-d helpers. NaN inputs propagate: a window containing NaN yields NaN.

/// requires: window >= 1.
/// ensures: out.size() == x.size(); out[t] = mean(x[t-window+1 .. t]) for t >= window-1, else NaN.
inline xt::xtensor<double, 1> rolling_mean(const xt::xtensor<double, 1>& x, std::size_t window) {
    detail::require_window(window, 1, "rolling_mean");
    return detail::to_tensor(detail::rolling_mean(detail::to_vector(x), window));
}

/// requires: window > ddof.
/// ensures: out[t] = sqrt(sum_{s=t-window+1..t} (x_s - mean)^2 / (window - ddof)) for
///          t >= window-1, else NaN. ddof = 1 (default) is the sample standard deviation.
inline xt::xtensor<double, 1> rolling_std(const xt::xtensor<double, 1>& x, std::size_t window, std::size_t ddof = 1) {
    detail::require_window(window, ddof + 1, "rolling_std");
    return detail::to_tensor(detail::rolling_std(detail::to_vector(x), window, ddof));
}

/// ensures: out[0] = NaN; out[t] = ln(p[t] / p[t-1]) for t >= 1.
inline xt::xtensor<double, 1> log_returns(const xt::xtensor<double, 1>& prices) {
    return detail::to_tensor(detail::log_returns(detail::to_vector(prices)));
}

/// requires: window >= 2 (a sample std of one return is undefined).
/// ensures: out[t] = sample std (ddof 1) of the log returns r_{t-window+1..t}; valid for
///          t >= window (r_0 does not exist), NaN before.
inline xt::xtensor<double, 1> rolling_volatility(const xt::xtensor<double, 1>& prices, std::size_t window) {
    detail::require_window(window, 2, "rolling_volatility");
    return detail::to_tensor(detail::rolling_std(detail::log_returns(detail::to_vector(prices)), window, 1));
}

/// requires: window >= 1.
/// ensures: out[t] = p_t / max(p_{t-window+1..t}) - 1 (so <= 0) for t >= window-1, else NaN.
inline xt::xtensor<double, 1> rolling_drawdown(const xt::xtensor<double, 1>& prices, std::size_t window) {
    detail::require_window(window, 1, "rolling_drawdown");
    return detail::to_tensor(detail::drawdown(detail::to_vector(prices), window));
}

/// requires: window >= 1.
/// ensures: out[t] = p_t / p_{t-window} - 1 for t >= window, else NaN.
inline xt::xtensor<double, 1> momentum(const xt::xtensor<double, 1>& prices, std::size_t window) {
    detail::require_window(window, 1, "momentum");
    return detail::to_tensor(detail::momentum(detail::to_vector(prices), window));
}

// ---------------------------------------------------------------------------------------------
// Node features (one vector per instrument and day)

inline constexpr std::size_t node_feature_count = 7;

/// Feature order of node_features' last axis. The numbers are the default windows.
inline constexpr std::array<std::string_view, node_feature_count> node_feature_names = {
    "log_return", "vol20", "vol60", "dd20", "dd60", "mom10", "mom30"};

/// Window lengths (trading days) of the node features; the defaults follow arXiv 2512.17185.
struct node_feature_windows {
    std::size_t volatility_short = 20;
    std::size_t volatility_long = 60;
    std::size_t drawdown_short = 20;
    std::size_t drawdown_long = 60;
    std::size_t momentum_short = 10;
    std::size_t momentum_long = 30;

    /// ensures: the first day index at which all seven features are defined:
    ///          max(1, vol windows, drawdown windows - 1, momentum windows); 60 by default.
    std::size_t first_valid_day() const noexcept {
        return std::max({std::size_t{1}, volatility_short, volatility_long, drawdown_short - 1, drawdown_long - 1,
                         momentum_short, momentum_long});
    }
};

/// Node features with their validity offset.
struct node_feature_panel {
    /// (days, instruments, node_feature_count), ordered as node_feature_names. Rows before
    /// first_valid_day hold NaN in at least one feature and are kept (not cut) so that row t is
    /// panel day t everywhere downstream.
    xt::xtensor<double, 3> values;
    /// First day on which every feature of every instrument has a full window.
    std::size_t first_valid_day = 0;
};

/// requires: panel.prices has shape (days, instruments); volatility windows >= 2; other
///           windows >= 1.
/// ensures: values(t, i, k) is feature k of instrument i on day t, computed from prices of days
///          <= t only: [ln(p_t/p_{t-1}), vol_short, vol_long, dd_short, dd_long, mom_short,
///          mom_long] as defined by log_returns, rolling_volatility, rolling_drawdown and momentum.
///          NaN prices propagate into every window that contains them.
inline node_feature_panel node_features(const price_panel& panel, const node_feature_windows& windows = {}) {
    detail::require_shape(panel, 1, "node_features");
    detail::require_window(windows.volatility_short, 2, "node_features volatility_short");
    detail::require_window(windows.volatility_long, 2, "node_features volatility_long");
    detail::require_window(windows.drawdown_short, 1, "node_features drawdown_short");
    detail::require_window(windows.drawdown_long, 1, "node_features drawdown_long");
    detail::require_window(windows.momentum_short, 1, "node_features momentum_short");
    detail::require_window(windows.momentum_long, 1, "node_features momentum_long");
    const std::size_t days = panel.days(), n = panel.instrument_count();
    node_feature_panel out;
    out.first_valid_day = windows.first_valid_day();
    out.values = xt::xtensor<double, 3>::from_shape({days, n, node_feature_count});
    for (std::size_t i = 0; i < n; ++i) {
        const std::vector<double> p = detail::column_of(panel.prices, i);
        const std::vector<double> r = detail::log_returns(p);
        const std::array<std::vector<double>, node_feature_count> columns = {
            r,
            detail::rolling_std(r, windows.volatility_short, 1),
            detail::rolling_std(r, windows.volatility_long, 1),
            detail::drawdown(p, windows.drawdown_short),
            detail::drawdown(p, windows.drawdown_long),
            detail::momentum(p, windows.momentum_short),
            detail::momentum(p, windows.momentum_long)};
        for (std::size_t t = 0; t < days; ++t)
            for (std::size_t k = 0; k < node_feature_count; ++k) out.values(t, i, k) = columns[k][t];
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Market-level aggregates

/// requires: every price finite and positive, or NaN before the instrument lists (else
///           canary::numeric_error naming instrument and date).
/// ensures: out[0] = 1; out[t] = out[t-1] * (1 + mean_i (p_{i,t} / p_{i,t-1} - 1)) over the
///          instruments priced on both days: a portfolio rebalanced daily to equal weights, so every
///          instrument counts the same whatever its level, and one that lists later joins the day
///          after its first price. A day with no such instrument carries the index flat.
inline xt::xtensor<double, 1> equal_weight_index(const price_panel& panel) {
    detail::require_shape(panel, 1, "equal_weight_index");
    const std::size_t days = panel.days(), n = panel.instrument_count();
    std::vector<bool> listed(n, false);
    for (std::size_t t = 0; t < days; ++t)
        for (std::size_t j = 0; j < n; ++j) {
            const double p = panel.prices(t, j);
            if (std::isnan(p) && !listed[j]) continue;  // not yet listed
            listed[j] = true;
            if (!(std::isfinite(p) && p > 0.0))
                throw numeric_error(std::string("equal_weight_index: price of '") + panel.instruments[j] + "' on " +
                                    panel.dates[t] + " is " + std::to_string(p) + ", need a finite positive price");
        }
    xt::xtensor<double, 1> out = xt::xtensor<double, 1>::from_shape({days});
    if (days == 0) return out;
    out(0) = 1.0;
    for (std::size_t t = 1; t < days; ++t) {
        double mean_return = 0.0;
        std::size_t priced = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double now = panel.prices(t, i), before = panel.prices(t - 1, i);
            if (std::isnan(now) || std::isnan(before)) continue;
            mean_return += now / before - 1.0;
            ++priced;
        }
        out(t) = priced == 0 ? out(t - 1) : out(t - 1) * (1.0 + mean_return / static_cast<double>(priced));
    }
    return out;
}

/// requires: at least 2 instruments.
/// ensures: out[0] = NaN; out[t] = sample std (ddof 1) across instruments of the day's log
///          returns ln(p_{i,t}/p_{i,t-1}). A high value means instruments move apart.
inline xt::xtensor<double, 1> cross_sectional_dispersion(const price_panel& panel) {
    detail::require_shape(panel, 2, "cross_sectional_dispersion");
    const std::size_t days = panel.days(), n = panel.instrument_count();
    xt::xtensor<double, 1> out = xt::xtensor<double, 1>::from_shape({days});
    std::vector<double> r;
    r.reserve(n);
    for (std::size_t t = 0; t < days; ++t) {
        if (t == 0) {
            out(t) = detail::nan;
            continue;
        }
        // Instruments not yet listed (NaN) sit out; fewer than two priced ones leave the day NaN.
        r.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const double x = std::log(panel.prices(t, i) / panel.prices(t - 1, i));
            if (!std::isnan(x)) r.push_back(x);
        }
        out(t) = r.size() < 2 ? detail::nan : detail::std_of(r, 1);
    }
    return out;
}

/// requires: at least 2 instruments; window >= 2.
/// ensures: out[t] = mean over pairs i < j of the Pearson correlation of the log returns
///          r_{t-window+1..t} of i and j, for t >= window; NaN before. A pair in which either
///          series is constant over the window, or not priced over all of it (not yet listed), is
///          left out of the mean; if no pair is defined the day is NaN. Rising average
///          correlation is the classic sign of a market losing its diversification.
inline xt::xtensor<double, 1> average_pairwise_correlation(const price_panel& panel, std::size_t window) {
    detail::require_shape(panel, 2, "average_pairwise_correlation");
    detail::require_window(window, 2, "average_pairwise_correlation");
    const std::size_t days = panel.days(), n = panel.instrument_count();
    std::vector<std::vector<double>> returns(n);
    for (std::size_t i = 0; i < n; ++i) returns[i] = detail::log_returns(detail::column_of(panel.prices, i));
    xt::xtensor<double, 1> out = xt::xtensor<double, 1>::from_shape({days});
    std::vector<std::vector<double>> centred(n, std::vector<double>(window));
    std::vector<double> norm(n);
    for (std::size_t t = 0; t < days; ++t) {
        if (t < window) {
            out(t) = detail::nan;
            continue;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const std::span<const double> x(returns[i].data() + t + 1 - window, window);
            const double m = detail::mean_of(x);
            double ss = 0.0;
            for (std::size_t s = 0; s < window; ++s) {
                centred[i][s] = x[s] - m;
                ss += centred[i][s] * centred[i][s];
            }
            norm[i] = std::sqrt(ss);
        }
        double sum = 0.0;
        std::size_t pairs = 0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j) {
                // A constant series has no correlation; one not listed over the whole window
                // (NaN returns) sits the day out.
                if (!(norm[i] > 0.0) || !(norm[j] > 0.0)) continue;
                double cross = 0.0;
                for (std::size_t s = 0; s < window; ++s) cross += centred[i][s] * centred[j][s];
                sum += cross / (norm[i] * norm[j]);
                ++pairs;
            }
        out(t) = pairs == 0 ? detail::nan : sum / static_cast<double>(pairs);
    }
    return out;
}

}  // namespace canary::data

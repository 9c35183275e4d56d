#pragma once
// A fixed-width daily feature vector of the whole market, whatever the number of instruments:
// typed models need their input width at compile time, while panels range from 6 to 500
// instruments. The 16 features (the input width of arXiv 2502.06847's model) are
//   0..6   the paper's seven node features of the reference series (index column or the
//          equal-weight index): log return, vol20, vol60, dd20, dd60, mom10, mom30
//   7      cross-sectional dispersion of the day's log returns
//   8, 9   average pairwise Pearson correlation of log returns over 20 and 60 days
//   10     breadth: share of instruments at least 10% below their 60-day high
//   11..13 cross-sectional means of vol20, dd20 and mom10
//   14     cross-sectional standard deviation of mom30
//   15     log return of the equal-weight index
// Every value for day t reads days <= t only (see features.hpp); warm-up days are NaN.
#include <array>
#include <cmath>
#include <string_view>

#include "canary/data/features.hpp"
#include "canary/data/labels.hpp"

namespace canary::data {

inline constexpr std::size_t market_feature_count = 16;
inline constexpr std::array<std::string_view, market_feature_count> market_feature_names = {
    "ref_log_return", "ref_vol20", "ref_vol60", "ref_dd20", "ref_dd60", "ref_mom10", "ref_mom30", "dispersion",
    "avg_corr20", "avg_corr60", "breadth_dd10", "mean_vol20", "mean_dd20", "mean_mom10", "std_mom30", "ew_log_return"};

struct market_feature_panel {
    xt::xtensor<double, 2> values;  ///< (days, 16), NaN before first_valid_day
    std::size_t first_valid_day = 0;
};

/// The 16 market features of every day from the constituents' prices and a reference series
/// (the market whose drawdown is labelled), reading only days <= t for day t.
/// requires: constituents has at least 1 instrument; reference.size() == constituents.days().
///           Constituents may be NaN before they list (load_options::late_listing): every
///           cross-sectional aggregate is taken over the instruments defined on that day.
/// ensures:  features 0-6 from the reference; 7-9 (dispersion, average correlation 20/60) need two
///           instruments and are 0 (constant, and so carry no signal) when fewer are priced;
///           10-14 average the constituents' node features; 15 is the equal-weight index's return.
inline market_feature_panel market_features(const price_panel& constituents, const xt::xtensor<double, 1>& reference) {
    const std::size_t days = constituents.days(), n = constituents.instrument_count();
    if (n == 0) throw shape_error("market_features: no constituent instrument");
    if (reference.size() != days)
        throw shape_error("market_features: reference has " + std::to_string(reference.size()) + " days, panel " +
                          std::to_string(days));
    const node_feature_panel nodes = node_features(constituents);
    const auto& ref = reference;
    const auto ew = equal_weight_index(constituents);
    const bool cross = n >= 2;
    const auto dispersion = cross ? cross_sectional_dispersion(constituents) : xt::xtensor<double, 1>();
    const auto corr20 = cross ? average_pairwise_correlation(constituents, 20) : xt::xtensor<double, 1>();
    const auto corr60 = cross ? average_pairwise_correlation(constituents, 60) : xt::xtensor<double, 1>();
    const auto ref_features = std::array<xt::xtensor<double, 1>, 7>{
        log_returns(ref),           rolling_volatility(ref, 20), rolling_volatility(ref, 60), rolling_drawdown(ref, 20),
        rolling_drawdown(ref, 60),  momentum(ref, 10),           momentum(ref, 30)};
    const auto ew_returns = log_returns(ew);
    auto or_zero = [](double v) { return std::isnan(v) ? 0.0 : v; };

    market_feature_panel out;
    out.values = xt::xtensor<double, 2>::from_shape({days, market_feature_count});
    std::size_t first = std::max<std::size_t>(nodes.first_valid_day, 60);
    for (std::size_t t = 0; t < days; ++t) {
        for (std::size_t k = 0; k < 7; ++k) out.values(t, k) = ref_features[k](t);
        // Fewer than two priced instruments: no cross-section, a constant 0 (not NaN, which would
        // make the day unusable for a market that simply has one instrument).
        out.values(t, 7) = cross && t >= 1 ? or_zero(dispersion(t)) : (t >= 1 ? 0.0 : detail::nan);
        out.values(t, 8) = cross && t >= 20 ? or_zero(corr20(t)) : (t >= 20 ? 0.0 : detail::nan);
        out.values(t, 9) = cross && t >= 60 ? or_zero(corr60(t)) : (t >= 60 ? 0.0 : detail::nan);
        double breadth = 0, vol = 0, dd = 0, mom = 0, m30 = 0, m30sq = 0;
        std::size_t defined = 0;
        for (std::size_t i = 0; i < n; ++i) {
            bool all = true;
            for (std::size_t k = 0; k < node_feature_count; ++k) all = all && !std::isnan(nodes.values(t, i, k));
            if (!all) continue;  // warming up or not yet listed
            ++defined;
            breadth += nodes.values(t, i, 4) <= -0.10 ? 1.0 : 0.0;
            vol += nodes.values(t, i, 1);
            dd += nodes.values(t, i, 3);
            mom += nodes.values(t, i, 5);
            m30 += nodes.values(t, i, 6);
            m30sq += nodes.values(t, i, 6) * nodes.values(t, i, 6);
        }
        const double inv = defined == 0 ? detail::nan : 1.0 / static_cast<double>(defined);
        out.values(t, 10) = breadth * inv;
        out.values(t, 11) = vol * inv;
        out.values(t, 12) = dd * inv;
        out.values(t, 13) = mom * inv;
        out.values(t, 14) = std::sqrt(std::max(0.0, m30sq * inv - (m30 * inv) * (m30 * inv)));
        if (defined == 0) out.values(t, 14) = detail::nan;
        out.values(t, 15) = ew_returns(t);
    }
    // The first day on which all 16 are finite (later NaNs would come from the data itself).
    for (; first < days; ++first) {
        bool finite = true;
        for (std::size_t k = 0; k < market_feature_count; ++k) finite = finite && std::isfinite(out.values(first, k));
        if (finite) break;
    }
    out.first_valid_day = first;
    return out;
}

/// requires: a validated panel; `reference` names a column or is empty for the equal-weight index.
/// ensures: market_features(panel, market_reference(panel, reference)): every column, the
///          reference included, is a constituent (the SPISECTOR convention of canary-risk compare).
inline market_feature_panel market_features(const price_panel& panel, std::string_view reference = {}) {
    return market_features(panel, market_reference(panel, reference));
}

}  // namespace canary::data

#pragma once
// Forward drawdown labels: "does the reference fall by at least theta within the next H days?"
//
//     y_t = 1  iff  min_{s in (t, t+H]} p_s <= (1 - theta) * p_t,     else 0,
//
// defined for t = 0 .. days-1-H. The last H days have an incomplete future and get
// label_unknown (-1), never 0: calling them "no crash" would be a guess. Labels are the ONLY
// place that reads the future, and they read exactly days t+1..t+H; splits.hpp purges around
// that window.
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "canary/core/error.hpp"
#include "canary/data/features.hpp"
#include "canary/data/price_panel.hpp"

namespace canary::data {

/// The label of a day whose forward window is incomplete or contains a NaN price.
inline constexpr int label_unknown = -1;

/// Parameters of the forward drawdown label.
struct drawdown_label_options {
    double theta = 0.10;       ///< decline that counts as a crash, in (0, 1)
    std::size_t horizon = 20;  ///< H, trading days looked ahead, >= 1
};

namespace detail {

// Decimal inputs such as 100 -> 90 must count as exactly -10% even though (1 - 0.1) * p and the
// parsed 90 can differ in the last bit; 1e-12 relative is far below any price's precision.
inline constexpr double label_relative_tolerance = 1e-12;

inline void check_label_options(const drawdown_label_options& o) {
    if (!(o.theta > 0.0 && o.theta < 1.0))
        throw config_error("drawdown label: theta must be in (0, 1), got " + std::to_string(o.theta));
    if (o.horizon == 0) throw config_error("drawdown label: horizon must be at least 1 day");
}

inline int drawdown_label(std::span<const double> p, std::size_t t, const drawdown_label_options& o) {
    if (t + o.horizon >= p.size() || std::isnan(p[t])) return label_unknown;
    const double threshold = (1.0 - o.theta) * p[t] * (1.0 + label_relative_tolerance);
    bool crash = false;
    for (std::size_t s = t + 1; s <= t + o.horizon; ++s) {
        if (std::isnan(p[s])) return label_unknown;
        crash = crash || p[s] <= threshold;
    }
    return crash ? 1 : 0;
}

}  // namespace detail

/// requires: 0 < theta < 1, horizon >= 1.
/// ensures: out.size() == reference.size(); out[t] = 1 when some p_s with t < s <= t+H is at or
///          below (1 - theta) p_t (relative tolerance 1e-12, so an exact decimal -theta counts),
///          0 when none is, label_unknown (-1) when t + H >= size or p_t or any p_s is NaN.
inline xt::xtensor<int, 1> forward_drawdown_labels(const xt::xtensor<double, 1>& reference,
                                                   const drawdown_label_options& options = {}) {
    detail::check_label_options(options);
    const std::vector<double> p(reference.begin(), reference.end());
    xt::xtensor<int, 1> out = xt::xtensor<int, 1>::from_shape({p.size()});
    for (std::size_t t = 0; t < p.size(); ++t) out(t) = detail::drawdown_label(p, t, options);
    return out;
}

/// The reference series for the market label.
/// ensures: panel.column(name) when name is not empty (canary::config_error if unknown), else
///          equal_weight_index(panel).
inline xt::xtensor<double, 1> market_reference(const price_panel& panel, std::string_view name = {}) {
    return name.empty() ? equal_weight_index(panel) : panel.column(name);
}

/// requires: as forward_drawdown_labels.
/// ensures: out(t, i) is forward_drawdown_labels of instrument i's prices at day t; shape
///          (days, instruments).
inline xt::xtensor<int, 2> node_drawdown_labels(const price_panel& panel, const drawdown_label_options& options = {}) {
    detail::check_label_options(options);
    const std::size_t days = panel.days(), n = panel.instrument_count();
    xt::xtensor<int, 2> out = xt::xtensor<int, 2>::from_shape({days, n});
    for (std::size_t i = 0; i < n; ++i) {
        const std::vector<double> p = detail::column_of(panel.prices, i);
        for (std::size_t t = 0; t < days; ++t) out(t, i) = detail::drawdown_label(p, t, options);
    }
    return out;
}

/// A maximal run of consecutive positive labels, both ends inclusive (day indices).
struct crash_episode {
    std::size_t start = 0;
    std::size_t end = 0;
    std::size_t length() const noexcept { return end - start + 1; }
    bool operator==(const crash_episode&) const = default;
};

/// ensures: the maximal runs of labels == 1, in order. 0 and label_unknown both end a run, so an
///          episode never spans an unlabelled day. The start of an episode is the first day from
///          which the drawdown was still ahead: a warning's lead time is measured against it.
inline std::vector<crash_episode> crash_episodes(const xt::xtensor<int, 1>& labels) {
    std::vector<crash_episode> out;
    const std::size_t n = labels.size();
    for (std::size_t t = 0; t < n;) {
        if (labels(t) != 1) {
            ++t;
            continue;
        }
        const std::size_t start = t;
        while (t < n && labels(t) == 1) ++t;
        out.push_back({start, t - 1});
    }
    return out;
}

}  // namespace canary::data

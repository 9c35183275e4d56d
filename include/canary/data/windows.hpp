#pragma once
// Sequence windows. The sample for day t is the T feature rows of days t-T+1 .. t (t inclusive),
// paired with the label of day t. Because features are trailing, such a window reads prices of
// days <= t only; the label alone looks ahead (see labels.hpp).
//
// End days are anchored at the first day that has a full valid window and then taken every
// `stride` days. Anchoring at the start (not at the end of the data) keeps the chosen days
// stable when new days are appended, so a backtest does not change because the future grew.
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "canary/core/error.hpp"
#include "canary/data/labels.hpp"

namespace canary::data {

/// Options of window_end_days.
struct window_options {
    std::size_t length = 30;           ///< T, days per window (>= 1)
    std::size_t stride = 1;            ///< days between consecutive end days (>= 1)
    std::size_t first_valid_day = 0;   ///< first day whose feature row is complete (e.g. 60)
};

namespace detail {

inline void check_window_options(const window_options& o) {
    if (o.length == 0) throw config_error("window_options::length must be at least 1");
    if (o.stride == 0) throw config_error("window_options::stride must be at least 1");
}

inline void check_end_day(std::size_t t, std::size_t length, std::size_t days) {
    if (t >= days || t + 1 < length)
        throw config_error("window ending on day " + std::to_string(t) + " with length " + std::to_string(length) +
                           " does not fit in " + std::to_string(days) + " days");
}

}  // namespace detail

/// requires: options.length >= 1, options.stride >= 1.
/// ensures: the increasing day indices t < days with t = t0 + k * stride (k = 0, 1, ...), where
///          t0 = first_valid_day + length - 1 is the first day whose whole window
///          [t-length+1, t] lies at or after first_valid_day. Empty when t0 >= days.
inline std::vector<std::size_t> window_end_days(std::size_t days, const window_options& options) {
    detail::check_window_options(options);
    std::vector<std::size_t> out;
    for (std::size_t t = options.first_valid_day + options.length - 1; t < days; t += options.stride) out.push_back(t);
    return out;
}

/// As window_end_days(labels.size(), options), keeping only the days whose label is known
/// (not label_unknown). These are the training/evaluation samples.
inline std::vector<std::size_t> labelled_window_end_days(const xt::xtensor<int, 1>& labels,
                                                         const window_options& options) {
    std::vector<std::size_t> out;
    for (std::size_t t : window_end_days(labels.size(), options))
        if (labels(t) != label_unknown) out.push_back(t);
    return out;
}

/// requires: features has shape (days, F); every t in end_days satisfies length-1 <= t < days
///           (else canary::config_error); the gathered rows are finite (else
///           canary::numeric_error naming day and feature: a window reaching into the warm-up).
/// ensures: out(b, s, f) = features(end_days[b] - length + 1 + s, f); shape (batch, length, F).
template <class T = float>
xt::xtensor<T, 3> gather_windows(const xt::xtensor<double, 2>& features, std::span<const std::size_t> end_days,
                                 std::size_t length) {
    if (length == 0) throw config_error("gather_windows: length must be at least 1");
    const std::size_t days = features.shape()[0], width = features.shape()[1];
    xt::xtensor<T, 3> out = xt::xtensor<T, 3>::from_shape({end_days.size(), length, width});
    for (std::size_t b = 0; b < end_days.size(); ++b) {
        detail::check_end_day(end_days[b], length, days);
        const std::size_t first = end_days[b] + 1 - length;
        for (std::size_t s = 0; s < length; ++s)
            for (std::size_t f = 0; f < width; ++f) {
                const double v = features(first + s, f);
                if (!std::isfinite(v))
                    throw numeric_error("gather_windows: feature " + std::to_string(f) + " on day " +
                                        std::to_string(first + s) + " is not finite (window ending on day " +
                                        std::to_string(end_days[b]) + ")");
                out(b, s, f) = static_cast<T>(v);
            }
    }
    return out;
}

/// Node version for graph sequence models.
/// requires: features has shape (days, nodes, F); end days and finiteness as gather_windows.
/// ensures: out(b, s, i, f) = features(end_days[b] - length + 1 + s, i, f); shape
///          (batch, length, nodes, F).
template <class T = float>
xt::xtensor<T, 4> gather_node_windows(const xt::xtensor<double, 3>& features, std::span<const std::size_t> end_days,
                                      std::size_t length) {
    if (length == 0) throw config_error("gather_node_windows: length must be at least 1");
    const std::size_t days = features.shape()[0], nodes = features.shape()[1], width = features.shape()[2];
    xt::xtensor<T, 4> out = xt::xtensor<T, 4>::from_shape({end_days.size(), length, nodes, width});
    for (std::size_t b = 0; b < end_days.size(); ++b) {
        detail::check_end_day(end_days[b], length, days);
        const std::size_t first = end_days[b] + 1 - length;
        for (std::size_t s = 0; s < length; ++s)
            for (std::size_t i = 0; i < nodes; ++i)
                for (std::size_t f = 0; f < width; ++f) {
                    const double v = features(first + s, i, f);
                    if (!std::isfinite(v))
                        throw numeric_error("gather_node_windows: node " + std::to_string(i) + " feature " +
                                            std::to_string(f) + " on day " + std::to_string(first + s) +
                                            " is not finite");
                    out(b, s, i, f) = static_cast<T>(v);
                }
    }
    return out;
}

/// requires: every t in end_days is < labels.size() and labelled (else canary::config_error).
/// ensures: out(b) = labels(end_days[b]) as 0 or 1.
template <class T = float>
xt::xtensor<T, 1> gather_labels(const xt::xtensor<int, 1>& labels, std::span<const std::size_t> end_days) {
    xt::xtensor<T, 1> out = xt::xtensor<T, 1>::from_shape({end_days.size()});
    for (std::size_t b = 0; b < end_days.size(); ++b) {
        const std::size_t t = end_days[b];
        if (t >= labels.size() || labels(t) == label_unknown)
            throw config_error("gather_labels: day " + std::to_string(t) + " has no label");
        out(b) = static_cast<T>(labels(t));
    }
    return out;
}

/// requires: labels has shape (days, nodes); every end day in range (else canary::config_error).
/// ensures: out(b, i) = labels(end_days[b], i); label_unknown stays -1 (a node may be unlabelled
///          where the market is not, e.g. a NaN price), so mask those out of a node loss.
template <class T = float>
xt::xtensor<T, 2> gather_node_labels(const xt::xtensor<int, 2>& labels, std::span<const std::size_t> end_days) {
    const std::size_t days = labels.shape()[0], nodes = labels.shape()[1];
    xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape({end_days.size(), nodes});
    for (std::size_t b = 0; b < end_days.size(); ++b) {
        if (end_days[b] >= days) throw config_error("gather_node_labels: day " + std::to_string(end_days[b]) + " out of range");
        for (std::size_t i = 0; i < nodes; ++i) out(b, i) = static_cast<T>(labels(end_days[b], i));
    }
    return out;
}

/// ensures: the (days, nodes * F) matrix whose row t lists node 0's F features, then node 1's...;
///          the input to a market-level sequence model built from node features.
inline xt::xtensor<double, 2> flatten_nodes(const xt::xtensor<double, 3>& features) {
    const std::size_t days = features.shape()[0], nodes = features.shape()[1], width = features.shape()[2];
    xt::xtensor<double, 2> out = xt::xtensor<double, 2>::from_shape({days, nodes * width});
    for (std::size_t t = 0; t < days; ++t)
        for (std::size_t i = 0; i < nodes; ++i)
            for (std::size_t f = 0; f < width; ++f) out(t, i * width + f) = features(t, i, f);
    return out;
}

/// requires: all series have the same length (else canary::shape_error).
/// ensures: the (days, series.size()) matrix with series k as column k; for market aggregates.
inline xt::xtensor<double, 2> column_stack(const std::vector<xt::xtensor<double, 1>>& series) {
    const std::size_t days = series.empty() ? 0 : series.front().size();
    xt::xtensor<double, 2> out = xt::xtensor<double, 2>::from_shape({days, series.size()});
    for (std::size_t k = 0; k < series.size(); ++k) {
        if (series[k].size() != days)
            throw shape_error("column_stack: series " + std::to_string(k) + " has " + std::to_string(series[k].size()) +
                              " days, series 0 has " + std::to_string(days));
        for (std::size_t t = 0; t < days; ++t) out(t, k) = series[k](t);
    }
    return out;
}

}  // namespace canary::data

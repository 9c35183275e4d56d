#pragma once
// Feature scalers fitted on chosen rows only. The rows are the training span's days: fitting on
// all days would let the test period's mean and spread leak into every training input.
//
// Layout convention: axis 0 is the day, the LAST axis is the feature; any axes in between (nodes)
// are pooled, so a (days, nodes, F) node-feature panel gets one statistic per feature shared by
// all nodes. For per-node statistics, flatten_nodes first (windows.hpp) and scale (days, nodes*F).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "canary/core/error.hpp"

namespace canary::data {

namespace detail {

// Per-feature statistics over the selected rows, shared by both scalers.
struct column_stats {
    std::vector<double> mean, std, min, max;
};

template <std::size_t N>
column_stats fit_columns(const xt::xtensor<double, N>& x, std::span<const std::size_t> rows, const char* who) {
    static_assert(N >= 2, "scalers need a day axis and a feature axis");
    if (rows.empty()) throw config_error(std::string(who) + ": fit needs at least one row");
    const std::size_t days = x.shape()[0], width = x.shape()[N - 1];
    const std::size_t row_size = days == 0 ? 0 : x.size() / days;
    const std::size_t groups = width == 0 ? 0 : row_size / width;  // pooled middle-axis positions
    column_stats s;
    s.mean.assign(width, 0.0);
    s.std.assign(width, 0.0);
    s.min.assign(width, 0.0);
    s.max.assign(width, 0.0);
    const double* data = x.data();
    for (std::size_t r : rows) {
        if (r >= days)
            throw config_error(std::string(who) + ": fit row " + std::to_string(r) + " out of range (" +
                               std::to_string(days) + " rows)");
        for (std::size_t k = 0; k < row_size; ++k)
            if (!std::isfinite(data[r * row_size + k]))
                throw numeric_error(std::string(who) + ": feature " + std::to_string(k % width) + " on row " +
                                    std::to_string(r) + " is not finite; fit on rows after the warm-up");
    }
    const double count = static_cast<double>(rows.size() * groups);
    for (std::size_t f = 0; f < width; ++f) {
        s.min[f] = s.max[f] = data[rows[0] * row_size + f];
        double sum = 0.0;
        for (std::size_t r : rows)
            for (std::size_t g = 0; g < groups; ++g) {
                const double v = data[r * row_size + g * width + f];
                sum += v;
                s.min[f] = std::min(s.min[f], v);
                s.max[f] = std::max(s.max[f], v);
            }
        s.mean[f] = sum / count;
        double ss = 0.0;
        for (std::size_t r : rows)
            for (std::size_t g = 0; g < groups; ++g) {
                const double d = data[r * row_size + g * width + f] - s.mean[f];
                ss += d * d;
            }
        s.std[f] = std::sqrt(ss / count);
    }
    return s;
}

// out = (x - offset[f]) / scale[f] (or its inverse) on every element of feature f.
template <std::size_t N>
xt::xtensor<double, N> apply_affine(const xt::xtensor<double, N>& x, const std::vector<double>& offset,
                                    const std::vector<double>& scale, bool inverse, const char* who) {
    if (offset.empty()) throw config_error(std::string(who) + ": transform before fit");
    const std::size_t width = x.shape()[N - 1];
    if (width != offset.size())
        throw shape_error(std::string(who) + ": fitted on " + std::to_string(offset.size()) +
                          " features, given " + std::to_string(width));
    xt::xtensor<double, N> out = x;
    double* data = out.data();
    for (std::size_t k = 0; k < out.size(); ++k) {
        const std::size_t f = k % width;
        data[k] = inverse ? data[k] * scale[f] + offset[f] : (data[k] - offset[f]) / scale[f];
    }
    return out;
}

}  // namespace detail

/// z = (x - mean) / scale per feature, with mean and population standard deviation (ddof 0)
/// taken over the fitted rows. A feature that is constant on those rows gets scale 1 (so it maps
/// to 0) instead of a division by zero.
class standard_scaler {
public:
    /// requires: x has shape (days, ..., F); rows non-empty, each < days, and x finite on them
    ///           (canary::config_error / canary::numeric_error otherwise).
    /// ensures: mean()[f] and scale()[f] are computed from x's rows `rows` only.
    template <std::size_t N>
    void fit(const xt::xtensor<double, N>& x, std::span<const std::size_t> rows) {
        const detail::column_stats s = detail::fit_columns(x, rows, "standard_scaler");
        mean_ = s.mean;
        scale_ = s.std;
        for (std::size_t f = 0; f < scale_.size(); ++f)
            if (s.min[f] == s.max[f] || !(scale_[f] > 0.0)) scale_[f] = 1.0;
    }

    /// requires: fitted (else canary::config_error); last axis == F (else canary::shape_error).
    /// ensures: out = (x - mean) / scale elementwise per feature; NaN stays NaN.
    template <std::size_t N>
    xt::xtensor<double, N> transform(const xt::xtensor<double, N>& x) const {
        return detail::apply_affine(x, mean_, scale_, false, "standard_scaler");
    }

    /// ensures: out = x * scale + mean (undoes transform).
    template <std::size_t N>
    xt::xtensor<double, N> inverse_transform(const xt::xtensor<double, N>& x) const {
        return detail::apply_affine(x, mean_, scale_, true, "standard_scaler");
    }

    bool fitted() const noexcept { return !mean_.empty(); }
    const std::vector<double>& mean() const noexcept { return mean_; }
    const std::vector<double>& scale() const noexcept { return scale_; }

private:
    std::vector<double> mean_, scale_;
};

/// z = (x - min) / (max - min) per feature over the fitted rows, so the fitted rows map into
/// [0, 1]. Later rows may fall outside [0, 1]; they are not clipped, because a value beyond the
/// training range is exactly what a stress regime looks like. A constant feature gets range 1.
class minmax_scaler {
public:
    /// requires, ensures: as standard_scaler::fit, with min()/range() in place of mean()/scale().
    template <std::size_t N>
    void fit(const xt::xtensor<double, N>& x, std::span<const std::size_t> rows) {
        const detail::column_stats s = detail::fit_columns(x, rows, "minmax_scaler");
        min_ = s.min;
        range_.resize(s.min.size());
        for (std::size_t f = 0; f < range_.size(); ++f) range_[f] = s.max[f] > s.min[f] ? s.max[f] - s.min[f] : 1.0;
    }

    template <std::size_t N>
    xt::xtensor<double, N> transform(const xt::xtensor<double, N>& x) const {
        return detail::apply_affine(x, min_, range_, false, "minmax_scaler");
    }

    template <std::size_t N>
    xt::xtensor<double, N> inverse_transform(const xt::xtensor<double, N>& x) const {
        return detail::apply_affine(x, min_, range_, true, "minmax_scaler");
    }

    bool fitted() const noexcept { return !min_.empty(); }
    const std::vector<double>& min() const noexcept { return min_; }
    const std::vector<double>& range() const noexcept { return range_; }

private:
    std::vector<double> min_, range_;
};

}  // namespace canary::data

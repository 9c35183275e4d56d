#pragma once
// Model-agnostic interpretability for early-warning models on (samples, T, F) input windows:
//   permutation feature importance - drop in test AUROC when one feature's column (its whole
//     T-day history) is shuffled across samples, breaking its link to the label while keeping its
//     marginal distribution (Breiman 2001; Fisher, Rudin, Dominici 2019);
//   per-day x per-feature maps (input-gradient saliency now, attention weights when an attention
//     model lands) written as CSV, one row per day of the window.
// The shuffles use canary's own xoshiro256** so that a seed gives the same importances everywhere.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/risk/bootstrap.hpp"
#include "canary/risk/metrics.hpp"

namespace canary::risk {

struct permutation_importance_result {
    double baseline_auroc = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> mean_drop;  ///< per feature: baseline AUROC - mean AUROC after shuffling
    std::vector<double> sd_drop;    ///< per feature: sample s.d. of the drop over repeats (NaN if 1)
};

/// permutation_importance(x, samples, steps, features, labels, score, repeats, seed)
///   requires: x.size() == samples * steps * features (sample-major, then step, then feature);
///             labels.size() == samples with both classes; repeats >= 1; score(x) returns one
///             finite score per sample.
///   ensures:  for each feature f and repeat r, the (steps) slice of feature f is moved between
///             samples by one seeded random permutation, the model is re-scored and the AUROC drop
///             recorded. A feature the scorer ignores gets exactly 0. x is not modified.
inline permutation_importance_result permutation_importance(
    std::span<const float> x, std::size_t samples, std::size_t steps, std::size_t features, std::span<const int> labels,
    const std::function<std::vector<double>(const std::vector<float>&)>& score, std::size_t repeats, std::uint64_t seed) {
    if (x.size() != samples * steps * features)
        throw shape_error("permutation_importance: x has " + std::to_string(x.size()) + " values, expected " +
                          std::to_string(samples * steps * features));
    if (labels.size() != samples) throw shape_error("permutation_importance: labels and samples differ in number");
    if (repeats < 1) throw config_error("permutation_importance: repeats must be at least 1");
    std::vector<float> work(x.begin(), x.end());
    permutation_importance_result out;
    out.baseline_auroc = auroc(score(work), labels).value;
    xoshiro256ss rng(seed);
    std::vector<std::size_t> order(samples);
    for (std::size_t f = 0; f < features; ++f) {
        std::vector<double> drops;
        for (std::size_t r = 0; r < repeats; ++r) {
            for (std::size_t i = 0; i < samples; ++i) order[i] = i;
            for (std::size_t i = samples; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
            // Sample i receives feature f's history from sample order[i].
            for (std::size_t i = 0; i < samples; ++i)
                for (std::size_t s = 0; s < steps; ++s)
                    work[(i * steps + s) * features + f] = x[(order[i] * steps + s) * features + f];
            drops.push_back(out.baseline_auroc - auroc(score(work), labels).value);
            for (std::size_t i = 0; i < samples; ++i)  // restore the column
                for (std::size_t s = 0; s < steps; ++s)
                    work[(i * steps + s) * features + f] = x[(i * steps + s) * features + f];
        }
        double mean = 0;
        for (double d : drops) mean += d;
        mean /= double(drops.size());
        double ss = 0;
        for (double d : drops) ss += (d - mean) * (d - mean);
        out.mean_drop.push_back(mean);
        out.sd_drop.push_back(drops.size() > 1 ? std::sqrt(ss / double(drops.size() - 1))
                                               : std::numeric_limits<double>::quiet_NaN());
    }
    return out;
}

/// day_feature_csv(row_labels, column_names, values)
///   requires: values.size() == row_labels.size() * column_names.size() (row-major).
///   ensures:  CSV text "day,<columns...>" with one line per row label (e.g. the window's dates).
inline std::string day_feature_csv(const std::vector<std::string>& row_labels, const std::vector<std::string>& column_names,
                                   std::span<const double> values) {
    if (values.size() != row_labels.size() * column_names.size())
        throw shape_error("day_feature_csv: " + std::to_string(values.size()) + " values for " +
                          std::to_string(row_labels.size()) + " x " + std::to_string(column_names.size()));
    std::ostringstream csv;
    csv.precision(9);
    csv << "day";
    for (const auto& c : column_names) csv << "," << c;
    csv << "\n";
    for (std::size_t r = 0; r < row_labels.size(); ++r) {
        csv << row_labels[r];
        for (std::size_t c = 0; c < column_names.size(); ++c) csv << "," << values[r * column_names.size() + c];
        csv << "\n";
    }
    return csv.str();
}

}  // namespace canary::risk

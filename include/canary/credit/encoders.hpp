#pragma once
// Encoders from a loan table to a numeric matrix, each fitted on training rows only and then
// applied unchanged to any rows (validation, test, new applicants):
//   - woe_encoder: one column per attribute, the WoE of the value's bin (binning.hpp);
//   - one_hot_encoder: numeric attributes standardised (training mean and s.d.; a missing value
//     becomes the training mean, i.e. 0, plus a 0/1 missing indicator column when training had
//     missing values) or passed raw with NaN for missing (for XGBoost, which learns a branch for
//     them); categorical attributes as one 0/1 column per training level (at most max_levels per
//     attribute by training frequency; rarer levels share an "(other)" column). A level training
//     never saw gets all zeros (sklearn's handle_unknown='ignore'), and is counted.
#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "canary/credit/binning.hpp"
#include "canary/credit/table.hpp"

namespace canary::credit {

/// Row-major (rows x columns) encoded data with column names.
struct encoded_matrix {
    std::vector<double> values;
    std::size_t rows = 0, columns = 0;
    std::vector<std::string> names;
    std::vector<std::size_t> attribute_of_column;  ///< index into table.columns
    std::size_t unseen = 0;                         ///< values mapped by the unseen-value policy
    double operator()(std::size_t i, std::size_t j) const { return values[i * columns + j]; }
    template <class T>
    std::vector<T> as(std::size_t padded_columns = 0) const {
        const std::size_t w = std::max(padded_columns, columns);
        std::vector<T> out(rows * w, T(0));
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < columns; ++j) out[i * w + j] = static_cast<T>(values[i * columns + j]);
        return out;
    }
};

class woe_encoder {
public:
    /// Fits one binning per attribute on `train_rows`.
    void fit(const loan_table& t, std::span<const std::size_t> train_rows, const binning_options& o = {}) {
        binnings_.clear();
        for (const auto& c : t.columns) binnings_.push_back(fit_binning(c, t.labels, train_rows, o));
    }
    const std::vector<binning>& binnings() const noexcept { return binnings_; }

    encoded_matrix transform(const loan_table& t, std::span<const std::size_t> rows) const {
        if (binnings_.size() != t.columns.size()) throw config_error("woe_encoder: fitted on a different table");
        encoded_matrix m;
        m.rows = rows.size();
        m.columns = binnings_.size();
        for (std::size_t j = 0; j < m.columns; ++j) {
            m.names.push_back(t.columns[j].name);
            m.attribute_of_column.push_back(j);
        }
        m.values.resize(m.rows * m.columns);
        for (std::size_t r = 0; r < rows.size(); ++r)
            for (std::size_t j = 0; j < m.columns; ++j) {
                const int k = binnings_[j].bin_of(t.columns[j], rows[r]);
                if (k < 0) ++m.unseen;
                m.values[r * m.columns + j] = binnings_[j].woe_of_bin(k);
            }
        return m;
    }

private:
    std::vector<binning> binnings_;
};

struct one_hot_options {
    bool standardise_numeric = true;  ///< false: raw values with NaN for missing (tree models)
    std::size_t max_levels = 30;      ///< per categorical attribute; the rest share "(other)"
};

class one_hot_encoder {
public:
    void fit(const loan_table& t, std::span<const std::size_t> train_rows, const one_hot_options& o = {}) {
        options_ = o;
        specs_.clear();
        for (const auto& c : t.columns) {
            spec s;
            s.kind = c.kind;
            if (c.kind == column_kind::numeric) {
                double sum = 0, count = 0;
                for (std::size_t i : train_rows)
                    if (!std::isnan(c.numbers[i])) {
                        sum += c.numbers[i];
                        count += 1;
                    } else {
                        s.missing_indicator = true;
                    }
                s.mean = count > 0 ? sum / count : 0.0;
                double ss = 0;
                for (std::size_t i : train_rows)
                    if (!std::isnan(c.numbers[i])) ss += (c.numbers[i] - s.mean) * (c.numbers[i] - s.mean);
                s.sd = count > 0 ? std::sqrt(ss / count) : 0.0;  // population s.d., as sklearn StandardScaler
                if (!(s.sd > 0)) s.sd = 1.0;  // constant in training: centred to zero, never divided by 0
                if (!o.standardise_numeric) s.missing_indicator = false;
            } else {
                std::map<std::string, std::size_t> freq;
                for (std::size_t i : train_rows) ++freq[c.categories[i]];
                std::vector<std::pair<std::string, std::size_t>> by_count(freq.begin(), freq.end());
                std::stable_sort(by_count.begin(), by_count.end(),
                                 [](const auto& a, const auto& b) { return a.second > b.second; });
                const bool capped = by_count.size() > o.max_levels;
                const std::size_t kept = capped ? o.max_levels - 1 : by_count.size();
                for (std::size_t k = 0; k < kept; ++k) s.levels.push_back(by_count[k].first);
                std::sort(s.levels.begin(), s.levels.end());  // sklearn orders categories lexically
                if (capped) {
                    s.other = true;
                    for (std::size_t k = kept; k < by_count.size(); ++k) s.rare.push_back(by_count[k].first);
                }
            }
            specs_.push_back(std::move(s));
        }
    }

    /// Number of output columns.
    std::size_t width() const {
        std::size_t w = 0;
        for (const auto& s : specs_)
            w += s.kind == column_kind::numeric ? 1 + (s.missing_indicator ? 1 : 0) : s.levels.size() + (s.other ? 1 : 0);
        return w;
    }

    encoded_matrix transform(const loan_table& t, std::span<const std::size_t> rows) const {
        if (specs_.size() != t.columns.size()) throw config_error("one_hot_encoder: fitted on a different table");
        encoded_matrix m;
        m.rows = rows.size();
        m.columns = width();
        for (std::size_t j = 0; j < specs_.size(); ++j) {
            const auto& s = specs_[j];
            const std::string& name = t.columns[j].name;
            auto add = [&](const std::string& n) {
                m.names.push_back(n);
                m.attribute_of_column.push_back(j);
            };
            if (s.kind == column_kind::numeric) {
                add(name);
                if (s.missing_indicator) add(name + "=(missing)");
            } else {
                for (const auto& l : s.levels) add(name + "=" + l);
                if (s.other) add(name + "=(other)");
            }
        }
        m.values.assign(m.rows * m.columns, 0.0);
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const std::size_t i = rows[r];
            double* out = m.values.data() + r * m.columns;
            std::size_t col = 0;
            for (std::size_t j = 0; j < specs_.size(); ++j) {
                const auto& s = specs_[j];
                const auto& c = t.columns[j];
                if (s.kind == column_kind::numeric) {
                    const double x = c.numbers[i];
                    if (!options_.standardise_numeric) out[col++] = x;  // NaN stays NaN
                    else {
                        out[col++] = std::isnan(x) ? 0.0 : (x - s.mean) / s.sd;
                        if (s.missing_indicator) out[col++] = std::isnan(x) ? 1.0 : 0.0;
                        else if (std::isnan(x)) ++m.unseen;
                    }
                } else {
                    const auto& v = c.categories[i];
                    const auto it = std::lower_bound(s.levels.begin(), s.levels.end(), v);
                    if (it != s.levels.end() && *it == v) out[col + std::size_t(it - s.levels.begin())] = 1.0;
                    else if (s.other && std::find(s.rare.begin(), s.rare.end(), v) != s.rare.end())
                        out[col + s.levels.size()] = 1.0;
                    else ++m.unseen;
                    col += s.levels.size() + (s.other ? 1 : 0);
                }
            }
        }
        return m;
    }

private:
    struct spec {
        column_kind kind = column_kind::numeric;
        double mean = 0, sd = 1;
        bool missing_indicator = false;
        std::vector<std::string> levels, rare;
        bool other = false;
    };
    one_hot_options options_;
    std::vector<spec> specs_;
};

}  // namespace canary::credit

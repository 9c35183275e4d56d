#pragma once
// A loan table read from CSV: one row per applicant, typed attribute columns and a binary target
// (1 = bad). Every field goes through canary's one CSV tokenizer (canary/io/csv.hpp).
//
// Typing: a column is numeric when at least `numeric_share` of its non-missing fields parse as
// finite numbers; the fields that do not are then mistakes and the reader throws a parse_error
// naming the first one's line and column (a typo must not silently turn an amount into a
// category). Otherwise the column is categorical (its fields are labels).
// Missing values: an unquoted field equal to one of `missing_tokens` (the empty field, NA, ...).
// Policy per type (docs/credit.md): numeric -> NaN here; the encoders give it its own WoE bin,
// a training-median imputation plus a missing indicator, or XGBoost's native missing branch.
// Categorical -> the category "(missing)", an ordinary level for every encoder.
// Dropped (with a note): the target itself, columns with no non-missing value, columns with a
// single distinct value, categorical columns with more distinct labels than half their rows
// (identifiers, free text). The delimiter is detected from the header line unless given.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/io/csv.hpp"

namespace canary::credit {

enum class column_kind { numeric, categorical };

inline const char* kind_name(column_kind k) noexcept { return k == column_kind::numeric ? "numeric" : "categorical"; }

/// The label a missing categorical field gets: an ordinary level for the encoders.
inline const std::string missing_category = "(missing)";

struct attribute_column {
    std::string name;
    column_kind kind = column_kind::numeric;
    std::vector<double> numbers;          ///< numeric: one value per row, NaN = missing
    std::vector<std::string> categories;  ///< categorical: one label per row ("(missing)" = missing)
    std::size_t missing = 0;              ///< missing fields in the file
    std::size_t csv_column = 0;           ///< 1-based field position in the header

    bool is_missing(std::size_t row) const {
        return kind == column_kind::numeric ? std::isnan(numbers[row]) : categories[row] == missing_category;
    }
    /// The row's value as text (for reason codes and messages).
    std::string text(std::size_t row) const {
        if (kind == column_kind::categorical) return categories[row];
        if (std::isnan(numbers[row])) return missing_category;
        std::ostringstream s;
        s << numbers[row];
        return s.str();
    }
};

struct loan_table {
    std::string source;
    std::string target, bad_label, good_label;
    std::vector<attribute_column> columns;  ///< the attributes (target and dropped columns excluded)
    std::vector<int> labels;                ///< 1 = bad
    std::vector<std::size_t> lines;         ///< the file line each row starts on
    std::vector<std::string> notes;         ///< typing, missing-value and dropped-column decisions

    std::size_t rows() const noexcept { return labels.size(); }
    std::size_t bad_count() const {
        return static_cast<std::size_t>(std::count(labels.begin(), labels.end(), 1));
    }
    const attribute_column& column(const std::string& name) const {
        for (const auto& c : columns)
            if (c.name == name) return c;
        throw config_error(source + ": no attribute column '" + name + "'");
    }
};

struct load_options {
    std::string target;     ///< the target column's header name (required)
    std::string bad_label;  ///< the target value that means "bad"; empty: detect (see resolve_bad_label)
    char delimiter = 0;  ///< 0: detect from the header line (',', ';', tab or '|', whichever is most frequent)
    double numeric_share = 0.95;
    std::vector<std::string> missing_tokens{"", "NA", "N/A", "na", "n/a", "NaN", "nan", "null", "NULL", "None", "?"};
};

namespace detail {
inline std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
inline std::string trim(std::string_view s) {
    std::size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return std::string(s.substr(a, b - a));
}
/// A finite number spelled completely by the field (surrounding blanks allowed; a trailing '%'
/// is allowed and ignored, as in "13.56%" interest rates), or false.
inline bool parse_number(const std::string& field, double& out) {
    std::string t = trim(field);
    if (!t.empty() && t.back() == '%') t = trim(t.substr(0, t.size() - 1));
    if (t.empty()) return false;
    char* end = nullptr;
    out = std::strtod(t.c_str(), &end);
    return end == t.c_str() + t.size() && std::isfinite(out);
}
/// The most frequent of , ; tab | outside quotes on the first line (',' when none occurs).
inline char detect_delimiter(std::string_view text) {
    std::size_t counts[4] = {0, 0, 0, 0};
    const char candidates[4] = {',', ';', '\t', '|'};
    bool quoted = false;
    for (char c : text) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == '\n') break;
        for (int k = 0; k < 4; ++k) counts[k] += c == candidates[k];
    }
    int best = 0;
    for (int k = 1; k < 4; ++k)
        if (counts[k] > counts[best]) best = k;
    return candidates[best];
}
}  // namespace detail

/// resolve_bad_label(values, requested, target)
///   requires: values = the target's two distinct non-missing labels.
///   ensures:  requested when it is one of them (config_error listing both otherwise); without a
///             request, the label of an unambiguous pair: "bad" (against anything else), "1"
///             (against "0"), default/defaulted/charged off (against anything else). Any other
///             pair (yes/no, Y/N, A/B...) is a config_error asking for --bad: a wrong guess would
///             invert every result without an error.
inline std::string resolve_bad_label(const std::vector<std::string>& values, const std::string& requested,
                                     const std::string& target) {
    if (!requested.empty()) {
        for (const auto& v : values)
            if (v == requested) return v;
        throw config_error("--bad '" + requested + "' is not a value of target '" + target + "' (its values: '" +
                           values[0] + "', '" + values[1] + "')");
    }
    const std::string a = detail::lower(detail::trim(values[0])), b = detail::lower(detail::trim(values[1]));
    auto is = [](const std::string& x, std::initializer_list<const char*> names) {
        for (const char* n : names)
            if (x == n) return true;
        return false;
    };
    // Unambiguous pairs only: a wrong guess would invert every result without any error.
    if (is(a, {"bad"}) && !is(b, {"bad"})) return values[0];
    if (is(b, {"bad"}) && !is(a, {"bad"})) return values[1];
    double x = 0, y = 0;
    if (detail::parse_number(a, x) && detail::parse_number(b, y) && ((x == 0 && y == 1) || (x == 1 && y == 0)))
        return x == 1 ? values[0] : values[1];
    if (is(a, {"default", "defaulted", "charged off"}) != is(b, {"default", "defaulted", "charged off"}))
        return is(a, {"default", "defaulted", "charged off"}) ? values[0] : values[1];
    throw config_error("cannot tell which value of target '" + target + "' means bad ('" + values[0] + "' or '" +
                       values[1] + "'): pass --bad LABEL");
}

/// parse_loan_csv(text, source, options): see the header comment for the rules.
///   ensures: rows with a missing target are skipped (counted in notes); every other failure throws
///            (parse_error with line and column for bad fields, config_error for a bad target).
inline loan_table parse_loan_csv(std::string_view text, std::string source, const load_options& o) {
    if (o.target.empty()) throw config_error(source + ": no target column given (--target COL)");
    io::csv_options co;
    co.delimiter = o.delimiter ? o.delimiter : detail::detect_delimiter(text);
    io::csv_reader reader(text, source, co);
    io::csv_record header;
    if (!reader.next(header)) throw io_error(source, "empty file: no header row");
    const std::size_t width = header.fields.size();
    std::size_t target_index = width;
    for (std::size_t j = 0; j < width; ++j) {
        const std::string name = detail::trim(header.fields[j]);
        if (name.empty()) reader.fail(header.line, header.columns[j], "empty column name in the header");
        for (std::size_t k = 0; k < j; ++k)
            if (detail::trim(header.fields[k]) == name)
                reader.fail(header.line, header.columns[j], "column name " + io::quote_for_message(name) + " appears twice");
        if (name == o.target) target_index = j;
    }
    if (target_index == width) {
        std::string names;
        for (std::size_t j = 0; j < width && j < 30; ++j) names += (j ? ", " : "") + detail::trim(header.fields[j]);
        throw config_error(source + ": target column '" + o.target + "' is not in the header (columns: " + names + ")");
    }
    std::set<std::string> missing(o.missing_tokens.begin(), o.missing_tokens.end());

    // Read every record once; keep fields as text with their positions until the types are known.
    struct cell {
        std::string text;
        bool missing;
        std::size_t column;
    };
    std::vector<std::vector<cell>> rows;
    std::vector<std::size_t> lines;
    std::vector<std::string> target_values;
    std::size_t skipped_target = 0;
    io::csv_record r;
    while (reader.next(r)) {
        if (r.fields.size() != width)
            reader.fail(r.line, r.columns.back(), "record has " + std::to_string(r.fields.size()) + " fields, the header " +
                                                      std::to_string(width));
        const bool target_missing = !r.quoted[target_index] && missing.count(detail::trim(r.fields[target_index]));
        if (target_missing) {
            ++skipped_target;
            continue;
        }
        std::vector<cell> row(width);
        for (std::size_t j = 0; j < width; ++j) {
            const bool m = !r.quoted[j] && missing.count(detail::trim(r.fields[j])) > 0;
            row[j] = {r.quoted[j] ? r.fields[j] : detail::trim(r.fields[j]), m, r.columns[j]};
        }
        rows.push_back(std::move(row));
        lines.push_back(r.line);
    }
    if (rows.empty()) throw io_error(source, "no data rows with a target value");

    loan_table t;
    t.source = source;
    t.target = o.target;
    t.lines = lines;
    // Target: exactly two distinct labels.
    std::vector<std::string> values;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string& v = rows[i][target_index].text;
        if (std::find(values.begin(), values.end(), v) != values.end()) continue;
        if (values.size() == 2)
            throw parse_error(source, lines[i], rows[i][target_index].column,
                              "target '" + o.target + "' has a third value " + io::quote_for_message(v) + " (after '" +
                                  values[0] + "' and '" + values[1] + "'): a binary target is needed");
        values.push_back(v);
    }
    if (values.size() < 2)
        throw config_error(source + ": target '" + o.target + "' has only one value ('" + values[0] +
                           "'): nothing to learn");
    t.bad_label = resolve_bad_label(values, o.bad_label, o.target);
    t.good_label = values[0] == t.bad_label ? values[1] : values[0];
    for (const auto& row : rows) t.labels.push_back(row[target_index].text == t.bad_label ? 1 : 0);
    if (skipped_target) t.notes.push_back(std::to_string(skipped_target) + " rows without a target value skipped");

    for (std::size_t j = 0; j < width; ++j) {
        if (j == target_index) continue;
        attribute_column c;
        c.name = detail::trim(header.fields[j]);
        c.csv_column = j + 1;
        std::size_t parsed = 0, present = 0;
        double x = 0;
        for (const auto& row : rows) {
            if (row[j].missing) continue;
            ++present;
            if (detail::parse_number(row[j].text, x)) ++parsed;
        }
        c.missing = rows.size() - present;
        if (present == 0) {
            t.notes.push_back("dropped '" + c.name + "': every value is missing");
            continue;
        }
        c.kind = double(parsed) >= o.numeric_share * double(present) ? column_kind::numeric : column_kind::categorical;
        std::set<std::string> distinct;
        if (c.kind == column_kind::numeric) {
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const cell& f = rows[i][j];
                if (f.missing) {
                    c.numbers.push_back(std::nan(""));
                } else if (detail::parse_number(f.text, x)) {
                    c.numbers.push_back(x);
                    distinct.insert(f.text);
                } else {
                    throw parse_error(source, lines[i], f.column,
                                      "column '" + c.name + "' is numeric (" + std::to_string(parsed) + " of " +
                                          std::to_string(present) + " values are numbers) but this value is not: " +
                                          io::quote_for_message(f.text));
                }
            }
        } else {
            for (const auto& row : rows) {
                c.categories.push_back(row[j].missing ? missing_category : row[j].text);
                if (!row[j].missing) distinct.insert(row[j].text);
            }
        }
        if (distinct.size() <= 1 && c.missing == 0) {
            t.notes.push_back("dropped '" + c.name + "': constant (" + (distinct.empty() ? "" : *distinct.begin()) + ")");
            continue;
        }
        if (c.kind == column_kind::categorical && present > 20 && 2 * distinct.size() > present) {
            t.notes.push_back("dropped '" + c.name + "': " + std::to_string(distinct.size()) + " different labels in " +
                              std::to_string(present) +
                              " rows (an identifier or free text: the labels would identify rows, not risk)");
            continue;
        }
        if (c.missing)
            t.notes.push_back("'" + c.name + "' (" + kind_name(c.kind) + "): " + std::to_string(c.missing) +
                              " missing values -> " +
                              (c.kind == column_kind::numeric
                                   ? "own WoE bin; training mean + missing indicator for the networks; XGBoost's missing branch"
                                   : "the level (missing)"));
        t.columns.push_back(std::move(c));
    }
    if (t.columns.empty()) throw config_error(source + ": no usable attribute columns besides the target");
    return t;
}

/// Reads the file and parses it (parse_loan_csv).
inline loan_table read_loan_csv(const std::filesystem::path& path, const load_options& o) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path.string(), "cannot open for reading");
    std::ostringstream s;
    s << in.rdbuf();
    return parse_loan_csv(s.str(), path.string(), o);
}

}  // namespace canary::credit

#pragma once
// Loading a daily price panel from CSV: one `date` column (ISO YYYY-MM-DD, strictly ascending)
// followed by one column per instrument holding price levels; an empty field is a missing value.
//
// The loader is strict on purpose. A silently mis-read price becomes a wrong feature, a wrong
// label and finally a wrong warning, so every malformed field stops the load with a
// canary::parse_error that names the file, the 1-based line and column, and the column's name.
// Missing values are not malformed; they are handled by an explicit missing_policy, and everything
// that policy did is returned in a load_report so a program can print it.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "canary/core/error.hpp"
#include "canary/io/csv.hpp"

namespace canary::data {

/// What to do with empty fields in the selected instrument columns.
enum class missing_policy {
    /// Carry the last observed price forward over gaps of at most load_options::forward_fill_limit
    /// consecutive days. An instrument whose first row is missing (nothing to carry) or that has a
    /// longer gap is DROPPED and listed in load_report::dropped_instruments with the reason;
    /// filling it would invent a flat price path long enough to bias volatility and drawdowns.
    forward_fill,
    /// Drop every instrument column that has at least one missing value.
    drop_instrument,
    /// Drop every day (row) on which at least one selected instrument is missing.
    drop_day,
    /// Throw canary::parse_error at the first missing value (file order).
    error,
};

/// Options of load_prices.
struct load_options {
    /// Instrument columns to keep, by header name, in the order wanted. Empty means all columns
    /// in file order. An unknown or repeated name is a canary::config_error naming it.
    std::vector<std::string> columns;
    missing_policy missing = missing_policy::forward_fill;
    /// Longest run of consecutive missing days forward_fill may bridge.
    std::size_t forward_fill_limit = 5;
    /// Fewest data rows the file must have (checked before and after the missing policy).
    /// The default of 2 is the least that gives one return; must be at least 1.
    std::size_t min_rows = 2;
    /// With forward_fill: an instrument whose first rows are empty has simply not listed yet. It is
    /// kept, NaN before its first price ("not yet listed", not missing), and listed in
    /// load_report::late_listed. Off by default because a panel with NaN needs NaN-aware consumers
    /// (market_features, equal_weight_index are; node_features propagates NaN).
    bool late_listing = false;
};

/// An instrument removed by the missing policy, and why (human-readable).
struct dropped_instrument {
    std::string name;
    std::string reason;
};

/// How many values forward fill supplied for one instrument.
struct filled_instrument {
    std::string name;
    std::size_t values = 0;       ///< number of filled fields
    std::size_t longest_gap = 0;  ///< longest run of consecutive filled days
};

/// An instrument that entered the panel after its first day (load_options::late_listing).
struct late_listed_instrument {
    std::string name;
    std::string first_date;  ///< the day of its first price; NaN before
};

/// What load_prices found and did. All counts refer to the selected columns only.
struct load_report {
    std::string source;                     ///< the file name used in messages
    std::size_t rows_read = 0;              ///< data rows in the file (header excluded)
    std::size_t columns_selected = 0;       ///< instrument columns considered
    std::size_t missing_values = 0;         ///< empty fields found
    std::size_t filled_values = 0;          ///< empty fields replaced by forward fill
    std::vector<filled_instrument> filled;  ///< per instrument, only those with fills
    std::vector<dropped_instrument> dropped_instruments;
    std::vector<std::string> dropped_days;  ///< dates removed by missing_policy::drop_day
    std::vector<late_listed_instrument> late_listed;  ///< instruments that list after the first day

    /// A few lines suitable for printing to a terminal.
    std::string summary() const {
        std::ostringstream out;
        out << source << ": " << rows_read << " rows, " << columns_selected << " instruments, "
            << missing_values << " missing values";
        if (filled_values != 0) {
            out << "\n  forward-filled " << filled_values << " values:";
            for (const auto& f : filled)
                out << ' ' << f.name << " (" << f.values << ", longest gap " << f.longest_gap << ')';
        }
        for (const auto& d : dropped_instruments) out << "\n  dropped " << d.name << ": " << d.reason;
        for (const auto& l : late_listed) out << "\n  " << l.name << " lists on " << l.first_date << " (not yet listed before)";
        if (!dropped_days.empty()) {
            out << "\n  dropped " << dropped_days.size() << " days with missing values ("
                << dropped_days.front();
            if (dropped_days.size() > 1) out << " .. " << dropped_days.back();
            out << ')';
        }
        return out.str();
    }
};

/// A (days x instruments) panel of price levels. NaN marks a missing value; a panel returned by
/// load_prices has none (the missing policy has removed or filled them all).
struct price_panel {
    std::vector<std::string> dates;        ///< ISO dates, strictly ascending, one per row
    std::vector<std::string> instruments;  ///< one name per column
    xt::xtensor<double, 2> prices;         ///< shape (dates.size(), instruments.size())

    std::size_t days() const noexcept { return dates.size(); }
    std::size_t instrument_count() const noexcept { return instruments.size(); }

    /// requires: name is one of instruments (else canary::config_error naming it).
    /// ensures: returns its column index.
    std::size_t index_of(std::string_view name) const {
        for (std::size_t j = 0; j < instruments.size(); ++j)
            if (instruments[j] == name) return j;
        std::string known;
        for (const auto& n : instruments) known += (known.empty() ? "" : ", ") + n;
        throw config_error("price panel has no instrument '" + std::string(name) + "' (has: " + known + ")");
    }

    /// requires: name is one of instruments.
    /// ensures: returns that instrument's prices as a 1-d series of length days().
    xt::xtensor<double, 1> column(std::string_view name) const {
        const std::size_t j = index_of(name);
        xt::xtensor<double, 1> out = xt::xtensor<double, 1>::from_shape({days()});
        for (std::size_t t = 0; t < days(); ++t) out(t) = prices(t, j);
        return out;
    }
};

namespace detail {

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    // Some writers (R's write.csv) quote every field; quotes around a plain field carry nothing.
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

inline std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        if (comma == std::string_view::npos) {
            fields.push_back(trim(line.substr(start)));
            return fields;
        }
        fields.push_back(trim(line.substr(start, comma - start)));
        start = comma + 1;
    }
}

inline bool is_blank(std::string_view line) {
    return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
}

/// True for a real calendar date written YYYY-MM-DD (proleptic Gregorian, years 0001-9999).
inline bool is_iso_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    auto number = [&](std::size_t from, std::size_t count) {
        int v = 0;
        for (std::size_t i = from; i < from + count; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1) return false;
    static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int limit = month_days[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= limit;
}

inline std::optional<double> parse_double(std::string_view s) {
    double value = 0.0;
    // from_chars accepts no leading '+'; allow it, spreadsheets write it.
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

/// True when s is a well-formed number too large (or too small) for a double, e.g. 1e400.
inline bool parse_out_of_range(std::string_view s) {
    double value = 0.0;
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    return ec == std::errc::result_out_of_range && end == s.data() + s.size();
}

inline std::string quoted_column(std::string_view name) { return " (column " + io::quote_for_message(name) + ")"; }

inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace detail

/// Parses CSV text as load_prices does, using `source_name` as the file name in every message.
/// requires: text holds a header row whose first field is `date` (any letter case) and at least
///           one instrument column; options.min_rows >= 1.
/// ensures: the returned panel has no NaN, strictly ascending valid dates, and only positive,
///          finite prices; `report` describes what the missing policy did.
/// throws: canary::parse_error (file, line, column, column name) for any malformed field, date,
///         row length or header; a column with no value at all; fewer than min_rows rows; a
///         missing value under missing_policy::error. canary::config_error for an unknown or
///         repeated column in options.columns or min_rows == 0. canary::io_error when the missing
///         policy leaves no instrument or fewer than min_rows days.
inline price_panel load_prices_from_string(std::string_view text, const std::string& source_name,
                                           const load_options& options, load_report& report) {
    using detail::quoted_column;
    if (options.min_rows == 0) throw config_error("load_options::min_rows must be at least 1");
    report = load_report{};
    report.source = source_name;

    // Records through the one CSV tokenizer (RFC 4180 quoting, BOM, CRLF; blank lines skipped).
    io::csv_reader reader(text, source_name);
    std::vector<io::csv_record> records = reader.read_all();
    if (records.empty()) throw parse_error(source_name, 1, 0, "empty file, expected a header row 'date,...'");
    for (auto& r : records)
        for (auto& f : r.fields) f = std::string(detail::trim(f));

    // ---- header
    const std::vector<std::string>& header = records[0].fields;
    if (!detail::iequals(header[0], "date"))
        throw parse_error(source_name, records[0].line, 1,
                          "first column must be named 'date', found " + io::quote_for_message(header[0]));
    if (header.size() < 2) throw parse_error(source_name, records[0].line, 0, "no instrument columns after 'date'");
    std::unordered_map<std::string_view, std::size_t> column_of;  // name -> 0-based field index
    for (std::size_t c = 0; c < header.size(); ++c) {
        if (header[c].empty()) throw parse_error(source_name, records[0].line, c + 1, "empty column name");
        const auto [it, fresh] = column_of.emplace(header[c], c);
        if (!fresh)
            throw parse_error(source_name, records[0].line, c + 1,
                              "duplicate column name " + io::quote_for_message(header[c]) + " (first at column " +
                                  std::to_string(it->second + 1) + ")");
    }

    // ---- column selection
    std::vector<std::size_t> selected;  // 0-based field indices
    if (options.columns.empty()) {
        for (std::size_t c = 1; c < header.size(); ++c) selected.push_back(c);
    } else {
        for (const auto& name : options.columns) {
            const auto it = column_of.find(name);
            if (it == column_of.end() || it->second == 0) {
                std::string known;
                for (std::size_t c = 1; c < header.size(); ++c) known += (c > 1 ? ", " : "") + std::string(header[c]);
                throw config_error(source_name + ": no instrument column '" + name + "' (columns: " + known + ")");
            }
            if (std::find(selected.begin(), selected.end(), it->second) != selected.end())
                throw config_error(source_name + ": column '" + name + "' selected twice");
            selected.push_back(it->second);
        }
    }
    const std::size_t n_instruments = selected.size();
    report.columns_selected = n_instruments;

    // ---- data rows
    std::vector<std::string> dates;
    std::vector<std::size_t> line_of_row;  // 1-based file line of each row, for messages
    std::vector<double> values;            // row-major (rows, n_instruments), NaN = missing
    const double missing = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 1; i < records.size(); ++i) {
        const std::size_t line_no = records[i].line;
        const std::vector<std::string>& fields = records[i].fields;
        // Blank lines at the end are editor residue (the tokenizer skips them); one inside the
        // data is a hole. Price records never span lines, so a jump in line numbers is a hole.
        if (line_no > records[i - 1].line + 1)
            throw parse_error(source_name, records[i - 1].line + 1, 0, "empty line inside the data");
        if (fields.size() != header.size())
            throw parse_error(source_name, line_no, 0,
                              "expected " + std::to_string(header.size()) + " fields as in the header, found " +
                                  std::to_string(fields.size()));
        const std::string_view date = fields[0];
        if (!detail::is_iso_date(date))
            throw parse_error(source_name, line_no, 1,
                              io::quote_for_message(date) + " is not a date in YYYY-MM-DD form" + quoted_column(header[0]));
        if (!dates.empty()) {
            if (date == dates.back())
                throw parse_error(source_name, line_no, 1,
                                  "duplicate date '" + std::string(date) + "' (also on line " +
                                      std::to_string(line_of_row.back()) + ")" + quoted_column(header[0]));
            if (date < dates.back())  // ISO dates order as strings
                throw parse_error(source_name, line_no, 1,
                                  "date '" + std::string(date) + "' comes after '" + dates.back() + "' on line " +
                                      std::to_string(line_of_row.back()) + "; dates must ascend" +
                                      quoted_column(header[0]));
        }
        dates.emplace_back(date);
        line_of_row.push_back(line_no);
        for (std::size_t c : selected) {
            const std::string_view field = fields[c];
            if (field.empty()) {
                values.push_back(missing);
                continue;
            }
            const std::optional<double> v = detail::parse_double(field);
            if (!v) {
                if (detail::parse_out_of_range(field))
                    throw parse_error(source_name, line_no, c + 1,
                                      io::quote_for_message(field) + " is out of the range of a double" + quoted_column(header[c]));
                throw parse_error(source_name, line_no, c + 1,
                                  io::quote_for_message(field) + " is not a number" + quoted_column(header[c]));
            }
            if (!std::isfinite(*v))
                throw parse_error(source_name, line_no, c + 1,
                                  io::quote_for_message(field) + " is not a finite price" + quoted_column(header[c]));
            if (*v <= 0.0)
                throw parse_error(source_name, line_no, c + 1,
                                  "price " + std::string(field) + " is not positive" + quoted_column(header[c]));
            values.push_back(*v);
        }
    }
    const std::size_t n_rows = dates.size();
    report.rows_read = n_rows;
    if (n_rows < options.min_rows)
        throw parse_error(source_name, records.back().line, 0,
                          "only " + std::to_string(n_rows) + " data rows, at least " +
                              std::to_string(options.min_rows) + " required");

    auto at = [&](std::size_t row, std::size_t k) -> double& { return values[row * n_instruments + k]; };
    for (std::size_t k = 0; k < n_instruments; ++k) {
        std::size_t present = 0;
        for (std::size_t row = 0; row < n_rows; ++row) present += std::isnan(at(row, k)) ? 0 : 1;
        report.missing_values += n_rows - present;
        if (present == 0)
            throw parse_error(source_name, 1, selected[k] + 1,
                              "no value on any of " + std::to_string(n_rows) + " rows, the column is entirely empty" +
                                  quoted_column(header[selected[k]]));
    }

    // ---- missing policy: decide which instruments and rows survive, fill in place
    std::vector<bool> keep_instrument(n_instruments, true);
    std::vector<bool> keep_row(n_rows, true);
    switch (options.missing) {
        case missing_policy::error:
            for (std::size_t row = 0; row < n_rows; ++row)
                for (std::size_t k = 0; k < n_instruments; ++k)
                    if (std::isnan(at(row, k)))
                        throw parse_error(source_name, line_of_row[row], selected[k] + 1,
                                          "missing value not allowed by missing_policy::error" +
                                              quoted_column(header[selected[k]]));
            break;
        case missing_policy::drop_instrument:
            for (std::size_t k = 0; k < n_instruments; ++k) {
                std::size_t count = 0;
                for (std::size_t row = 0; row < n_rows; ++row) count += std::isnan(at(row, k)) ? 1 : 0;
                if (count != 0) {
                    keep_instrument[k] = false;
                    report.dropped_instruments.push_back(
                        {std::string(header[selected[k]]), std::to_string(count) + " missing values"});
                }
            }
            break;
        case missing_policy::drop_day:
            for (std::size_t row = 0; row < n_rows; ++row)
                for (std::size_t k = 0; k < n_instruments; ++k)
                    if (std::isnan(at(row, k))) keep_row[row] = false;
            for (std::size_t row = 0; row < n_rows; ++row)
                if (!keep_row[row]) report.dropped_days.push_back(dates[row]);
            break;
        case missing_policy::forward_fill:
            for (std::size_t k = 0; k < n_instruments; ++k) {
                const std::string name(header[selected[k]]);
                std::size_t listed = 0;
                while (std::isnan(at(listed, k))) ++listed;
                if (listed != 0 && options.late_listing) {
                    report.late_listed.push_back({name, dates[listed]});
                    report.missing_values -= listed;  // not yet listed is not missing
                } else if (listed != 0) {
                    const std::size_t first = listed;
                    keep_instrument[k] = false;
                    report.dropped_instruments.push_back(
                        {name, "missing at the start (first value on " + dates[first] + "), nothing to carry forward"});
                    continue;
                }
                // Check every gap before filling anything, so a dropped column leaves no fills behind.
                std::size_t longest = 0, count = 0;
                for (std::size_t row = listed; row < n_rows;) {
                    if (!std::isnan(at(row, k))) {
                        ++row;
                        continue;
                    }
                    const std::size_t gap_start = row;
                    while (row < n_rows && std::isnan(at(row, k))) ++row;
                    const std::size_t gap = row - gap_start;
                    count += gap;
                    if (gap > options.forward_fill_limit && keep_instrument[k]) {
                        keep_instrument[k] = false;
                        report.dropped_instruments.push_back(
                            {name, "gap of " + std::to_string(gap) + " days from " + dates[gap_start] +
                                       " exceeds forward_fill_limit " + std::to_string(options.forward_fill_limit)});
                    }
                    longest = std::max(longest, gap);
                }
                if (!keep_instrument[k] || count == 0) continue;
                for (std::size_t row = listed + 1; row < n_rows; ++row)
                    if (std::isnan(at(row, k))) at(row, k) = at(row - 1, k);
                report.filled_values += count;
                report.filled.push_back({name, count, longest});
            }
            break;
    }

    // ---- assemble
    price_panel panel;
    std::vector<std::size_t> kept_columns;
    for (std::size_t k = 0; k < n_instruments; ++k)
        if (keep_instrument[k]) {
            kept_columns.push_back(k);
            panel.instruments.emplace_back(header[selected[k]]);
        }
    if (kept_columns.empty())
        throw io_error(source_name, "no instrument left after applying the missing-value policy (" +
                                        std::to_string(report.dropped_instruments.size()) + " dropped)");
    std::vector<std::size_t> kept_rows;
    for (std::size_t row = 0; row < n_rows; ++row)
        if (keep_row[row]) kept_rows.push_back(row);
    if (kept_rows.size() < options.min_rows)
        throw io_error(source_name, "only " + std::to_string(kept_rows.size()) +
                                        " rows left after dropping days with missing values, at least " +
                                        std::to_string(options.min_rows) + " required");

    panel.prices = xt::xtensor<double, 2>::from_shape({kept_rows.size(), kept_columns.size()});
    for (std::size_t r = 0; r < kept_rows.size(); ++r) {
        panel.dates.push_back(std::move(dates[kept_rows[r]]));
        for (std::size_t c = 0; c < kept_columns.size(); ++c) panel.prices(r, c) = at(kept_rows[r], kept_columns[c]);
    }
    return panel;
}

/// As above, discarding the report.
inline price_panel load_prices_from_string(std::string_view text, const std::string& source_name = "<string>",
                                           const load_options& options = {}) {
    load_report report;
    return load_prices_from_string(text, source_name, options, report);
}

/// Reads `file` and parses it as load_prices_from_string does; messages name the file as given.
/// throws: canary::io_error when the file cannot be opened or read; otherwise as
///         load_prices_from_string.
inline price_panel load_prices(const std::filesystem::path& file, const load_options& options, load_report& report) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw io_error(file.string(), "cannot open for reading");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw io_error(file.string(), "read failed");
    return load_prices_from_string(text, file.string(), options, report);
}

/// As above, discarding the report.
inline price_panel load_prices(const std::filesystem::path& file, const load_options& options = {}) {
    load_report report;
    return load_prices(file, options, report);
}

/// Joins panels on the dates they all share (an inner join: a day missing from one file is left
/// out, and counted, rather than invented). Instruments keep their file order, file by file.
/// requires: at least one panel; instrument names unique across panels (else canary::config_error
///           naming the repeated one and both sources).
/// ensures: dates strictly ascending; prices copied, NaN (not yet listed) kept.
inline price_panel join_on_date(const std::vector<price_panel>& panels, const std::vector<std::string>& sources,
                                std::vector<std::size_t>& days_left_out) {
    if (panels.empty()) throw config_error("join_on_date: no price panel to join");
    days_left_out.assign(panels.size(), 0);
    if (panels.size() == 1) return panels.front();
    std::unordered_map<std::string, std::size_t> owner;
    for (std::size_t f = 0; f < panels.size(); ++f)
        for (const auto& name : panels[f].instruments) {
            const auto [it, fresh] = owner.emplace(name, f);
            if (!fresh)
                throw config_error("instrument " + io::quote_for_message(name) + " is in both " + sources[it->second] +
                                   " and " + sources[f] + "; rename one column");
        }
    // Walk all date lists at once (each is ascending): keep a date present in every panel.
    std::vector<std::size_t> cursor(panels.size(), 0);
    std::vector<std::vector<std::size_t>> rows(panels.size());
    std::vector<std::string> dates;
    const auto& first = panels.front().dates;
    for (std::size_t r = 0; r < first.size(); ++r) {
        const std::string& d = first[r];
        bool everywhere = true;
        for (std::size_t f = 1; f < panels.size(); ++f) {
            const auto& other = panels[f].dates;
            while (cursor[f] < other.size() && other[cursor[f]] < d) ++cursor[f];
            everywhere = everywhere && cursor[f] < other.size() && other[cursor[f]] == d;
        }
        if (!everywhere) continue;
        dates.push_back(d);
        rows[0].push_back(r);
        for (std::size_t f = 1; f < panels.size(); ++f) rows[f].push_back(cursor[f]);
    }
    if (dates.empty()) throw config_error("the price files share no date; nothing to join");
    price_panel out;
    out.dates = dates;
    std::size_t columns = 0;
    for (std::size_t f = 0; f < panels.size(); ++f) {
        columns += panels[f].instrument_count();
        days_left_out[f] = panels[f].days() - dates.size();
        out.instruments.insert(out.instruments.end(), panels[f].instruments.begin(), panels[f].instruments.end());
    }
    out.prices = xt::xtensor<double, 2>::from_shape({dates.size(), columns});
    std::size_t offset = 0;
    for (std::size_t f = 0; f < panels.size(); ++f) {
        for (std::size_t r = 0; r < dates.size(); ++r)
            for (std::size_t j = 0; j < panels[f].instrument_count(); ++j)
                out.prices(r, offset + j) = panels[f].prices(rows[f][r], j);
        offset += panels[f].instrument_count();
    }
    return out;
}

/// Loads several price files (each as load_prices does) and joins them on date; `summary` gets one
/// line per file plus what the join left out.
inline price_panel load_price_files(const std::vector<std::filesystem::path>& files, const load_options& options,
                                    std::string& summary) {
    std::vector<price_panel> panels;
    std::vector<std::string> sources;
    summary.clear();
    for (const auto& f : files) {
        load_report report;
        panels.push_back(load_prices(f, options, report));
        sources.push_back(f.string());
        summary += report.summary() + "\n";
    }
    std::vector<std::size_t> left_out;
    price_panel joined = join_on_date(panels, sources, left_out);
    if (files.size() > 1) {
        summary += "joined on date: " + std::to_string(joined.days()) + " common days, " +
                   std::to_string(joined.instrument_count()) + " columns";
        for (std::size_t f = 0; f < files.size(); ++f)
            if (left_out[f] != 0) summary += "; " + std::to_string(left_out[f]) + " days of " + sources[f] + " not in every file";
        summary += "\n";
    }
    return joined;
}

/// The columns named in `names`, in that order (canary::config_error for an unknown name).
inline price_panel select_instruments(const price_panel& panel, const std::vector<std::string>& names) {
    price_panel out;
    out.dates = panel.dates;
    out.instruments = names;
    out.prices = xt::xtensor<double, 2>::from_shape({panel.days(), names.size()});
    for (std::size_t j = 0; j < names.size(); ++j) {
        const std::size_t src = panel.index_of(names[j]);
        for (std::size_t t = 0; t < panel.days(); ++t) out.prices(t, j) = panel.prices(t, src);
    }
    return out;
}

/// The day on which each instrument has its first price (0 for one listed from the start).
inline std::vector<std::size_t> listing_days(const price_panel& panel) {
    std::vector<std::size_t> out(panel.instrument_count(), 0);
    for (std::size_t j = 0; j < panel.instrument_count(); ++j)
        while (out[j] < panel.days() && std::isnan(panel.prices(out[j], j))) ++out[j];
    return out;
}

}  // namespace canary::data

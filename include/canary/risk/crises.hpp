#pragma once
// Crisis episodes of a market index and the train/test spans of the crisis-by-crisis protocol.
//
// A crisis is a peak-to-trough fall of the index of at least D (default 20%, the usual "bear
// market"): from a running all-time high, the index falls D or more below it; the crisis lasts until
// the index regains that high (or the data ends), and its trough is the lowest close in between.
// This is a description of history, used only to place evaluation windows; no model reads it.
//
// For crisis c with peak day p and trough day q the protocol tests on [p - P, q] (P calm days
// before the peak, default one trading year) and trains on every labelled day d < test_start - H:
// a label of day d reads prices up to d + H, so a purge of H days keeps every training label
// strictly before the test window. The validation span is the last part of that history, purged
// from the training span the same way.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/io/csv.hpp"

namespace canary::risk {

struct crisis {
    std::string name;
    std::size_t peak = 0;    ///< day index of the high before the fall
    std::size_t trough = 0;  ///< day index of the lowest close before recovery (or the data's end)
    double drawdown = 0;     ///< index(trough) / index(peak) - 1 (negative)
    bool recovered = false;  ///< the index regained the peak before the data ended
};

/// requires: index finite and positive; 0 < min_drawdown < 1.
/// ensures: the crises in time order, each named "crisis-YYYY-MM" after its peak's month.
inline std::vector<crisis> detect_crises(std::span<const double> index, const std::vector<std::string>& dates,
                                         double min_drawdown = 0.20) {
    if (!(min_drawdown > 0 && min_drawdown < 1))
        throw config_error("detect_crises: the drawdown must lie in (0, 1), got " + std::to_string(min_drawdown));
    if (dates.size() != index.size()) throw shape_error("detect_crises: dates and index differ in length");
    std::vector<crisis> out;
    if (index.empty()) return out;
    std::size_t peak = 0, trough = 0;
    bool falling = false;  // the fall since `peak` has reached min_drawdown
    auto close = [&](bool recovered) {
        crisis c;
        c.name = "crisis-" + dates[peak].substr(0, 7);
        c.peak = peak;
        c.trough = trough;
        c.drawdown = index[trough] / index[peak] - 1.0;
        c.recovered = recovered;
        out.push_back(c);
    };
    for (std::size_t t = 0; t < index.size(); ++t) {
        const double v = index[t];
        if (!(std::isfinite(v) && v > 0))
            throw numeric_error("detect_crises: index on " + dates[t] + " is " + std::to_string(v) +
                                ", need a finite positive level");
        if (v >= index[peak]) {
            if (falling) close(true);
            falling = false;
            peak = trough = t;
            continue;
        }
        if (v < index[trough]) trough = t;
        if (index[trough] / index[peak] - 1.0 <= -min_drawdown) falling = true;
    }
    if (falling) close(false);
    return out;
}

/// The first day index whose date is on or after `date` (ISO strings order as dates).
inline std::size_t day_on_or_after(const std::vector<std::string>& dates, const std::string& date) {
    return static_cast<std::size_t>(std::lower_bound(dates.begin(), dates.end(), date) - dates.begin());
}

/// Reads crises from a CSV with the header `name,peak,trough` (ISO dates; the peak and trough are
/// moved to the first trading day on or after each date). Quoted fields and a BOM are fine.
/// throws: canary::parse_error naming the line and column for a bad header, date, order, or a date
///         outside the data; canary::io_error when the file cannot be read.
/// requires: dates ascending ISO strings, index.size() == dates.size(); `name` names the text in messages.
inline std::vector<crisis> parse_crises(std::string_view text, const std::string& name, const std::vector<std::string>& dates,
                                        std::span<const double> index) {
    if (dates.empty() || index.size() != dates.size())
        throw shape_error("parse_crises: " + std::to_string(dates.size()) + " dates and " + std::to_string(index.size()) +
                          " index values");
    const auto is_iso_date = [](const std::string& d) {
        if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
        for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
            if (d[i] < '0' || d[i] > '9') return false;
        const int month = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
        return month >= 1 && month <= 12 && day >= 1 && day <= 31;
    };
    io::csv_reader reader(text, name);
    io::csv_record r;
    if (!reader.next(r)) throw parse_error(name, 1, 0, "empty file, expected the header 'name,peak,trough'");
    if (r.fields.size() != 3 || r.fields[0] != "name" || r.fields[1] != "peak" || r.fields[2] != "trough")
        throw parse_error(name, r.line, 0, "the header must be 'name,peak,trough'");
    std::vector<crisis> out;
    while (reader.next(r)) {
        if (r.fields.size() != 3)
            throw parse_error(name, r.line, 0, "expected 3 fields, found " + std::to_string(r.fields.size()));
        crisis c;
        c.name = r.fields[0];
        if (c.name.empty()) throw parse_error(name, r.line, 1, "empty crisis name");
        for (int k : {1, 2}) {
            const std::string& d = r.fields[std::size_t(k)];
            if (!is_iso_date(d))
                throw parse_error(name, r.line, r.columns[std::size_t(k)],
                                  io::quote_for_message(d) + " is not a date in YYYY-MM-DD form");
            const std::size_t day = day_on_or_after(dates, d);
            if (day >= dates.size() || (k == 1 && d < dates.front()))
                throw parse_error(name, r.line, r.columns[std::size_t(k)],
                                  "date " + d + " lies outside the data (" + dates.front() + " .. " + dates.back() + ")");
            (k == 1 ? c.peak : c.trough) = day;
        }
        if (c.trough <= c.peak)
            throw parse_error(name, r.line, r.columns[2], "the trough must come after the peak");
        c.drawdown = index[c.trough] / index[c.peak] - 1.0;
        c.recovered = true;
        if (!out.empty() && c.peak <= out.back().trough)
            throw parse_error(name, r.line, r.columns[1], "crises must be in time order and not overlap");
        out.push_back(c);
    }
    return out;
}

/// parse_crises over the content of `file`.
inline std::vector<crisis> read_crises(const std::filesystem::path& file, const std::vector<std::string>& dates,
                                       std::span<const double> index) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw io_error(file.string(), "cannot open for reading");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_crises(text, file.string(), dates, index);
}

/// The spans of one crisis under the crisis-by-crisis protocol (day indices, ascending).
struct crisis_spans {
    std::vector<std::size_t> train, validation, test;
    std::size_t test_start = 0, test_end = 0;
    std::string skipped;  ///< non-empty: why this crisis cannot be evaluated (too little history)
};

struct crisis_protocol_options {
    std::size_t horizon = 20;             ///< H: label horizon, also the purge
    std::size_t calm_days = 250;          ///< P: test days before the peak
    double validation_fraction = 0.2;     ///< share of the pre-test history used for validation
    std::size_t min_training_days = 250;  ///< fewer training samples: skip the crisis
    bool drop_crisis_days = false;        ///< leave days inside earlier crises (peak..trough) out of training
    std::size_t min_validation_positives = 10;  ///< grow the validation span backwards until it has these
};

/// Splits the labelled days before a test window (`history`, ascending) into training and
/// validation: validation is the last validation_fraction of the history, grown backwards (while
/// min_training_days remain for training) until it holds min_validation_positives crash-ahead days, since a calm final
/// stretch would leave no threshold to choose; training is what precedes it, purged by H. Returns
/// why the history cannot be used (too short, a single class in either span), or "" when it can.
inline std::string split_history(std::span<const std::size_t> history, std::span<const int> labels_of_day,
                                 const crisis_protocol_options& o, std::vector<std::size_t>& train,
                                 std::vector<std::size_t>& validation) {
    train.clear();
    validation.clear();
    std::size_t val_count = static_cast<std::size_t>(std::floor(double(history.size()) * o.validation_fraction));
    auto positives_in_last = [&](std::size_t count) {
        std::size_t pos = 0;
        for (std::size_t k = history.size() - count; k < history.size(); ++k) pos += labels_of_day[history[k]] == 1 ? 1 : 0;
        return pos;
    };
    // Growing stops where the training span would fall below min_training_days: a validation span
    // is useless without a training span before it (which must still hold both classes, below).
    const std::size_t longest =
        history.size() > o.min_training_days ? std::max(history.size() - o.min_training_days, val_count) : val_count;
    if (val_count > 0 && val_count <= history.size())
        while (positives_in_last(val_count) < o.min_validation_positives && val_count < longest)
            val_count = std::min(longest, val_count + std::max<std::size_t>(1, history.size() / 50));
    if (history.size() < o.min_training_days + val_count || val_count == 0)
        return "only " + std::to_string(history.size()) + " labelled days before the test window (need " +
               std::to_string(o.min_training_days) + " for training plus a validation span)";
    const std::size_t val_first = history[history.size() - val_count];
    for (std::size_t d : history) {
        if (d >= val_first) validation.push_back(d);
        else if (d + o.horizon < val_first) train.push_back(d);
    }
    auto one_class = [&](const std::vector<std::size_t>& days) {
        std::size_t pos = 0;
        for (std::size_t d : days) pos += labels_of_day[d] == 1 ? 1 : 0;
        return pos == 0 || pos == days.size();
    };
    if (one_class(train)) return "the training span has a single class (no crash-ahead day to learn from)";
    if (one_class(validation)) return "the validation span has a single class (no threshold can be chosen)";
    return "";
}

/// requires: samples ascending (the labelled, feature-complete days); earlier: the crises before c.
/// ensures: test = samples in [max(peak - P, 0, previous trough + 1), trough]; train and validation
///          = samples before test_start - H, split chronologically with an H-day purge between them
///          (validation: the last part, grown backwards until it has crash-ahead days); a crisis whose
///          history is too short, or whose training or validation span has a single class, gets a
///          `skipped` reason instead of a crash.
inline crisis_spans crisis_split(std::span<const std::size_t> samples, std::span<const int> labels_of_day,
                                 const crisis& c, std::span<const crisis> earlier, const crisis_protocol_options& o) {
    crisis_spans s;
    s.test_start = c.peak > o.calm_days ? c.peak - o.calm_days : 0;
    // Test windows never overlap: a crisis close behind another starts testing after its trough.
    if (!earlier.empty() && s.test_start <= earlier.back().trough) s.test_start = earlier.back().trough + 1;
    s.test_end = c.trough;
    std::vector<std::size_t> history;
    for (std::size_t d : samples) {
        if (d >= s.test_start && d <= s.test_end) s.test.push_back(d);
        if (d + o.horizon < s.test_start) {
            bool inside = false;
            if (o.drop_crisis_days)
                for (const auto& e : earlier) inside = inside || (d >= e.peak && d <= e.trough);
            if (!inside) history.push_back(d);
        }
    }
    s.skipped = split_history(history, labels_of_day, o, s.train, s.validation);
    if (s.skipped.empty() && s.test.empty()) s.skipped = "no labelled day in the test window";
    return s;
}

}  // namespace canary::risk

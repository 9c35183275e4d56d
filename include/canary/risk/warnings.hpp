#pragma once
// One decision rule for every table: a signal raises an alarm on day t when its score has been at
// or above the threshold on each of the last k days (t-k+1 .. t; k = "sustain"). The rule reads
// days <= t only, so the alarm of day t is known on day t. The same alarm series gives the
// classification metrics (alarm = predicted positive), the crisis warnings and the false alarms.
//
// Warnings are judged against crises (risk/crises.hpp), not against runs of label-1 days:
//   - crisis c (peak p) is warned when an alarm STARTS (an onset: alarm on t, not on t-1) on a
//     day in [p - L, p]; lead time = p - onset in trading days (the earliest such onset), not
//     capped at the label horizon;
//   - false alarms count alarm onsets and alarm days outside every "warning zone" [p - L, trough],
//     per year of days outside those zones (252 trading days a year). An alarm that never stops
//     pays for every calm day, so "always on" cannot look free.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "canary/risk/crises.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/risk/report.hpp"
#include "canary/risk/thresholds.hpp"

namespace canary::risk {

/// ensures: out[i] = 1 when scores[i-k+1 .. i] are all >= threshold (i >= k-1), else 0. The series
///          is taken as consecutive trading days.
inline std::vector<int> sustained_alarm(std::span<const double> scores, double threshold, std::size_t sustain) {
    if (sustain == 0) throw config_error("sustained_alarm: sustain must be at least 1");
    std::vector<int> out(scores.size(), 0);
    std::size_t run = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        run = scores[i] >= threshold ? run + 1 : 0;
        out[i] = run >= sustain ? 1 : 0;
    }
    return out;
}

/// Alarms as predictions: the confusion matrix of the alarm series against 0/1 labels.
inline confusion_matrix alarm_confusion(std::span<const int> alarm, std::span<const int> labels) {
    detail::require_same_length(alarm.size(), labels.size(), "alarm_confusion");
    confusion_matrix c;
    for (std::size_t i = 0; i < alarm.size(); ++i) {
        if (alarm[i] && labels[i]) ++c.true_positives;
        else if (alarm[i]) ++c.false_positives;
        else if (labels[i]) ++c.false_negatives;
        else ++c.true_negatives;
    }
    return c;
}

/// Chooses the threshold of the sustained rule on validation (scores of consecutive days), by the
/// rule's criterion on the alarm series itself (so the threshold fits the rule it is used with).
/// Candidates: +inf (never warn) and up to `max_candidates` distinct score quantiles; ties go to the
/// higher threshold. requires: labels of both classes (else config_error).
inline threshold_choice choose_sustained_threshold(std::span<const double> scores, std::span<const int> labels,
                                                   std::size_t sustain, threshold_rule rule, double mu = 0.5,
                                                   std::size_t max_candidates = 400) {
    detail::validate_inputs(scores, labels, "choose_sustained_threshold");
    std::size_t positives = 0;
    for (int l : labels) positives += l == 1 ? 1 : 0;
    if (positives == 0 || positives == labels.size())
        throw config_error("choose_sustained_threshold: validation labels have a single class");
    std::vector<double> sorted(scores.begin(), scores.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<double> candidates;
    if (sorted.size() <= max_candidates) {
        candidates = sorted;
    } else {
        for (std::size_t k = 0; k < max_candidates; ++k)
            candidates.push_back(sorted[k * (sorted.size() - 1) / (max_candidates - 1)]);
    }
    auto criterion = [&](const confusion_matrix& c) {
        switch (rule) {
            case threshold_rule::max_f1: return f1_score(c);
            case threshold_rule::youden: return youden_j(c);
            case threshold_rule::usefulness: return usefulness(c, mu).absolute;
        }
        return f1_score(c);
    };
    threshold_choice best;
    best.confusion = alarm_confusion(std::vector<int>(scores.size(), 0), labels);
    best.criterion = criterion(best.confusion);
    for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {  // highest first: ties keep the higher
        const auto c = alarm_confusion(sustained_alarm(scores, *it, sustain), labels);
        const double v = criterion(c);
        if (v > best.criterion || (std::isnan(best.criterion) && !std::isnan(v))) best = {*it, v, c};
    }
    return best;
}

/// How one crisis was (or was not) warned of.
struct crisis_warning {
    bool in_series = false;              ///< the series covers [peak - L, peak]
    bool warned = false;
    std::optional<std::size_t> onset;    ///< day index of the earliest onset in [peak - L, peak]
    std::optional<std::int64_t> lead_days;  ///< peak - onset, trading days
};

struct warning_report {
    std::vector<crisis_warning> crises;
    std::size_t onsets_outside = 0;      ///< alarm onsets outside every warning zone
    std::size_t alarm_days_outside = 0;  ///< alarm days outside every warning zone
    std::size_t calm_days = 0;           ///< days of the series outside every warning zone
    double false_alarms_per_year = std::numeric_limits<double>::quiet_NaN();
    double false_alarm_days_per_year = std::numeric_limits<double>::quiet_NaN();
};

/// requires: days ascending (day indices of the series), alarm.size() == days.size(); the series
///           should cover consecutive trading days (gaps are taken as breaks in the alarm).
/// ensures: the rules in the header comment, with L = lookback trading days.
inline warning_report evaluate_warnings(std::span<const std::size_t> days, std::span<const int> alarm,
                                        std::span<const crisis> crises, std::size_t lookback) {
    if (days.size() != alarm.size()) throw shape_error("evaluate_warnings: days and alarm differ in length");
    warning_report r;
    auto onset_at = [&](std::size_t i) {
        return alarm[i] == 1 && (i == 0 || alarm[i - 1] == 0 || days[i - 1] + 1 != days[i]);
    };
    auto zone_of = [&](std::size_t d) {
        for (std::size_t c = 0; c < crises.size(); ++c) {
            const std::size_t from = crises[c].peak > lookback ? crises[c].peak - lookback : 0;
            if (d >= from && d <= crises[c].trough) return static_cast<std::ptrdiff_t>(c);
        }
        return std::ptrdiff_t{-1};
    };
    r.crises.resize(crises.size());
    for (std::size_t c = 0; c < crises.size(); ++c) {
        const std::size_t from = crises[c].peak > lookback ? crises[c].peak - lookback : 0;
        r.crises[c].in_series = !days.empty() && days.front() <= from && days.back() >= crises[c].peak;
    }
    for (std::size_t i = 0; i < days.size(); ++i) {
        const std::ptrdiff_t z = zone_of(days[i]);
        if (z < 0) {
            ++r.calm_days;
            r.alarm_days_outside += alarm[i] == 1 ? 1 : 0;
            r.onsets_outside += onset_at(i) ? 1 : 0;
            continue;
        }
        const crisis& c = crises[std::size_t(z)];
        auto& w = r.crises[std::size_t(z)];
        if (onset_at(i) && days[i] <= c.peak && !w.onset) {
            w.onset = days[i];
            w.warned = true;
            w.lead_days = static_cast<std::int64_t>(c.peak) - static_cast<std::int64_t>(days[i]);
        }
    }
    if (r.calm_days > 0) {
        const double years = double(r.calm_days) / 252.0;
        r.false_alarms_per_year = double(r.onsets_outside) / years;
        r.false_alarm_days_per_year = double(r.alarm_days_outside) / years;
    }
    return r;
}

}  // namespace canary::risk

#pragma once
// Lead times of early warnings before crash episodes, and the false alarms they cost.
//
// A day-by-day classifier score is turned into an alarm signal (score >= threshold for at least m
// consecutive trading days), crash episodes are read off the labels, and each episode is asked:
// did an alarm sound in the lookback window before its onset, and how early? Definitions and the
// reasoning behind each choice are in docs/metrics.md, section "Lead time".
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/risk/metrics.hpp"

namespace canary::risk {

/// Which day of a sustained run of above-threshold scores counts as the alarm's first day.
enum class alarm_day_rule {
    /// The m-th consecutive day: the first day a real-time observer knows the run is sustained.
    /// With min_consecutive = 1 both rules agree.
    when_confirmed,
    /// The run's first day: known only in hindsight, so lead times are m - 1 days longer.
    from_run_start,
};

struct lead_time_options {
    /// L: an episode counts as warned when an alarm day falls in [onset - L, onset] (trading days).
    /// The usual choice is the label horizon H.
    std::int64_t lookback = 20;
    /// m: consecutive above-threshold days needed before a run is an alarm (>= 1).
    std::int64_t min_consecutive = 1;
    alarm_day_rule rule = alarm_day_rule::when_confirmed;
    /// Observed days per year for the false-alarm rates.
    double days_per_year = 252.0;
};

/// One crash episode: a maximal run of label-1 days on consecutive day indices.
struct episode_warning {
    std::int64_t onset = 0;  ///< day index of the episode's first label-1 day
    std::int64_t end = 0;    ///< day index of its last label-1 day
    /// onset minus the first alarm day in [onset - lookback, onset]; empty when none (missed).
    /// An alarm already sounding when the window opens gives exactly lookback.
    std::optional<std::int64_t> lead_time;
    bool warned() const noexcept { return lead_time.has_value(); }
};

struct lead_time_report {
    std::vector<episode_warning> episodes;
    double share_warned = std::numeric_limits<double>::quiet_NaN();  ///< NaN when there are no episodes
    double mean_lead_time = std::numeric_limits<double>::quiet_NaN();    ///< over warned episodes; NaN if none
    double median_lead_time = std::numeric_limits<double>::quiet_NaN();  ///< over warned episodes; NaN if none
    /// Alarm days outside every episode's protected window [onset - lookback, end].
    std::size_t false_alarm_days = 0;
    /// Alarm runs (maximal runs of alarm days) that touch no protected window at all.
    std::size_t false_alarm_runs = 0;
    double false_alarms_per_year = 0.0;      ///< false_alarm_runs * days_per_year / observed_days
    double false_alarm_days_per_year = 0.0;  ///< false_alarm_days * days_per_year / observed_days
    std::size_t observed_days = 0;
    std::vector<bool> alarm;  ///< per observation: is this an alarm day under the rule used
};

/// evaluate_lead_times(scores, threshold, labels, days, options)
///   requires: scores, labels and days have one equal, non-zero length (else shape_error); labels
///             are 0/1 and days strictly increasing trading-day indices, consecutive trading days
///             differing by exactly 1 (else config_error); scores finite (else numeric_error);
///             threshold not NaN, lookback >= 0, min_consecutive >= 1, days_per_year > 0 (else
///             config_error).
///   ensures:  "consecutive" everywhere means day indices differing by 1, so a gap in the data
///             ends both an alarm run and a crash episode. Day i is above threshold when
///             scores[i] >= threshold; an above-threshold run of length >= m is an alarm run, whose
///             alarm days start at its m-th day (when_confirmed) or its first day (from_run_start).
///             For each episode, lead_time = onset - (first alarm day d with onset - L <= d <= onset).
///             Rates per year divide by the number of observations, not the calendar span.
inline lead_time_report evaluate_lead_times(std::span<const double> scores, double threshold,
                                            std::span<const int> labels, std::span<const std::int64_t> days,
                                            const lead_time_options& options = {}) {
    constexpr const char* who = "canary::risk::evaluate_lead_times";
    detail::validate_inputs(scores, labels, who);
    if (days.size() != scores.size())
        throw shape_error(std::string(who) + ": " + std::to_string(days.size()) + " day indices for " +
                          std::to_string(scores.size()) + " scores");
    for (std::size_t i = 1; i < days.size(); ++i)
        if (days[i] <= days[i - 1])
            throw config_error(std::string(who) + ": day indices must increase strictly; index " + std::to_string(i) +
                               " has day " + std::to_string(days[i]) + " after day " + std::to_string(days[i - 1]));
    if (std::isnan(threshold)) throw config_error(std::string(who) + ": threshold is NaN");
    if (options.lookback < 0)
        throw config_error(std::string(who) + ": lookback " + std::to_string(options.lookback) + " is negative");
    if (options.min_consecutive < 1)
        throw config_error(std::string(who) + ": min_consecutive " + std::to_string(options.min_consecutive) +
                           " must be at least 1");
    if (!(options.days_per_year > 0.0)) throw config_error(std::string(who) + ": days_per_year must be positive");

    const std::size_t n = scores.size();
    auto continues_previous = [&](std::size_t i) { return i > 0 && days[i] - days[i - 1] == 1; };

    lead_time_report report;
    report.observed_days = n;
    report.alarm.assign(n, false);
    // Alarm days: walk each above-threshold run once and mark the days the rule calls alarms.
    for (std::size_t start = 0; start < n;) {
        if (scores[start] < threshold) {
            ++start;
            continue;
        }
        std::size_t stop = start + 1;
        while (stop < n && scores[stop] >= threshold && continues_previous(stop)) ++stop;
        const auto length = static_cast<std::int64_t>(stop - start);
        if (length >= options.min_consecutive) {
            const std::size_t first_alarm = options.rule == alarm_day_rule::when_confirmed
                                                ? start + static_cast<std::size_t>(options.min_consecutive) - 1
                                                : start;
            for (std::size_t i = first_alarm; i < stop; ++i) report.alarm[i] = true;
        }
        start = stop;
    }

    // Crash episodes and their lead times.
    for (std::size_t start = 0; start < n;) {
        if (labels[start] != 1) {
            ++start;
            continue;
        }
        std::size_t stop = start + 1;
        while (stop < n && labels[stop] == 1 && continues_previous(stop)) ++stop;
        episode_warning episode{days[start], days[stop - 1], std::nullopt};
        const auto window_open = std::lower_bound(days.begin(), days.end(), episode.onset - options.lookback);
        for (auto i = static_cast<std::size_t>(window_open - days.begin()); i <= start; ++i) {
            if (report.alarm[i]) {
                episode.lead_time = episode.onset - days[i];
                break;
            }
        }
        report.episodes.push_back(episode);
        start = stop;
    }

    // Protected windows [onset - L, end]: alarms there are early or on time, not false.
    auto protected_day = [&](std::int64_t day) {
        return std::any_of(report.episodes.begin(), report.episodes.end(), [&](const episode_warning& e) {
            return day >= e.onset - options.lookback && day <= e.end;
        });
    };
    for (std::size_t start = 0; start < n;) {
        if (!report.alarm[start]) {
            ++start;
            continue;
        }
        std::size_t stop = start + 1;
        while (stop < n && report.alarm[stop] && continues_previous(stop)) ++stop;
        std::size_t outside = 0;
        for (std::size_t i = start; i < stop; ++i) outside += protected_day(days[i]) ? 0 : 1;
        report.false_alarm_days += outside;
        if (outside == stop - start) ++report.false_alarm_runs;
        start = stop;
    }
    report.false_alarms_per_year = double(report.false_alarm_runs) * options.days_per_year / double(n);
    report.false_alarm_days_per_year = double(report.false_alarm_days) * options.days_per_year / double(n);

    std::vector<double> leads;
    for (const auto& e : report.episodes)
        if (e.warned()) leads.push_back(double(*e.lead_time));
    if (!report.episodes.empty()) report.share_warned = double(leads.size()) / double(report.episodes.size());
    if (!leads.empty()) {
        double sum = 0.0;
        for (double l : leads) sum += l;
        report.mean_lead_time = sum / double(leads.size());
        std::sort(leads.begin(), leads.end());
        const std::size_t mid = leads.size() / 2;
        report.median_lead_time = leads.size() % 2 == 1 ? leads[mid] : (leads[mid - 1] + leads[mid]) / 2.0;
    }
    return report;
}

/// evaluate_lead_times(scores, threshold, labels, options): as above with days 0, 1, ..., n - 1
/// (a gap-free daily series).
inline lead_time_report evaluate_lead_times(std::span<const double> scores, double threshold,
                                            std::span<const int> labels, const lead_time_options& options = {}) {
    std::vector<std::int64_t> days(scores.size());
    for (std::size_t i = 0; i < days.size(); ++i) days[i] = static_cast<std::int64_t>(i);
    return evaluate_lead_times(scores, threshold, labels, days, options);
}

}  // namespace canary::risk

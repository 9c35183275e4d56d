// Lead times, hand-computed. The main scenario (days 0..29, threshold 0.5, lookback 5, m = 2):
//
//   day     0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
//   above       x x       x x x              x  x        x           x           x  x
//   label                         1  1  1                                     1  1  1
//
// Episode A: onset 10, window [5, 10]; run 6-8 is confirmed on day 7 -> lead 3 (4 from run start).
// Episode B: onset 25, window [20, 25]; day 22 alone is not sustained, run 26-27 comes after the
// onset -> missed. Runs 2-3 and 15-16 lie outside both protected windows [5, 12] and [20, 27]:
// two false alarm runs; confirmed alarm days 3 and 16 (run-start rule: 2, 3, 15, 16).
#include "canary/risk/lead_time.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

using canary::risk::alarm_day_rule;
using canary::risk::lead_time_options;

struct scenario {
    std::vector<double> scores = std::vector<double>(30, 0.1);
    std::vector<int> labels = std::vector<int>(30, 0);
    scenario() {
        for (int day : {2, 3, 6, 7, 8, 15, 16, 22, 26, 27}) scores[day] = 0.9;
        for (int day : {10, 11, 12, 25, 26, 27}) labels[day] = 1;
    }
};

TEST(LeadTime, ConfirmedAlarmsHandComputed) {
    const scenario s;
    const auto report = canary::risk::evaluate_lead_times(s.scores, 0.5, s.labels, {.lookback = 5, .min_consecutive = 2});
    ASSERT_EQ(report.episodes.size(), 2u);
    EXPECT_EQ(report.episodes[0].onset, 10);
    EXPECT_EQ(report.episodes[0].end, 12);
    ASSERT_TRUE(report.episodes[0].warned());
    EXPECT_EQ(*report.episodes[0].lead_time, 3);
    EXPECT_EQ(report.episodes[1].onset, 25);
    EXPECT_FALSE(report.episodes[1].warned());
    EXPECT_DOUBLE_EQ(report.share_warned, 0.5);
    EXPECT_DOUBLE_EQ(report.mean_lead_time, 3.0);
    EXPECT_DOUBLE_EQ(report.median_lead_time, 3.0);
    EXPECT_EQ(report.false_alarm_runs, 2u);
    EXPECT_EQ(report.false_alarm_days, 2u);
    EXPECT_DOUBLE_EQ(report.false_alarms_per_year, 2.0 * 252.0 / 30.0);
    EXPECT_FALSE(report.alarm[22]);  // a single day is not sustained
    EXPECT_FALSE(report.alarm[6]);   // not yet confirmed
    EXPECT_TRUE(report.alarm[7]);
}

TEST(LeadTime, RunStartRuleCountsFromTheFirstDay) {
    const scenario s;
    const auto report = canary::risk::evaluate_lead_times(
        s.scores, 0.5, s.labels, {.lookback = 5, .min_consecutive = 2, .rule = alarm_day_rule::from_run_start});
    EXPECT_EQ(*report.episodes[0].lead_time, 4);
    EXPECT_FALSE(report.episodes[1].warned());
    EXPECT_EQ(report.false_alarm_runs, 2u);
    EXPECT_EQ(report.false_alarm_days, 4u);
}

TEST(LeadTime, SingleDayAlarmsAndShorterLookback) {
    const scenario s;
    // m = 1: day 22 now warns episode B with lead 3; episode A's first alarm day in [5, 10] is 6.
    const auto report = canary::risk::evaluate_lead_times(s.scores, 0.5, s.labels, {.lookback = 5});
    EXPECT_EQ(*report.episodes[0].lead_time, 4);
    EXPECT_EQ(*report.episodes[1].lead_time, 3);
    EXPECT_DOUBLE_EQ(report.share_warned, 1.0);
    EXPECT_DOUBLE_EQ(report.median_lead_time, 3.5);
    // With lookback 3 episode A's window [7, 10] opens while the 6-8 alarm sounds: lead = 3 = L.
    const auto short_window = canary::risk::evaluate_lead_times(s.scores, 0.5, s.labels, {.lookback = 3});
    EXPECT_EQ(*short_window.episodes[0].lead_time, 3);
    // ...and day 6 now lies outside every protected window, though its run touches one: a false
    // alarm day but not a false alarm run.
    EXPECT_EQ(short_window.false_alarm_runs, 2u);
    EXPECT_EQ(short_window.false_alarm_days, 5u);  // 2, 3, 6, 15, 16
}

TEST(LeadTime, OnsetDayAlarmHasLeadZero) {
    const std::vector<double> scores{0.1, 0.1, 0.8, 0.8, 0.1};
    const std::vector<int> labels{0, 0, 1, 1, 0};
    const auto report = canary::risk::evaluate_lead_times(scores, 0.5, labels);
    ASSERT_EQ(report.episodes.size(), 1u);
    EXPECT_EQ(*report.episodes[0].lead_time, 0);
    EXPECT_EQ(report.false_alarm_days, 0u);
}

TEST(LeadTime, GapsInDayIndicesSplitRunsAndEpisodes) {
    // Day 3 is missing: labels on days 2 and 4-5 are two episodes, and the above-threshold days
    // 1-2 and 4 are two runs (lookback 1: windows [1, 2] and [3, 4]); neither is sustained for m = 3.
    const std::vector<double> scores{0.1, 0.9, 0.9, 0.9, 0.1};
    const std::vector<int> labels{0, 0, 1, 1, 1};
    const std::vector<std::int64_t> days{0, 1, 2, 4, 5};
    const auto report = canary::risk::evaluate_lead_times(scores, 0.5, labels, days, {.lookback = 1, .min_consecutive = 2});
    ASSERT_EQ(report.episodes.size(), 2u);
    EXPECT_EQ(report.episodes[0].onset, 2);
    EXPECT_EQ(report.episodes[1].onset, 4);
    EXPECT_EQ(*report.episodes[0].lead_time, 0);  // confirmed on day 2
    EXPECT_FALSE(report.episodes[1].warned());    // day 4 alone is a run of one
    const auto three = canary::risk::evaluate_lead_times(scores, 0.5, labels, days, {.lookback = 1, .min_consecutive = 3});
    EXPECT_FALSE(three.episodes[0].warned());
}

TEST(LeadTime, NoEpisodesGivesNaNShare) {
    const std::vector<double> scores{0.9, 0.9, 0.1};
    const std::vector<int> labels{0, 0, 0};
    const auto report = canary::risk::evaluate_lead_times(scores, 0.5, labels, {.days_per_year = 3.0});
    EXPECT_TRUE(report.episodes.empty());
    EXPECT_TRUE(std::isnan(report.share_warned));
    EXPECT_TRUE(std::isnan(report.mean_lead_time));
    EXPECT_EQ(report.false_alarm_runs, 1u);
    EXPECT_DOUBLE_EQ(report.false_alarms_per_year, 1.0);
    EXPECT_DOUBLE_EQ(report.false_alarm_days_per_year, 2.0);
}

TEST(LeadTime, RejectsBadArguments) {
    const std::vector<double> scores{0.1, 0.9};
    const std::vector<int> labels{0, 1};
    const std::vector<std::int64_t> unordered{3, 3};
    const std::vector<std::int64_t> one_day{0};
    EXPECT_THROW(canary::risk::evaluate_lead_times(scores, 0.5, labels, unordered), canary::config_error);
    EXPECT_THROW(canary::risk::evaluate_lead_times(scores, 0.5, labels, one_day), canary::shape_error);
    EXPECT_THROW(canary::risk::evaluate_lead_times(scores, 0.5, labels, {.min_consecutive = 0}), canary::config_error);
    EXPECT_THROW(canary::risk::evaluate_lead_times(scores, 0.5, labels, {.lookback = -1}), canary::config_error);
    EXPECT_THROW(canary::risk::evaluate_lead_times(scores, std::nan(""), labels), canary::config_error);
}

}  // namespace

// Crisis detection, the crisis-by-crisis split, the sustained alarm rule, and the warning /
// false-alarm rules, on hand-built series whose answers can be worked out on paper.
#include "canary/risk/crises.hpp"
#include "canary/risk/warnings.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cr = canary::risk;

namespace {
std::vector<std::string> dates_for(std::size_t n) {
    std::vector<std::string> d;
    for (std::size_t i = 0; i < n; ++i) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "2000-%02zu-%02zu", 1 + i / 28, 1 + i % 28);
        d.push_back(buf);
    }
    return d;
}
}  // namespace

TEST(Crises, DetectsPeakToTroughFallsAndRecovery) {
    // 100 -> 120 (peak, day 2) -> 90 (-25%, trough day 4) -> 125 (recovered day 6) -> 110 (-12%) -> 80 (-36%, open)
    const std::vector<double> idx{100, 110, 120, 100, 90, 110, 125, 110, 100, 80, 85};
    const auto c = cr::detect_crises(idx, dates_for(idx.size()), 0.20);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].peak, 2u);
    EXPECT_EQ(c[0].trough, 4u);
    EXPECT_NEAR(c[0].drawdown, -0.25, 1e-12);
    EXPECT_TRUE(c[0].recovered);
    EXPECT_EQ(c[1].peak, 6u);
    EXPECT_EQ(c[1].trough, 9u);
    EXPECT_FALSE(c[1].recovered);
    EXPECT_EQ(c[0].name, "crisis-2000-01");
    // A 19% fall is not a 20% crisis.
    EXPECT_TRUE(cr::detect_crises(std::vector<double>{100, 81, 100}, dates_for(3), 0.20).empty());
    EXPECT_THROW(cr::detect_crises(idx, dates_for(idx.size()), 1.5), canary::config_error);
}

TEST(Crises, ReadsAFileAndNamesBadLines) {
    const auto dates = dates_for(60);
    std::vector<double> idx(60, 100.0);
    idx[30] = 70;
    const auto path = std::filesystem::temp_directory_path() / "canary_crises_test.csv";
    {
        std::ofstream f(path);
        f << "name,peak,trough\n\"Crash, big\",2000-01-10,2000-02-03\n";
    }
    const auto c = cr::read_crises(path, dates, idx);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].name, "Crash, big");
    EXPECT_EQ(c[0].peak, 9u);
    EXPECT_EQ(c[0].trough, 30u);
    {
        std::ofstream f(path);
        f << "name,peak,trough\nX,2000-01-10,not-a-date\n";
    }
    try {
        (void)cr::read_crises(path, dates, idx);
        FAIL();
    } catch (const canary::parse_error& e) {
        EXPECT_EQ(e.line(), 2u);
        EXPECT_EQ(e.column(), 14u);
    }
    std::filesystem::remove(path);
    // A date of the right shape but not made of digits, or with month 13, is refused, not ordered as text.
    for (const char* bad : {"2000-ab-01", "2000-13-01", "2000-01-00"}) {
        try {
            (void)cr::parse_crises(std::string("name,peak,trough\nX,") + bad + ",2000-02-03\n", "mem.csv", dates, idx);
            ADD_FAILURE() << bad;
        } catch (const canary::parse_error& e) {
            EXPECT_EQ(e.column(), 3u) << bad;
            EXPECT_NE(std::string(e.what()).find("YYYY-MM-DD"), std::string::npos) << e.what();
        }
    }
}

TEST(Crises, SplitPurgesAndKeepsTestOutOfTraining) {
    // 1000 labelled days, a crisis with peak 700 and trough 760; P = 100, H = 10.
    std::vector<std::size_t> samples(1000);
    std::iota(samples.begin(), samples.end(), 0);
    std::vector<int> labels(1000, 0);
    for (std::size_t d = 0; d < 1000; d += 7) labels[d] = 1;
    cr::crisis c{"c", 700, 760, -0.3, true};
    cr::crisis_protocol_options o;
    o.horizon = 10;
    o.calm_days = 100;
    const auto s = cr::crisis_split(samples, labels, c, {}, o);
    ASSERT_TRUE(s.skipped.empty()) << s.skipped;
    EXPECT_EQ(s.test.front(), 600u);
    EXPECT_EQ(s.test.back(), 760u);
    EXPECT_LT(s.validation.back() + o.horizon, s.test.front());  // label of the last validation day ends before the test
    EXPECT_LT(s.train.back() + o.horizon, s.validation.front());
    EXPECT_EQ(s.validation.size(), std::size_t(590 * 0.2));
    // Too little history: skipped with a reason, no crash.
    cr::crisis early{"e", 120, 150, -0.3, true};
    EXPECT_FALSE(cr::crisis_split(samples, labels, early, {}, o).skipped.empty());
    // Post-crisis bias option: days inside an earlier crisis leave training.
    o.drop_crisis_days = true;
    const cr::crisis before{"b", 200, 260, -0.25, true};
    const auto d = cr::crisis_split(samples, labels, c, std::span(&before, 1), o);
    for (std::size_t day : d.train) EXPECT_FALSE(day >= 200 && day <= 260);
}

TEST(Warnings, SustainedAlarmNeedsKDaysAndReadsNoFuture) {
    const std::vector<double> s{0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9};
    EXPECT_EQ(cr::sustained_alarm(s, 0.5, 3), (std::vector<int>{0, 0, 0, 0, 0, 1, 1}));
    EXPECT_EQ(cr::sustained_alarm(s, 0.5, 1), (std::vector<int>{1, 1, 0, 1, 1, 1, 1}));
    // Changing the future never changes the past.
    auto later = s;
    later[6] = 0.0;
    const auto a = cr::sustained_alarm(s, 0.5, 3), b = cr::sustained_alarm(later, 0.5, 3);
    EXPECT_TRUE(std::equal(a.begin(), a.end() - 1, b.begin()));
}

TEST(Warnings, LeadTimeFromTheOnsetToThePeakIsNotCapped) {
    // Days 0..399; crisis peak 300, trough 340; lookback L = 60: zone [240, 340].
    std::vector<std::size_t> days(400);
    std::iota(days.begin(), days.end(), 0);
    std::vector<int> alarm(400, 0);
    for (std::size_t d = 250; d <= 320; ++d) alarm[d] = 1;  // onset 250: lead 50 (> any label horizon)
    for (std::size_t d = 100; d < 110; ++d) alarm[d] = 1;   // one false alarm, 10 days
    const cr::crisis c{"c", 300, 340, -0.3, true};
    const auto r = cr::evaluate_warnings(days, alarm, std::span(&c, 1), 60);
    ASSERT_EQ(r.crises.size(), 1u);
    EXPECT_TRUE(r.crises[0].warned);
    EXPECT_EQ(*r.crises[0].lead_days, 50);
    EXPECT_EQ(r.onsets_outside, 1u);
    EXPECT_EQ(r.alarm_days_outside, 10u);
    EXPECT_EQ(r.calm_days, 400u - 101u);
    EXPECT_NEAR(r.false_alarms_per_year, 1.0 / (299.0 / 252.0), 1e-12);
}

TEST(Warnings, AnAlwaysOnAlarmPaysForEveryCalmDayAndWarnsNothing) {
    std::vector<std::size_t> days(400);
    std::iota(days.begin(), days.end(), 0);
    const std::vector<int> alarm(400, 1);
    const cr::crisis c{"c", 300, 340, -0.3, true};
    const auto r = cr::evaluate_warnings(days, alarm, std::span(&c, 1), 60);
    EXPECT_FALSE(r.crises[0].warned);  // its onset (day 0) is not within L days of the peak
    EXPECT_EQ(r.onsets_outside, 1u);
    EXPECT_EQ(r.alarm_days_outside, r.calm_days);
    EXPECT_NEAR(r.false_alarm_days_per_year, 252.0, 1e-9);
}

TEST(Warnings, ThresholdIsChosenForTheSustainedRule) {
    // Positives are a block of 10 days; a score that is high on exactly those days and spikes for
    // one day elsewhere: with sustain 3 the spike cannot alarm, so the lower threshold wins.
    std::vector<double> s(60, 0.1);
    std::vector<int> y(60, 0);
    for (std::size_t d = 30; d < 40; ++d) s[d] = 0.6, y[d] = 1;
    s[10] = 0.9;
    const auto t = cr::choose_sustained_threshold(s, y, 3, cr::threshold_rule::max_f1);
    EXPECT_DOUBLE_EQ(t.threshold, 0.6);
    EXPECT_EQ(t.confusion.true_positives, 8u);
    EXPECT_EQ(t.confusion.false_positives, 0u);
}

TEST(Crises, ValidationGrowsBackUntilItHoldsCrashAheadDays) {
    // 1000 history days; crash-ahead days only in [300, 340) and [500, 520): the last 20% is calm.
    std::vector<std::size_t> history(1000);
    std::iota(history.begin(), history.end(), 0);
    std::vector<int> labels(1000, 0);
    for (std::size_t d = 300; d < 340; ++d) labels[d] = 1;
    for (std::size_t d = 500; d < 520; ++d) labels[d] = 1;
    cr::crisis_protocol_options o;
    o.horizon = 10;
    std::vector<std::size_t> train, validation;
    EXPECT_EQ(cr::split_history(history, labels, o, train, validation), "");
    ASSERT_FALSE(validation.empty());
    EXPECT_LE(validation.front(), 510u);  // grew back past the calm stretch, to hold >= 10 positives
    EXPECT_GE(validation.front(), 500u);  // ... and no further than needed (steps of 2% of the history)
    EXPECT_LT(train.back() + o.horizon, validation.front());
    // Positives only in the first days: validation may not grow into the last 250 training days.
    std::vector<int> early(1000, 0);
    for (std::size_t d = 10; d < 40; ++d) early[d] = 1;
    EXPECT_NE(cr::split_history(history, early, o, train, validation).find("validation span has a single class"),
              std::string::npos);
}

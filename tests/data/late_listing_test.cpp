// Late listing (an instrument that enters after the first day), joining files on date, and the
// market features of a panel whose node set changes or has a single instrument.
#include "canary/data/market_features.hpp"
#include "canary/data/price_panel.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <xtensor/xview.hpp>

namespace cd = canary::data;

namespace {
std::string csv_of(const std::vector<std::vector<double>>& columns, std::size_t days, const char* first_name = "date") {
    std::string s = first_name;
    for (std::size_t j = 0; j < columns.size(); ++j) s += ",I" + std::to_string(j);
    s += "\n";
    for (std::size_t t = 0; t < days; ++t) {
        char d[16];
        std::snprintf(d, sizeof d, "%04zu-01-01", 1000 + t);  // any ascending ISO dates
        s += d;
        for (const auto& c : columns) s += "," + (std::isnan(c[t]) ? std::string() : std::to_string(c[t]));
        s += "\n";
    }
    return s;
}
std::vector<double> walk(std::size_t n, double drift, double wiggle, std::size_t phase) {
    std::vector<double> p(n);
    for (std::size_t t = 0; t < n; ++t) p[t] = 100.0 * std::exp(drift * double(t) + wiggle * std::sin(0.37 * double(t + phase)));
    return p;
}
}  // namespace

TEST(LateListing, LeadingGapIsNotYetListedNotMissing) {
    auto b = walk(10, 0.01, 0.02, 3);
    for (std::size_t t = 0; t < 4; ++t) b[t] = NAN;
    const std::string text = csv_of({walk(10, 0.0, 0.03, 0), b}, 10, "Date");
    cd::load_options o;
    cd::load_report report;
    // Default: the late lister is dropped, as before.
    EXPECT_EQ(cd::load_prices_from_string(text, "t.csv", o, report).instrument_count(), 1u);
    o.late_listing = true;
    const auto p = cd::load_prices_from_string(text, "t.csv", o, report);
    ASSERT_EQ(p.instrument_count(), 2u);
    ASSERT_EQ(report.late_listed.size(), 1u);
    EXPECT_EQ(report.late_listed[0].name, "I1");
    EXPECT_EQ(report.late_listed[0].first_date, "1004-01-01");
    EXPECT_EQ(report.missing_values, 0u);
    EXPECT_TRUE(std::isnan(p.prices(3, 1)));
    EXPECT_FALSE(std::isnan(p.prices(4, 1)));
    EXPECT_EQ(cd::listing_days(p), (std::vector<std::size_t>{0, 4}));
    // The equal-weight index uses I0 alone until I1 has two prices.
    const auto ew = cd::equal_weight_index(p);
    EXPECT_NEAR(ew(3), p.prices(3, 0) / p.prices(0, 0), 1e-12);
    const double both = 0.5 * (p.prices(5, 0) / p.prices(4, 0) - 1 + p.prices(5, 1) / p.prices(4, 1) - 1);
    EXPECT_NEAR(ew(5), ew(4) * (1 + both), 1e-12);
}

TEST(LateListing, JoinKeepsCommonDatesAndRefusesRepeatedNames) {
    const auto a = cd::load_prices_from_string("date,A\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n");
    const auto b = cd::load_prices_from_string("date,B\n2020-01-02,20\n2020-01-03,30\n2020-01-04,40\n");
    std::vector<std::size_t> left;
    const auto j = cd::join_on_date({a, b}, {"a.csv", "b.csv"}, left);
    EXPECT_EQ(j.dates, (std::vector<std::string>{"2020-01-02", "2020-01-03"}));
    EXPECT_EQ(j.instruments, (std::vector<std::string>{"A", "B"}));
    EXPECT_DOUBLE_EQ(j.prices(1, 1), 30.0);
    EXPECT_EQ(left, (std::vector<std::size_t>{1, 1}));
    try {
        (void)cd::join_on_date({a, a}, {"a.csv", "a2.csv"}, left);
        FAIL();
    } catch (const canary::config_error& e) {
        EXPECT_NE(std::string(e.what()).find("'A' is in both a.csv and a2.csv"), std::string::npos) << e.what();
    }
}

TEST(LateListing, MarketFeaturesOfAChangingNodeSetReadNoFuture) {
    const std::size_t n = 200;
    auto late = walk(n, 0.002, 0.05, 7);
    for (std::size_t t = 0; t < 120; ++t) late[t] = NAN;
    cd::load_options o;
    o.late_listing = true;
    const auto p = cd::load_prices_from_string(csv_of({walk(n, 0.001, 0.04, 0), walk(n, -0.001, 0.06, 2), late}, n), "t", o);
    const auto ref = cd::equal_weight_index(p);
    const auto f = cd::market_features(p, ref);
    EXPECT_EQ(f.first_valid_day, 60u);
    for (std::size_t t = f.first_valid_day; t < n; ++t)
        for (std::size_t k = 0; k < cd::market_feature_count; ++k) ASSERT_TRUE(std::isfinite(f.values(t, k))) << t << "," << k;
    // Day 150 computed from the panel cut at day 150 is the same number: no look-ahead, and the
    // late lister enters the averages only once its own windows are full.
    cd::price_panel cut = p;
    cut.dates.resize(151);
    cut.prices = xt::view(p.prices, xt::range(0, 151), xt::all());
    const auto fc = cd::market_features(cut, cd::equal_weight_index(cut));
    for (std::size_t k = 0; k < cd::market_feature_count; ++k) EXPECT_DOUBLE_EQ(fc.values(150, k), f.values(150, k)) << k;
}

TEST(LateListing, OneInstrumentMarketHasConstantCrossSection) {
    const std::size_t n = 120;
    const auto p = cd::load_prices_from_string(csv_of({walk(n, 0.001, 0.05, 1)}, n), "t");
    const auto f = cd::market_features(p, p.column("I0"));
    ASSERT_LT(f.first_valid_day, n);
    for (std::size_t t = f.first_valid_day; t < n; ++t) {
        EXPECT_EQ(f.values(t, 7), 0.0);   // dispersion
        EXPECT_EQ(f.values(t, 8), 0.0);   // correlation
        EXPECT_EQ(f.values(t, 14), 0.0);  // sd of momentum across one instrument
        EXPECT_NEAR(f.values(t, 0), f.values(t, 15), 1e-12);  // the equal-weight index is the instrument
    }
}

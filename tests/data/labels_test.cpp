// Forward drawdown labels and crash episodes on hand-made series.
#include <canary/data/labels.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace cd = canary::data;

namespace {

xt::xtensor<double, 1> series(std::initializer_list<double> v) {
    xt::xtensor<double, 1> out = xt::xtensor<double, 1>::from_shape({v.size()});
    std::copy(v.begin(), v.end(), out.begin());
    return out;
}

xt::xtensor<int, 1> ints(std::initializer_list<int> v) {
    xt::xtensor<int, 1> out = xt::xtensor<int, 1>::from_shape({v.size()});
    std::copy(v.begin(), v.end(), out.begin());
    return out;
}

std::vector<int> as_vector(const xt::xtensor<int, 1>& x) { return {x.begin(), x.end()}; }

}  // namespace

TEST(DrawdownLabels, HandMadeSeriesAndUnlabelledTail) {
    const auto p = series({100, 95, 91, 90, 99, 100});
    cd::drawdown_label_options o;
    o.horizon = 3;
    // t=0: min(95, 91, 90) = 90 = 0.9 * 100 -> exactly -10% counts. t=1: 85.5 not reached.
    // t=2: 81.9 not reached. t=3..5: fewer than 3 days ahead -> unknown.
    EXPECT_EQ(as_vector(cd::forward_drawdown_labels(p, o)), (std::vector<int>{1, 0, 0, -1, -1, -1}));
    o.horizon = 2;  // t=0 now sees only 95, 91
    EXPECT_EQ(as_vector(cd::forward_drawdown_labels(p, o)), (std::vector<int>{0, 0, 0, 0, -1, -1}));
    o.horizon = 3;
    o.theta = 0.05;  // t=1: 0.95 * 95 = 90.25 >= 90 -> crash
    EXPECT_EQ(as_vector(cd::forward_drawdown_labels(p, o)), (std::vector<int>{1, 1, 0, -1, -1, -1}));
}

TEST(DrawdownLabels, ThetaEdge) {
    cd::drawdown_label_options o;
    o.horizon = 1;
    EXPECT_EQ(cd::forward_drawdown_labels(series({100, 90}), o)(0), 1);
    EXPECT_EQ(cd::forward_drawdown_labels(series({100, 90.0001}), o)(0), 0);
    EXPECT_EQ(cd::forward_drawdown_labels(series({100, 89.99}), o)(0), 1);
    // 0.9 * 3.3 is 2.9699999999999998 in doubles, below the parsed 2.97: still exactly -10%.
    EXPECT_EQ(cd::forward_drawdown_labels(series({3.3, 2.97}), o)(0), 1);
    EXPECT_EQ(cd::forward_drawdown_labels(series({70.3, 63.27}), o)(0), 1);
    EXPECT_EQ(cd::forward_drawdown_labels(series({70.3, 63.28}), o)(0), 0);
}

TEST(DrawdownLabels, DefaultsAndShortSeries) {
    const cd::drawdown_label_options o;
    EXPECT_DOUBLE_EQ(o.theta, 0.10);
    EXPECT_EQ(o.horizon, 20u);
    const auto y = cd::forward_drawdown_labels(series({100, 50, 25}));  // shorter than H
    EXPECT_EQ(as_vector(y), (std::vector<int>{-1, -1, -1}));
}

TEST(DrawdownLabels, NanInForwardWindowIsUnknown) {
    cd::drawdown_label_options o;
    o.horizon = 2;
    const auto y = cd::forward_drawdown_labels(series({100, NAN, 80, 80, 80}), o);
    EXPECT_EQ(as_vector(y), (std::vector<int>{-1, -1, 0, -1, -1}));
}

TEST(DrawdownLabels, InvalidOptions) {
    cd::drawdown_label_options o;
    o.theta = 0.0;
    EXPECT_THROW(cd::forward_drawdown_labels(series({1, 2}), o), canary::config_error);
    o.theta = 1.0;
    EXPECT_THROW(cd::forward_drawdown_labels(series({1, 2}), o), canary::config_error);
    o.theta = 0.1;
    o.horizon = 0;
    EXPECT_THROW(cd::forward_drawdown_labels(series({1, 2}), o), canary::config_error);
}

TEST(DrawdownLabels, NodeLabelsAndMarketReference) {
    cd::price_panel p;
    p.dates = {"d0", "d1", "d2", "d3"};
    p.instruments = {"A", "B"};
    p.prices = xt::xtensor<double, 2>{{100, 100}, {100, 120}, {85, 110}, {85, 100}};
    cd::drawdown_label_options o;
    o.horizon = 2;
    const auto y = cd::node_drawdown_labels(p, o);
    ASSERT_EQ(y.shape()[0], 4u);
    ASSERT_EQ(y.shape()[1], 2u);
    EXPECT_EQ(y(0, 0), 1);   // 85 <= 90
    EXPECT_EQ(y(1, 0), 1);
    EXPECT_EQ(y(0, 1), 0);   // B never falls 10% below 100
    EXPECT_EQ(y(1, 1), 1);   // 0.9 * 120 = 108 and min(110, 100) = 100 <= 108
    EXPECT_EQ(y(2, 1), -1);
    // Market reference: a named column, or the equal-weight index.
    EXPECT_EQ(cd::market_reference(p, "B")(1), 120.0);
    const auto ew = cd::market_reference(p);
    EXPECT_DOUBLE_EQ(ew(1), 1.1);  // mean(0%, +20%)
    EXPECT_THROW(cd::market_reference(p, "C"), canary::config_error);
}

TEST(CrashEpisodes, MaximalRunsOfPositives) {
    const auto e = cd::crash_episodes(ints({0, 1, 1, 0, 1, -1, 1, 1, 1}));
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0], (cd::crash_episode{1, 2}));
    EXPECT_EQ(e[1], (cd::crash_episode{4, 4}));
    EXPECT_EQ(e[2], (cd::crash_episode{6, 8}));
    EXPECT_EQ(e[2].length(), 3u);
    EXPECT_TRUE(cd::crash_episodes(ints({0, 0, -1})).empty());
    EXPECT_EQ(cd::crash_episodes(ints({1})).size(), 1u);
}

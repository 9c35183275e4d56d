// Trailing-window features on hand-computed tiny series.
#include <canary/data/features.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace cd = canary::data;

namespace {

xt::xtensor<double, 1> series(std::initializer_list<double> v) {
    xt::xtensor<double, 1> out = xt::xtensor<double, 1>::from_shape({v.size()});
    std::copy(v.begin(), v.end(), out.begin());
    return out;
}

// A panel from columns given as rows of prices, dates made up.
cd::price_panel panel_of(const std::vector<std::vector<double>>& columns) {
    cd::price_panel p;
    const std::size_t days = columns.front().size();
    p.prices = xt::xtensor<double, 2>::from_shape({days, columns.size()});
    for (std::size_t j = 0; j < columns.size(); ++j) {
        p.instruments.push_back(std::string(1, 'I').append(std::to_string(j)));
        for (std::size_t t = 0; t < days; ++t) p.prices(t, j) = columns[j][t];
    }
    for (std::size_t t = 0; t < days; ++t) p.dates.push_back(std::string("day").append(std::to_string(t)));
    return p;
}

}  // namespace

TEST(RollingHelpers, MeanAndStd) {
    const auto x = series({1, 2, 3, 4});
    const auto m = cd::rolling_mean(x, 2);
    EXPECT_TRUE(std::isnan(m(0)));
    EXPECT_DOUBLE_EQ(m(1), 1.5);
    EXPECT_DOUBLE_EQ(m(3), 3.5);
    const auto s = cd::rolling_std(x, 3);
    EXPECT_TRUE(std::isnan(s(1)));
    EXPECT_DOUBLE_EQ(s(2), 1.0);  // sample std of 1,2,3
    EXPECT_DOUBLE_EQ(s(3), 1.0);
    EXPECT_DOUBLE_EQ(cd::rolling_std(x, 3, 0)(2), std::sqrt(2.0 / 3.0));
    EXPECT_THROW(cd::rolling_std(x, 1), canary::config_error);  // one value has no sample std
    EXPECT_THROW(cd::rolling_mean(x, 0), canary::config_error);
}

TEST(RollingHelpers, NanPropagatesOnlyWithinItsWindows) {
    const auto m = cd::rolling_mean(series({1, NAN, 3, 4, 5}), 2);
    EXPECT_TRUE(std::isnan(m(1)));
    EXPECT_TRUE(std::isnan(m(2)));
    EXPECT_DOUBLE_EQ(m(3), 3.5);
}

TEST(PriceFeatures, HandComputed) {
    // p = 100, 110, 99, 99, 108.9
    const auto p = series({100, 110, 99, 99, 108.9});
    const auto r = cd::log_returns(p);
    EXPECT_TRUE(std::isnan(r(0)));
    EXPECT_DOUBLE_EQ(r(1), std::log(1.1));
    EXPECT_DOUBLE_EQ(r(2), std::log(0.9));
    EXPECT_DOUBLE_EQ(r(3), 0.0);

    const auto vol = cd::rolling_volatility(p, 2);
    EXPECT_TRUE(std::isnan(vol(1)));  // needs r_0, which does not exist
    EXPECT_NEAR(vol(2), 0.14189560954670766, 1e-15);  // |ln 1.1 - ln 0.9| / sqrt 2
    const auto vol3 = cd::rolling_volatility(p, 3);
    EXPECT_TRUE(std::isnan(vol3(2)));
    EXPECT_NEAR(vol3(3), 0.10037728548770321, 1e-15);  // stdev(ln 1.1, ln 0.9, 0)

    const auto dd = cd::rolling_drawdown(p, 3);
    EXPECT_TRUE(std::isnan(dd(1)));
    EXPECT_DOUBLE_EQ(dd(2), 99.0 / 110.0 - 1.0);
    EXPECT_DOUBLE_EQ(dd(3), 99.0 / 110.0 - 1.0);
    EXPECT_DOUBLE_EQ(dd(4), 0.0);  // a new 3-day high: the old peak 110 has left the window

    const auto mom = cd::momentum(p, 2);
    EXPECT_TRUE(std::isnan(mom(1)));
    EXPECT_DOUBLE_EQ(mom(2), 99.0 / 100.0 - 1.0);
    EXPECT_DOUBLE_EQ(mom(3), 99.0 / 110.0 - 1.0);
    EXPECT_DOUBLE_EQ(mom(4), 108.9 / 99.0 - 1.0);
}

TEST(NodeFeatures, DefaultLayoutAndFirstValidDay) {
    std::vector<double> a(70), b(70);
    for (std::size_t t = 0; t < 70; ++t) {
        a[t] = 100.0 * std::exp(0.01 * std::sin(0.7 * static_cast<double>(t)));
        b[t] = 50.0 + static_cast<double>(t % 7);
    }
    const auto panel = panel_of({a, b});
    const auto f = cd::node_features(panel);
    ASSERT_EQ(f.values.shape()[0], 70u);
    ASSERT_EQ(f.values.shape()[1], 2u);
    ASSERT_EQ(f.values.shape()[2], 7u);
    EXPECT_EQ(f.first_valid_day, 60u);
    EXPECT_EQ(cd::node_feature_windows{}.first_valid_day(), 60u);
    EXPECT_EQ(cd::node_feature_names[2], "vol60");
    for (std::size_t k = 0; k < 7; ++k) {
        EXPECT_TRUE(std::isfinite(f.values(60, 1, k))) << k;
    }
    EXPECT_TRUE(std::isnan(f.values(59, 0, 2)));  // vol60 needs 60 returns
    EXPECT_TRUE(std::isfinite(f.values(59, 0, 4)));  // dd60 needs only 60 prices
    // Each slot equals the 1-d helper it is documented as.
    const auto pb = panel.column("I1");
    EXPECT_DOUBLE_EQ(f.values(65, 1, 0), cd::log_returns(pb)(65));
    EXPECT_DOUBLE_EQ(f.values(65, 1, 1), cd::rolling_volatility(pb, 20)(65));
    EXPECT_DOUBLE_EQ(f.values(65, 1, 2), cd::rolling_volatility(pb, 60)(65));
    EXPECT_DOUBLE_EQ(f.values(65, 1, 3), cd::rolling_drawdown(pb, 20)(65));
    EXPECT_DOUBLE_EQ(f.values(65, 1, 4), cd::rolling_drawdown(pb, 60)(65));
    EXPECT_DOUBLE_EQ(f.values(65, 1, 5), cd::momentum(pb, 10)(65));
    EXPECT_DOUBLE_EQ(f.values(65, 1, 6), cd::momentum(pb, 30)(65));
}

TEST(NodeFeatures, CustomWindowsHandComputed) {
    const auto panel = panel_of({{100, 110, 99, 99, 108.9}});
    cd::node_feature_windows w{2, 3, 2, 3, 1, 2};
    EXPECT_EQ(w.first_valid_day(), 3u);
    const auto f = cd::node_features(panel, w);
    EXPECT_DOUBLE_EQ(f.values(3, 0, 0), 0.0);
    EXPECT_NEAR(f.values(3, 0, 2), 0.10037728548770321, 1e-15);
    EXPECT_DOUBLE_EQ(f.values(4, 0, 3), 0.0);             // dd over 2 days: 108.9 is the peak
    EXPECT_DOUBLE_EQ(f.values(3, 0, 4), 99.0 / 110.0 - 1);  // dd over 3 days
    EXPECT_DOUBLE_EQ(f.values(4, 0, 5), 108.9 / 99.0 - 1);  // mom1: p4 / p3
    EXPECT_DOUBLE_EQ(f.values(4, 0, 6), 108.9 / 99.0 - 1);  // mom2: p4 / p2 (p2 = p3 = 99)
    cd::node_feature_windows bad;
    bad.volatility_short = 1;
    EXPECT_THROW(cd::node_features(panel, bad), canary::config_error);
}

TEST(MarketAggregates, EqualWeightIndex) {
    const auto panel = panel_of({{100, 110, 121}, {50, 50, 25}});
    const auto idx = cd::equal_weight_index(panel);
    EXPECT_DOUBLE_EQ(idx(0), 1.0);
    EXPECT_DOUBLE_EQ(idx(1), 1.05);         // mean(+10%, 0%)
    EXPECT_DOUBLE_EQ(idx(2), 1.05 * 0.8);   // mean(+10%, -50%) = -20%
    auto bad = panel;
    bad.prices(1, 1) = NAN;
    try {
        cd::equal_weight_index(bad);
        FAIL();
    } catch (const canary::numeric_error& e) {
        EXPECT_NE(std::string(e.what()).find("'I1' on day1"), std::string::npos) << e.what();
    }
}

TEST(MarketAggregates, Dispersion) {
    const auto panel = panel_of({{100, 110, 121}, {50, 50, 25}, {10, 11, 11}});
    const auto d = cd::cross_sectional_dispersion(panel);
    EXPECT_TRUE(std::isnan(d(0)));
    // day 1 log returns: ln1.1, 0, ln1.1 -> mean 2/3 ln1.1, sample var = (2 (1/3)^2 + (2/3)^2) ln1.1^2 / 2
    EXPECT_NEAR(d(1), std::log(1.1) / std::sqrt(3.0), 1e-15);
    EXPECT_THROW(cd::cross_sectional_dispersion(panel_of({{1, 2}})), canary::shape_error);
}

TEST(MarketAggregates, AveragePairwiseCorrelation) {
    // B moves twice as much as A, C mirrors A: corr(A,B) = 1, corr(A,C) = corr(B,C) = -1.
    const double r[] = {0.01, -0.02, 0.03, 0.005};
    std::vector<double> a{1.0}, b{1.0}, c{1.0}, flat{1, 1, 1, 1, 1};
    for (double x : r) {
        a.push_back(a.back() * std::exp(x));
        b.push_back(b.back() * std::exp(2 * x));
        c.push_back(c.back() * std::exp(-x));
    }
    const auto rho = cd::average_pairwise_correlation(panel_of({a, b, c}), 3);
    EXPECT_TRUE(std::isnan(rho(2)));  // r_0 does not exist, so day 3 is the first full window
    EXPECT_NEAR(rho(3), -1.0 / 3.0, 1e-12);
    EXPECT_NEAR(rho(4), -1.0 / 3.0, 1e-12);
    // A constant series has no correlation: its pairs are left out, leaving only (A, B).
    const auto with_flat = cd::average_pairwise_correlation(panel_of({a, b, flat}), 3);
    EXPECT_NEAR(with_flat(4), 1.0, 1e-12);
    EXPECT_TRUE(std::isnan(cd::average_pairwise_correlation(panel_of({flat, flat}), 2)(3)));
}

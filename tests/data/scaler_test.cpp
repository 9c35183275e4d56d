// Scalers fitted on training rows only.
#include <canary/data/scaler.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace cd = canary::data;

TEST(StandardScaler, FitsOnlyOnGivenRows) {
    // Column 0: training rows 0..2 hold 1, 2, 3; row 3 is a "test" outlier that must not count.
    // Column 1 is constant on the training rows.
    const xt::xtensor<double, 2> x = {{1, 5}, {2, 5}, {3, 5}, {1000, 7}};
    const std::vector<std::size_t> train{0, 1, 2};
    cd::standard_scaler s;
    EXPECT_FALSE(s.fitted());
    s.fit(x, train);
    ASSERT_TRUE(s.fitted());
    EXPECT_DOUBLE_EQ(s.mean()[0], 2.0);
    EXPECT_DOUBLE_EQ(s.scale()[0], std::sqrt(2.0 / 3.0));  // population std of 1, 2, 3
    EXPECT_DOUBLE_EQ(s.mean()[1], 5.0);
    EXPECT_EQ(s.scale()[1], 1.0);  // constant: scale 1, not 0
    const auto z = s.transform(x);
    EXPECT_DOUBLE_EQ(z(0, 0), -1.0 / std::sqrt(2.0 / 3.0));
    EXPECT_DOUBLE_EQ(z(1, 0), 0.0);
    EXPECT_DOUBLE_EQ(z(3, 0), 998.0 / std::sqrt(2.0 / 3.0));
    EXPECT_EQ(z(0, 1), 0.0);
    EXPECT_EQ(z(3, 1), 2.0);
    for (double v : z) EXPECT_TRUE(std::isfinite(v));
    const auto back = s.inverse_transform(z);
    for (std::size_t k = 0; k < x.size(); ++k) EXPECT_NEAR(back.data()[k], x.data()[k], 1e-9);
}

TEST(StandardScaler, ConstantNonRepresentableValueStillScaleOne) {
    // 0.1 + 0.1 + 0.1 is not 0.3 in doubles, so the two-pass std is tiny but not zero.
    const xt::xtensor<double, 2> x = {{0.1}, {0.1}, {0.1}};
    cd::standard_scaler s;
    s.fit(x, std::vector<std::size_t>{0, 1, 2});
    EXPECT_EQ(s.scale()[0], 1.0);
}

TEST(StandardScaler, NodePanelPoolsNodes) {
    xt::xtensor<double, 3> x = xt::xtensor<double, 3>::from_shape({3, 2, 1});
    x(0, 0, 0) = 1;
    x(0, 1, 0) = 3;
    x(1, 0, 0) = 5;
    x(1, 1, 0) = 7;
    x(2, 0, 0) = 100;
    x(2, 1, 0) = 100;
    cd::standard_scaler s;
    s.fit(x, std::vector<std::size_t>{0, 1});
    EXPECT_DOUBLE_EQ(s.mean()[0], 4.0);            // 1, 3, 5, 7
    EXPECT_DOUBLE_EQ(s.scale()[0], std::sqrt(5.0));  // (9 + 1 + 1 + 9) / 4
    const auto z = s.transform(x);
    EXPECT_DOUBLE_EQ(z(1, 1, 0), 3.0 / std::sqrt(5.0));
}

TEST(StandardScaler, Errors) {
    const xt::xtensor<double, 2> x = {{1, NAN}, {2, 3}};
    cd::standard_scaler s;
    EXPECT_THROW(s.transform(x), canary::config_error);                                  // before fit
    EXPECT_THROW(s.fit(x, std::vector<std::size_t>{}), canary::config_error);            // no rows
    EXPECT_THROW(s.fit(x, std::vector<std::size_t>{2}), canary::config_error);           // out of range
    EXPECT_THROW(s.fit(x, std::vector<std::size_t>{0, 1}), canary::numeric_error);       // NaN in fit rows
    s.fit(x, std::vector<std::size_t>{1});
    const auto z = s.transform(x);
    EXPECT_TRUE(std::isnan(z(0, 1)));  // NaN outside the fit rows propagates
    const xt::xtensor<double, 2> wide = {{1, 2, 3}};
    EXPECT_THROW(s.transform(wide), canary::shape_error);
}

TEST(MinMaxScaler, FitsOnlyOnGivenRows) {
    const xt::xtensor<double, 2> x = {{2, 4}, {6, 4}, {4, 4}, {10, 0}};
    cd::minmax_scaler s;
    s.fit(x, std::vector<std::size_t>{0, 1, 2});
    EXPECT_EQ(s.min()[0], 2.0);
    EXPECT_EQ(s.range()[0], 4.0);
    EXPECT_EQ(s.range()[1], 1.0);  // constant
    const auto z = s.transform(x);
    EXPECT_EQ(z(0, 0), 0.0);
    EXPECT_EQ(z(1, 0), 1.0);
    EXPECT_EQ(z(2, 0), 0.5);
    EXPECT_EQ(z(3, 0), 2.0);   // beyond the training range: not clipped
    EXPECT_EQ(z(3, 1), -4.0);
    const auto back = s.inverse_transform(z);
    EXPECT_EQ(back(3, 0), 10.0);
}

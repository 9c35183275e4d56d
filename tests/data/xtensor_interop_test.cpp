#include <gtest/gtest.h>

#include "canary/canary.hpp"
#include "canary/data/xtensor_interop.hpp"

using namespace canary;

TEST(XtensorInterop, RoundTripThroughAModel) {
    xt::xtensor<double, 3> x = xt::xtensor<double, 3>::from_shape({2, 3, 4});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.1 * static_cast<double>(i);
    Tape<double> tape(false);
    Var<double> v = tape_input(tape, x);
    EXPECT_EQ(v.shape, (Shape{2, 3, 4}));
    Model<Dense<4, 2>, double> m(3);
    auto y = to_xtensor<3>(m.forward(tape, v));
    ASSERT_EQ(y.shape(0), 2u);
    ASSERT_EQ(y.shape(2), 2u);
    const double* w = m.parameters();
    const double expected = w[0] * x(1, 2, 0) + w[1] * x(1, 2, 1) + w[2] * x(1, 2, 2) + w[3] * x(1, 2, 3) + w[8];
    EXPECT_NEAR(y(1, 2, 0), expected, 1e-14);
    EXPECT_THROW(to_xtensor<2>(v), shape_error);
}

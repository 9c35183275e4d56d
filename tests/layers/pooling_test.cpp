// Pooling over time: hand-computed values, torch's first-max tie rule and NaN rule, gradient
// checks (odd T, overlapping windows), shape errors; dropout on a (B, T, F) sequence.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "canary/canary.hpp"

using namespace canary;

namespace {
template <class L>
std::vector<double> run(const L& layer, std::vector<double> x, Shape s, Shape* out_shape = nullptr) {
    Model<L, double> m(0, layer);
    Tape<double> t(false);
    auto y = m.forward(t, t.input(x.data(), s));
    if (out_shape) *out_shape = y.shape;
    return std::vector<double>(y.val, y.val + y.numel());
}

// Gradient of sum(layer(x)) with respect to x.
template <class L>
std::vector<double> input_gradient(const L& layer, std::vector<double> x, Shape s) {
    Model<L, double> m(0, layer);
    Tape<double> t(true);
    auto xv = t.input(x.data(), s, true);
    auto y = m.forward(t, xv);
    t.backward(sum(t, y));
    return std::vector<double>(xv.adj, xv.adj + xv.numel());
}
}  // namespace

TEST(MaxPool1D, HandComputedValuesAndFloorSemantics) {
    // B = 1, T = 5, F = 2; windows of 2 every 2: steps (0,1), (2,3); step 4 is dropped (floor).
    const std::vector<double> x = {1, 9, 3, 2, 5, 5, 0, 7, 8, 8};
    Shape s;
    EXPECT_EQ(run(MaxPool1D<2>{}, x, {1, 5, 2}, &s), (std::vector<double>{3, 9, 5, 7}));
    EXPECT_EQ(s, (Shape{1, 2, 2}));
    // Overlapping windows: K = 3, stride 1 -> T - 2 outputs.
    EXPECT_EQ(run(MaxPool1D<3, 1>{}, x, {1, 5, 2}, &s), (std::vector<double>{5, 9, 5, 7, 8, 8}));
    EXPECT_EQ(s, (Shape{1, 3, 2}));
    EXPECT_EQ((MaxPool1D<3, 2>{}.output_shape(Shape{4, 8, 3})), (Shape{4, 3, 3}));
}

TEST(MaxPool1D, TiesGoToTheFirstMaximumAndNaNWins) {
    // Feature 0 ties at steps 0 and 1: the gradient goes to step 0 only, as torch.
    const auto g = input_gradient(MaxPool1D<2>{}, {4, 1, 4, 2}, {1, 2, 2});
    EXPECT_EQ(g, (std::vector<double>{1, 0, 0, 1}));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto y = run(MaxPool1D<3>{}, {1, nan, 2}, {1, 3, 1});
    EXPECT_TRUE(std::isnan(y[0]));
}

TEST(AvgPool1D, HandComputedValuesAndGradient) {
    const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7};  // B = 1, T = 7, F = 1
    EXPECT_EQ(run(AvgPool1D<3, 2>{}, x, {1, 7, 1}), (std::vector<double>{2, 4, 6}));
    // Each output spreads 1/3 over its window; step 2 and 4 are in two windows.
    const auto g = input_gradient(AvgPool1D<3, 2>{}, x, {1, 7, 1});
    const double third = 1.0 / 3.0;
    const std::vector<double> expected = {third, third, 2 * third, third, 2 * third, third, third};
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], expected[i], 1e-15) << i;
}

TEST(GlobalPooling, MeanMaxAndLastStep) {
    // B = 2, T = 3, F = 2.
    const std::vector<double> x = {1, 6, 2, 5, 3, 4, /* b = 1 */ -1, 0, -3, 2, -2, 1};
    Shape s;
    EXPECT_EQ(run(GlobalMeanPool{}, x, {2, 3, 2}, &s), (std::vector<double>{2, 5, -2, 1}));
    EXPECT_EQ(s, (Shape{2, 2}));
    EXPECT_EQ(run(GlobalMaxPool{}, x, {2, 3, 2}, &s), (std::vector<double>{3, 6, -1, 2}));
    EXPECT_EQ(s, (Shape{2, 2}));
    EXPECT_EQ(run(LastStep{}, x, {2, 3, 2}, &s), (std::vector<double>{3, 4, -2, 1}));
    EXPECT_EQ(s, (Shape{2, 2}));
    const auto g = input_gradient(LastStep{}, x, {2, 3, 2});
    EXPECT_EQ(g, (std::vector<double>{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1}));
}

TEST(Pooling, GradientChecks) {
    auto check = [](const auto& layer, Shape in) {
        auto r = canary::testing::check_layer(layer, in);
        EXPECT_TRUE(r.ok()) << layer.name() << " on " << in.str() << ": " << r.str();
    };
    check(MaxPool1D<2>{}, Shape{2, 7, 3});  // odd T: the last step is dropped
    check(MaxPool1D<3, 1>{}, Shape{2, 6, 3});
    check(MaxPool1D<3, 2>{}, Shape{3, 9, 2});
    check(AvgPool1D<2>{}, Shape{2, 7, 3});
    check(AvgPool1D<3, 2>{}, Shape{2, 9, 3});
    check(AvgPool1D<2, 1>{}, Shape{1, 5, 4});
    check(GlobalMeanPool{}, Shape{3, 5, 4});
    check(GlobalMaxPool{}, Shape{3, 5, 4});
    check(LastStep{}, Shape{3, 5, 4});
    check(LastStep{}, Shape{1, 1, 4});
}

TEST(Pooling, ShortOrFlatInputsThrowNamingTheLayer) {
    Tape<float> t(false);
    std::vector<float> x(64, 0.0f);
    auto message = [&](const auto& layer, Shape s) -> std::string {
        Model<std::decay_t<decltype(layer)>, float> m(0, layer);
        try {
            m.forward(t, t.input(x.data(), s));
        } catch (const shape_error& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_NE(message(MaxPool1D<3>{}, {2, 2, 4}).find("MaxPool1D<3, 3>"), std::string::npos);
    EXPECT_NE(message(AvgPool1D<4, 2>{}, {2, 3, 4}).find("AvgPool1D<4, 2>"), std::string::npos);
    EXPECT_NE(message(MaxPool1D<2>{}, {8, 4}).find("(batch, time, features)"), std::string::npos);
    EXPECT_NE(message(GlobalMeanPool{}, {2, 0, 4}).find("GlobalMeanPool"), std::string::npos);
    EXPECT_NE(message(GlobalMaxPool{}, {8, 0, 4}).find("GlobalMaxPool"), std::string::npos);
    EXPECT_NE(message(LastStep{}, {2, 0, 4}).find("LastStep"), std::string::npos);
}

TEST(Pooling, ComposesAfterConvInASequential) {
    using Net = Sequential<Conv1D<3, 4, 3>, ReLU, MaxPool1D<2>, GlobalMeanPool, Dense<4, 1>>;
    Model<Net, double> m(3, Net(Conv1D<3, 4, 3>{Padding{1}}, ReLU{}, MaxPool1D<2>{}, GlobalMeanPool{}, Dense<4, 1>{}));
    EXPECT_EQ(m.net().output_shape(Shape{5, 9, 3}), (Shape{5, 1}));
    auto r = canary::testing::check_layer(m.net(), Shape{2, 9, 3});
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(Dropout, WorksElementWiseOnSequences) {
    // (B, T, F) = (4, 25, 10): the shape is kept, ~p of the elements are zeroed, survivors scaled.
    Model<Dropout, float> m(0, Dropout(0.5));
    std::vector<float> ones(1000, 1.0f);
    Tape<float> train(true, 7), infer(false);
    auto y = m.forward(train, train.input(ones.data(), {4, 25, 10}));
    EXPECT_EQ(y.shape, (Shape{4, 25, 10}));
    int zeros = 0;
    for (canary::index i = 0; i < 1000; ++i) {
        if (y.val[i] == 0.0f) ++zeros;
        else ASSERT_FLOAT_EQ(y.val[i], 2.0f);
    }
    EXPECT_NEAR(zeros / 1000.0, 0.5, 0.06);
    auto yi = m.forward(infer, infer.input(ones.data(), {4, 25, 10}));
    EXPECT_EQ(yi.shape, (Shape{4, 25, 10}));
    for (canary::index i = 0; i < 1000; ++i) ASSERT_EQ(yi.val[i], 1.0f);
    auto r = canary::testing::check_layer(Dropout(0.3), Shape{2, 5, 3});
    EXPECT_TRUE(r.ok()) << r.str();
}

// Conv1D: hand-computed values in every padding mode, torch's weight layout, gradient checks
// (padding modes, stride, dilation, odd T), shape errors and steady-state allocation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "canary/canary.hpp"

using namespace canary;

namespace {
// Runs a single-channel Conv1D<1, 1, 2> with weight (w0, w1), bias 0.5 on x = 1, 2, 3.
template <class Conv>
std::vector<double> run_small(const Conv& conv) {
    Model<Conv, double> m(0, conv);
    m.parameters()[0] = 1.0;  // weight[0, 0, 0]: tap on the earlier step
    m.parameters()[1] = 2.0;  // weight[0, 0, 1]: tap on the later step
    m.parameters()[2] = 0.5;  // bias
    Tape<double> t(false);
    const double x[] = {1, 2, 3};
    auto y = m.forward(t, t.input(x, {1, 3, 1}));
    return std::vector<double>(y.val, y.val + y.numel());
}

std::string message_of(auto&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST(Conv1D, HandComputedValuesInEveryPaddingMode) {
    using C = Conv1D<1, 1, 2>;
    EXPECT_EQ(run_small(C{}), (std::vector<double>{5.5, 8.5}));                      // valid
    EXPECT_EQ(run_small(C{Padding{1}}), (std::vector<double>{2.5, 5.5, 8.5, 3.5}));  // zeros both sides
    // same, even kernel: total pad 1, left 0, the extra one on the right (torch).
    EXPECT_EQ(run_small(C{Padding::same()}), (std::vector<double>{5.5, 8.5, 3.5}));
    // causal: the pad is on the left, y_t sees x_{t-1}, x_t.
    EXPECT_EQ(run_small(C{Padding::causal()}), (std::vector<double>{2.5, 5.5, 8.5}));
    // dilation 2, causal: y_t = 1*x_{t-2} + 2*x_t + 0.5.
    EXPECT_EQ(run_small(Conv1D<1, 1, 2, 1, 2>{Padding::causal()}), (std::vector<double>{2.5, 4.5, 7.5}));
    // stride 2 with padding 1: windows (0, x0), (x1, x2).
    EXPECT_EQ(run_small(Conv1D<1, 1, 2, 2>{Padding{1}}), (std::vector<double>{2.5, 8.5}));
}

TEST(Conv1D, UsesTorchWeightLayoutOutInKernel) {
    Model<Conv1D<2, 1, 2>, double> m(0);
    // weight (1, 2, 2) [o][i][k]; bias 0.
    const double w[] = {1, 0, 0, 100, 0};
    std::copy(w, w + 5, m.parameters());
    EXPECT_EQ(m.named_parameters()[0].name, "weight");
    EXPECT_EQ(m.named_parameters()[0].shape, (Shape{1, 2, 2}));
    EXPECT_EQ(m.named_parameters()[1].name, "bias");
    Tape<double> t(false);
    const double x[] = {1, 2, 3, 4};  // x[t=0] = (1, 2), x[t=1] = (3, 4)
    auto y = m.forward(t, t.input(x, {1, 2, 2}));
    ASSERT_EQ(y.shape, (Shape{1, 1, 1}));
    // w[0,0,0] x[0][0] + w[0,1,1] x[1][1] = 1 + 400.
    EXPECT_DOUBLE_EQ(y.val[0], 401.0);
}

TEST(Conv1D, OutputLengthFollowsTorchFormula) {
    // floor((T + padL + padR - dilation*(K-1) - 1) / stride) + 1
    EXPECT_EQ((Conv1D<1, 1, 3>{}.output_length(10)), 8);
    EXPECT_EQ((Conv1D<1, 1, 3>{Padding{1}}.output_length(10)), 10);
    EXPECT_EQ((Conv1D<1, 1, 3, 2>{Padding{1}}.output_length(10)), 5);
    EXPECT_EQ((Conv1D<1, 1, 3, 2>{Padding{1}}.output_length(9)), 5);
    EXPECT_EQ((Conv1D<1, 1, 3, 2, 2>{Padding{1}}.output_length(7)), 3);
    EXPECT_EQ((Conv1D<1, 1, 4, 1, 3>{Padding::same()}.output_length(7)), 7);
    EXPECT_EQ((Conv1D<1, 1, 5, 3, 2>{Padding::causal()}.output_length(7)), 3);
    EXPECT_EQ((Conv1D<4, 6, 3>{Padding{1}}.output_shape(Shape{2, 9, 4})), (Shape{2, 9, 6}));
}

TEST(Conv1D, GradientChecksForEveryPaddingModeStrideAndDilation) {
    auto check = [](const auto& conv, Shape in) {
        auto r = canary::testing::check_layer(conv, in);
        EXPECT_TRUE(r.ok()) << conv.name() << " on " << in.str() << ": " << r.str();
    };
    check(Conv1D<3, 4, 3>{}, Shape{2, 7, 3});
    check(Conv1D<3, 4, 3>{Padding{1}}, Shape{2, 7, 3});
    check(Conv1D<3, 4, 3>{Padding{2}}, Shape{1, 4, 3});
    check(Conv1D<3, 4, 3>{Padding::same()}, Shape{2, 5, 3});
    check(Conv1D<3, 4, 4>{Padding::same()}, Shape{2, 7, 3});  // even kernel: asymmetric pad
    check(Conv1D<3, 4, 4, 1, 2>{Padding::same()}, Shape{2, 9, 3});
    check(Conv1D<3, 4, 3>{Padding::causal()}, Shape{3, 5, 3});
    check(Conv1D<3, 4, 2, 1, 3>{Padding::causal()}, Shape{2, 7, 3});
    check(Conv1D<3, 4, 3, 2>{}, Shape{2, 9, 3});
    check(Conv1D<3, 4, 3, 2>{Padding{1}}, Shape{2, 8, 3});
    check(Conv1D<3, 4, 3, 1, 2>{}, Shape{2, 7, 3});
    check(Conv1D<3, 4, 3, 2, 2>{Padding{1}}, Shape{2, 7, 3});
    check(Conv1D<3, 4, 3, 2>{Padding::causal()}, Shape{2, 7, 3});
    check(Conv1D<2, 3, 1>{}, Shape{2, 3, 2});
}

TEST(Conv1D, ShapeAndConfigurationErrorsNameTheLayer) {
    Model<Conv1D<4, 2, 3>, float> m;
    Tape<float> t(false);
    std::vector<float> x(64, 0.0f);
    const std::string short_input = message_of([&] { m.forward(t, t.input(x.data(), {1, 2, 4})); });
    EXPECT_NE(short_input.find("Conv1D<4, 2, 3>"), std::string::npos) << short_input;
    EXPECT_NE(short_input.find("receptive field"), std::string::npos) << short_input;
    const std::string wrong_width = message_of([&] { m.forward(t, t.input(x.data(), {1, 5, 3})); });
    EXPECT_NE(wrong_width.find("Conv1D<4, 2, 3>"), std::string::npos) << wrong_width;
    EXPECT_THROW(m.forward(t, t.input(x.data(), {5, 4})), shape_error);  // no time axis
    const std::string same_strided = message_of([] { Conv1D<4, 2, 3, 2>{Padding::same()}; });
    EXPECT_NE(same_strided.find("stride 1"), std::string::npos) << same_strided;
    EXPECT_THROW(Padding{-1}, config_error);
}

TEST(Conv1D, InitialisationFollowsTorchBound) {
    Model<Conv1D<4, 8, 4>, float> m(5);
    const float bound = 1.0f / 4.0f;  // 1/sqrt(In*K) = 1/sqrt(16)
    float max_abs = 0;
    for (canary::index i = 0; i < m.param_count; ++i) max_abs = std::max(max_abs, std::abs(m.parameters()[i]));
    EXPECT_LE(max_abs, bound);
    EXPECT_GT(max_abs, 0.8f * bound);
}

TEST(Conv1D, SteadyStateTrainingStepAllocatesNothing) {
    Model<Sequential<Conv1D<3, 5, 3, 2, 2>, ReLU, Conv1D<5, 2, 2>>, float> m(1,
        Sequential<Conv1D<3, 5, 3, 2, 2>, ReLU, Conv1D<5, 2, 2>>(Conv1D<3, 5, 3, 2, 2>{Padding{1}}, ReLU{},
                                                                 Conv1D<5, 2, 2>{Padding::causal()}));
    std::vector<float> x(4 * 11 * 3, 0.25f);
    Tape<float> tape(true);
    std::size_t after_second = 0;
    for (int step = 0; step < 4; ++step) {
        tape.reset();
        auto y = m.forward(tape, tape.input(x.data(), {4, 11, 3}, true));
        tape.backward(sum(tape, y));
        if (step == 1) after_second = tape.system_allocations();
    }
    EXPECT_EQ(tape.system_allocations(), after_second);
}

// Element-wise expressions: values against direct formulas, adjoints against finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "canary/autodiff.hpp"
#include "canary/testing/gradient_check.hpp"

using namespace canary;
using canary::testing::Probe;

namespace {
std::vector<double> random_values(canary::index n, std::uint64_t seed, double lo = -2.0, double hi = 2.0) {
    Rng r(seed);
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = r.uniform(lo, hi);
    return v;
}

// Gradient-checks f(a, b) for a (3, 5) a and a b of the given shape.
template <class F>
canary::testing::GradCheckReport check_binary(F f, Shape b_shape, double lo = -2.0, double hi = 2.0) {
    Shape a_shape{3, 5};
    auto a = random_values(a_shape.numel(), 1, lo, hi), ga = a;
    auto b = random_values(b_shape.numel(), 2, lo, hi), gb = b;
    std::vector<Probe> probes{{"a", a.data(), ga.data(), a_shape.numel()}, {"b", b.data(), gb.data(), b_shape.numel()}};
    return canary::testing::check_gradients(
        [&](Tape<double>& t) {
            Var<double> A{a.data(), ga.data(), a_shape, a_shape.cols()};
            Var<double> B{b.data(), gb.data(), b_shape, b_shape.cols()};
            return eval(t, f(A, B));
        },
        std::span<Probe>(probes));
}
}  // namespace

TEST(Expr, ValuesMatchScalarFormulas) {
    Tape<double> t(false);
    double a[] = {-1.5, -0.2, 0.0, 0.3, 2.5, 7.0};
    Var<double> A = t.input(a, Shape{2, 3});
    Var<double> y = eval(t, tanh(A) * sigmoid(A) + exp(A * 0.5) - relu(A) / 4.0 + gelu(A) + softplus(A));
    for (int i = 0; i < 6; ++i) {
        const double x = a[i];
        const double ref = std::tanh(x) / (1 + std::exp(-x)) + std::exp(0.5 * x) - std::max(x, 0.0) / 4 +
                           0.5 * x * (1 + std::erf(x / std::sqrt(2.0))) + std::log1p(std::exp(x));
        EXPECT_NEAR(y.val[i], ref, 1e-13) << "element " << i;
    }
    EXPECT_EQ(y.shape, (Shape{2, 3}));
}

TEST(Expr, EveryUnaryOperationHasCorrectAdjoint) {
    EXPECT_TRUE(check_binary([](auto a, auto) { return tanh(a); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return sigmoid(a); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return exp(a); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return gelu(a); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return softplus(a); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return square(a); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return -a; }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return leaky_relu(a, 0.1); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return relu(a); }, Shape{3, 5}).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return abs(a); }, Shape{3, 5}).ok());
    // log and sqrt need positive inputs
    EXPECT_TRUE(check_binary([](auto a, auto) { return log(a); }, Shape{3, 5}, 0.5, 3.0).ok());
    EXPECT_TRUE(check_binary([](auto a, auto) { return sqrt(a); }, Shape{3, 5}, 0.5, 3.0).ok());
}

TEST(Expr, BinaryOperationsAndScalarsHaveCorrectAdjoints) {
    auto r1 = check_binary([](auto a, auto b) { return a * b + a - b; }, Shape{3, 5});
    EXPECT_TRUE(r1.ok()) << r1.str();
    auto r2 = check_binary([](auto a, auto b) { return a / b; }, Shape{3, 5}, 0.5, 2.0);
    EXPECT_TRUE(r2.ok()) << r2.str();
    auto r3 = check_binary([](auto a, auto b) { return 2.0 * a - b * 3.0 + 1.0 - a / 4.0; }, Shape{3, 5});
    EXPECT_TRUE(r3.ok()) << r3.str();
}

TEST(Expr, LstmCellExpressionHasCorrectAdjoint) {
    auto r = check_binary([](auto a, auto b) { return sigmoid(a) * b + sigmoid(b) * tanh(a * b); }, Shape{3, 5});
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(Expr, RowBroadcastAccumulatesOverRows) {
    auto r = check_binary([](auto a, auto b) { return tanh(a + b) * b; }, Shape{1, 5});
    EXPECT_TRUE(r.ok()) << r.str();
    EXPECT_EQ(r.checked, 15 + 5);
}

TEST(Expr, PerRowBroadcastAccumulatesOverColumns) {
    auto r = check_binary([](auto a, auto b) { return a * per_row(b) + sigmoid(per_row(b)); }, Shape{3, 1});
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(Expr, StridedViewsReceiveTheirGradients) {
    // A column block of a wider matrix: gradient lands in the right columns only.
    Tape<double> t;
    double raw[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    Var<double> m = t.input(raw, Shape{3, 4}, true);
    Var<double> block = m.col_block(1, 2);
    Var<double> y = eval(t, square(block));
    t.backward(sum(t, y));
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) {
            const double expected = (c == 1 || c == 2) ? 2 * raw[r * 4 + c] : 0.0;
            EXPECT_DOUBLE_EQ(m.grad(r, c), expected);
        }
}

TEST(Expr, MismatchedOperandsThrowShapeError) {
    Tape<double> t;
    double a[6] = {}, b[8] = {};
    Var<double> A = t.input(a, Shape{2, 3});
    Var<double> B = t.input(b, Shape{2, 4});
    EXPECT_THROW(eval(t, A + B), shape_error);
    Var<double> col = t.input(a, Shape{2, 1});
    try {
        eval(t, A * col);
        FAIL() << "a (2, 1) operand must not broadcast silently";
    } catch (const shape_error& e) {
        EXPECT_NE(std::string(e.what()).find("per_row"), std::string::npos) << e.what();
    }
}

TEST(Expr, InferenceTapeRecordsNothing) {
    Tape<float> t(false);
    float a[4] = {1, 2, 3, 4};
    Var<float> A = t.input(a, Shape{2, 2}, true);
    Var<float> y = eval(t, tanh(A));
    EXPECT_EQ(t.node_count(), 0u);
    EXPECT_FALSE(A.requires_grad());  // no adjoint buffer in inference mode
    EXPECT_FALSE(y.requires_grad());
}

TEST(Math, FastExpAndTanhAreAccurate) {
    double worst_exp = 0, worst_tanh = 0;
    for (double x = -80; x < 80; x += 0.01) {
        worst_exp = std::max(worst_exp, std::abs(math::exp(x) - std::exp(x)) / std::exp(x));
        worst_tanh = std::max(worst_tanh, std::abs(math::tanh(x) - std::tanh(x)));
    }
    EXPECT_LT(worst_exp, 1e-15);
    EXPECT_LT(worst_tanh, 1e-15);
    float worst_f = 0;
    for (float x = -80; x < 80; x += 0.01f) {
        const double ref = std::exp(static_cast<double>(x));
        worst_f = std::max(worst_f, static_cast<float>(std::abs(math::exp(x) - ref) / ref));
    }
    EXPECT_LT(worst_f, 3e-7f);
    EXPECT_EQ(math::sigmoid(1000.0f), 1.0f);
    EXPECT_GE(math::sigmoid(-1000.0f), 0.0f);
    EXPECT_EQ(math::tanh(-500.0), -1.0);
}

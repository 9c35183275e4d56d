// Primitive operations: values on small hand-checked cases, adjoints by finite differences.
#include <gtest/gtest.h>

#include "canary/autodiff.hpp"
#include "canary/testing/gradient_check.hpp"

using namespace canary;
using canary::testing::Probe;

namespace {
struct Tensor {
    Shape shape;
    std::vector<double> value, grad;
    Tensor(Shape s, std::uint64_t seed) : shape(s), value(static_cast<std::size_t>(s.numel())), grad(value.size()) {
        Rng r(seed);
        for (auto& v : value) v = r.uniform(-1.5, 1.5);
    }
    Var<double> var() { return Var<double>{value.data(), grad.data(), shape, shape.cols()}; }
    Probe probe(std::string name) { return Probe{std::move(name), value.data(), grad.data(), shape.numel()}; }
};

template <class F>
canary::testing::GradCheckReport check(std::vector<Tensor*> tensors, F f) {
    std::vector<Probe> probes;
    for (std::size_t i = 0; i < tensors.size(); ++i) probes.push_back(tensors[i]->probe("t" + std::to_string(i)));
    return canary::testing::check_gradients([&](Tape<double>& t) { return f(t); }, std::span<Probe>(probes));
}
}  // namespace

TEST(Ops, MatmulValues) {
    Tape<double> t(false);
    double a[] = {1, 2, 3, 4, 5, 6};      // (2, 3)
    double b[] = {1, 0, 0, 1, 1, 1};      // (3, 2)
    auto c = matmul(t, t.input(a, {2, 3}), t.input(b, {3, 2}));
    EXPECT_EQ(c.shape, (Shape{2, 2}));
    EXPECT_DOUBLE_EQ(c(0, 0), 4);
    EXPECT_DOUBLE_EQ(c(0, 1), 5);
    EXPECT_DOUBLE_EQ(c(1, 0), 10);
    EXPECT_DOUBLE_EQ(c(1, 1), 11);
    auto ct = matmul(t, t.input(a, {2, 3}), t.input(a, {2, 3}), false, true);  // A A^T
    EXPECT_DOUBLE_EQ(ct(0, 1), 32);
    EXPECT_THROW(matmul(t, t.input(a, {2, 3}), t.input(a, {2, 3})), shape_error);
}

TEST(Ops, MatmulAdjointsForEveryTransposeCombination) {
    for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb) {
            Tensor a(ta ? Shape{4, 3} : Shape{3, 4}, 1), b(tb ? Shape{5, 4} : Shape{4, 5}, 2);
            auto r = check({&a, &b}, [&](Tape<double>& t) { return matmul(t, a.var(), b.var(), ta, tb); });
            EXPECT_TRUE(r.ok()) << "trans_a=" << ta << " trans_b=" << tb << ": " << r.str();
        }
}

TEST(Ops, LinearAdjointsWithAndWithoutBias) {
    Tensor x(Shape{2, 3, 4}, 1), w(Shape{5, 4}, 2), b(Shape{5}, 3);
    auto r = check({&x, &w, &b}, [&](Tape<double>& t) { return linear(t, x.var(), w.var(), b.var()); });
    EXPECT_TRUE(r.ok()) << r.str();
    auto r2 = check({&x, &w}, [&](Tape<double>& t) { return linear(t, x.var(), w.var(), Var<double>{}); });
    EXPECT_TRUE(r2.ok()) << r2.str();
    Tape<double> t;
    EXPECT_EQ(linear(t, x.var(), w.var(), b.var()).shape, (Shape{2, 3, 5}));
}

TEST(Ops, ReductionsValuesAndAdjoints) {
    Tensor x(Shape{3, 4}, 5);
    Tape<double> t(false);
    double total = 0;
    for (double v : x.value) total += v;
    EXPECT_NEAR(sum(t, x.var()).val[0], total, 1e-12);
    EXPECT_NEAR(mean(t, x.var()).val[0], total / 12, 1e-12);
    auto rows = sum_rows(t, x.var());
    EXPECT_EQ(rows.shape, (Shape{1, 4}));
    EXPECT_NEAR(rows.val[2], x.value[2] + x.value[6] + x.value[10], 1e-12);
    auto cols = sum_cols(t, x.var());
    EXPECT_EQ(cols.shape, (Shape{3, 1}));
    EXPECT_NEAR(cols.val[1], x.value[4] + x.value[5] + x.value[6] + x.value[7], 1e-12);

    EXPECT_TRUE(check({&x}, [&](Tape<double>& t) { return sum(t, eval(t, square(x.var()))); }).ok());
    EXPECT_TRUE(check({&x}, [&](Tape<double>& t) { return mean(t, eval(t, tanh(x.var()))); }).ok());
    EXPECT_TRUE(check({&x}, [&](Tape<double>& t) { return sum_rows(t, eval(t, tanh(x.var()))); }).ok());
    EXPECT_TRUE(check({&x}, [&](Tape<double>& t) { return sum_cols(t, eval(t, tanh(x.var()))); }).ok());
}

TEST(Ops, ConcatAndSplitRoundTrip) {
    Tensor a(Shape{3, 2}, 1), b(Shape{3, 4}, 2);
    Tape<double> t;
    auto y = concat_cols(t, a.var(), b.var());
    EXPECT_EQ(y.shape, (Shape{3, 6}));
    EXPECT_DOUBLE_EQ(y(1, 1), a.value[3]);
    EXPECT_DOUBLE_EQ(y(2, 5), b.value[11]);
    auto r = check({&a, &b}, [&](Tape<double>& t) {
        auto c = concat_cols(t, a.var(), b.var());
        // split again by views and recombine differently: exercises view adjoints too
        return eval(t, tanh(c.col_block(0, 3)) * c.col_block(3, 3));
    });
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(Ops, TimeSlicingIsAViewWithAdjoints) {
    Tensor x(Shape{2, 5, 3}, 9);  // (batch, time, features)
    Tape<double> t(false);
    auto step = x.var().time_step(3);
    EXPECT_EQ(step.shape, (Shape{2, 3}));
    EXPECT_DOUBLE_EQ(step(1, 2), x.value[1 * 15 + 3 * 3 + 2]);
    auto r = check({&x}, [&](Tape<double>& t) {
        auto s1 = x.var().time_step(1), s4 = x.var().time_step(4);
        return copy(t, eval(t, s1 * s4 + sigmoid(s1)));
    });
    EXPECT_TRUE(r.ok()) << r.str();
    EXPECT_THROW(x.var().time_step(5), shape_error);
}

TEST(Ops, SoftmaxRowsSumToOneAndAdjointIsCorrect) {
    Tensor x(Shape{4, 6}, 3);
    Tape<double> t(false);
    auto y = softmax(t, x.var());
    for (canary::index r = 0; r < 4; ++r) {
        double s = 0;
        for (canary::index c = 0; c < 6; ++c) s += y(r, c);
        EXPECT_NEAR(s, 1.0, 1e-14);
    }
    auto rep = check({&x}, [&](Tape<double>& t) { return softmax(t, x.var()); });
    EXPECT_TRUE(rep.ok()) << rep.str();
}

TEST(Ops, BackwardTwiceWithoutResetIsAnError) {
    Tape<double> t;
    double a[2] = {1, 2};
    auto A = t.input(a, {2}, true);
    auto s = sum(t, eval(t, A * A));
    t.backward(s);
    EXPECT_DOUBLE_EQ(A.adj[1], 4.0);
    EXPECT_THROW(t.backward(s), error);
}

// The kernel bodies a device backend launches (canary/backend/kernels.hpp and the expression
// bodies of canary/autodiff/expr.hpp), run on the host, against the CPU operations. Runs in every
// build, with or without CUDA: it is the CPU-side proof that the code the GPU executes computes the
// CPU's results. Where the body keeps the CPU's order of operations the match is bitwise.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "canary/autodiff/ops.hpp"
#include "canary/backend/kernels.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"

using canary::Cpu;
using canary::Shape;
using canary::Tape;
using canary::Var;
using idx = canary::index;
namespace k = canary::kernels;

namespace {
std::vector<float> random_values(idx n, unsigned seed, float lo = -2.0f, float hi = 2.0f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = d(gen);
    return v;
}
Var<float> input(Tape<float>& t, idx rows, idx cols, unsigned seed, bool grad = true) {
    const auto v = random_values(rows * cols, seed);
    return t.input(v.data(), Shape{rows, cols}, grad);
}
/// A plain in-order loop: how a body whose iterations accumulate into shared memory (reductions
/// of broadcast adjoints) must run on the host; the device makes those accumulations atomic.
template <class F>
void run_in_order(idx n, const F& body) {
    for (idx i = 0; i < n; ++i) body(i);
}
void expect_same(const float* a, const float* b, idx n, const char* what) {
    for (idx i = 0; i < n; ++i) ASSERT_EQ(a[i], b[i]) << what << " at " << i;
}
}  // namespace

TEST(BackendKernels, ExpressionBodiesEqualAssignAndBackprop) {
    Tape<float> t;
    const idx R = 9, C = 13;
    auto a = input(t, R, C, 1), b = input(t, R, C, 2), bias = input(t, 1, C, 3), row = input(t, R, 1, 4);
    auto frozen = input(t, R, C, 5, false);
    const auto e = canary::expr::node(sigmoid(a) * tanh(b) + exp(bias * 0.5f) * canary::per_row(row) -
                                      relu(a - frozen) / (square(bias) + 1.0f) + gelu(b) * softplus(a));
    using E = std::remove_cvref_t<decltype(e)>;
    // forward: the CPU loop vs the body through Cpu::for_each_index
    Var<float> ref = t.make(Shape{R, C}, false), body = t.make(Shape{R, C}, false);
    canary::assign(ref, e);
    const auto r = e.resolved(R, nullptr);
    Cpu::for_each_index(R * C, canary::expr::AssignBody<std::remove_cvref_t<decltype(r)>, float>{r, body.val, body.ld, C});
    expect_same(ref.val, body.val, R * C, "assign");

    // backward: the CPU backprop loop vs the body, from the same zeroed adjoints
    const auto g = random_values(R * C, 6);
    std::vector<Var<float>> leaves{a, b, bias, row};
    auto snapshot = [&] {
        std::vector<float> s;
        for (auto& v : leaves) s.insert(s.end(), v.adj, v.adj + v.numel());
        return s;
    };
    auto zero = [&] {
        for (auto& v : leaves) std::fill(v.adj, v.adj + v.numel(), 0.0f);
    };
    std::vector<float> sink(static_cast<std::size_t>(C));
    zero();
    canary::backprop(e, g.data(), C, sink.data());
    const auto ref_grads = snapshot();
    zero();
    const auto rb = e.resolved(R, sink.data());
    run_in_order(R * C, canary::expr::BackpropBody<std::remove_cvref_t<decltype(rb)>, float>{rb, g.data(), C, C});
    const auto body_grads = snapshot();
    ASSERT_EQ(ref_grads.size(), body_grads.size());
    expect_same(ref_grads.data(), body_grads.data(), static_cast<idx>(ref_grads.size()), "backprop");
    static_assert(E::reduces, "the test expression has a per-row operand");
}

TEST(BackendKernels, ReductionBodiesEqualSumRowsAndSumCols) {
    Tape<float> t;
    const idx R = 11, C = 7;
    auto x = input(t, R, C, 10);
    auto s = canary::sum_rows(t, x);
    std::vector<float> cols(static_cast<std::size_t>(C), 0.0f);
    Cpu::for_each_index(C, k::ColumnSums<float>{x.val, x.ld, R, cols.data()});
    expect_same(s.val, cols.data(), C, "ColumnSums");
    auto rs = canary::sum_cols(t, x);
    std::vector<float> rows(static_cast<std::size_t>(R));
    Cpu::for_each_index(R, k::RowSums<float>{x.val, x.ld, C, rows.data(), 1});
    expect_same(rs.val, rows.data(), R, "RowSums");

    // adjoints: the backward pass of sum_rows then sum_cols vs AddRow then AddPerRow
    const auto gs = random_values(C, 11), gr = random_values(R, 12);
    auto both = canary::concat_cols(t, s.reshaped(Shape{1, C}), rs.reshaped(Shape{1, R}));
    std::vector<float> seed(gs);
    seed.insert(seed.end(), gr.begin(), gr.end());
    t.backward(both, seed.data());
    std::vector<float> got(static_cast<std::size_t>(R * C), 0.0f);
    Cpu::for_each_index(R * C, k::AddPerRow<float>{gr.data(), 1, got.data(), C, C});  // sum_cols' node runs first
    Cpu::for_each_index(R * C, k::AddRow<float>{gs.data(), got.data(), C, C});
    expect_same(x.adj, got.data(), R * C, "AddPerRow + AddRow");
}

TEST(BackendKernels, SoftmaxBodiesEqualSoftmax) {
    Tape<float> t;
    const idx R = 6, C = 17;
    auto x = input(t, R, C, 20);
    auto y = canary::softmax(t, x);
    std::vector<float> yb(static_cast<std::size_t>(R * C)), gx(static_cast<std::size_t>(R * C), 0.0f);
    Cpu::for_each_index(R, k::SoftmaxRows<float>{x.val, x.ld, yb.data(), C, C});
    expect_same(y.val, yb.data(), R * C, "SoftmaxRows");
    const auto gy = random_values(R * C, 21);
    t.backward(y, gy.data());
    Cpu::for_each_index(R, k::SoftmaxRowsBackward<float>{yb.data(), gy.data(), C, gx.data(), C, C});
    expect_same(x.adj, gx.data(), R * C, "SoftmaxRowsBackward");
}

TEST(BackendKernels, LinearAndConcatBodies) {
    Tape<float> t;
    const idx R = 5, In = 4, Out = 3;
    auto x = input(t, R, In, 30), w = input(t, Out, In, 31), b = input(t, 1, Out, 32);
    auto y = canary::linear(t, x, w, b.reshaped(Shape{Out}));
    std::vector<float> yb(static_cast<std::size_t>(R * Out));
    Cpu::for_each_index(R * Out, k::BroadcastRow<float>{b.val, yb.data(), Out, Out});
    Cpu::gemm<float>(false, true, R, Out, In, 1.0f, x.val, x.ld, w.val, w.ld, 1.0f, yb.data(), Out);
    expect_same(y.val, yb.data(), R * Out, "bias broadcast + gemm");
    const auto gy = random_values(R * Out, 33);
    t.backward(y, gy.data());
    std::vector<float> gb(static_cast<std::size_t>(Out), 0.0f);
    Cpu::for_each_index(Out, k::ColumnSums<float>{gy.data(), Out, R, gb.data()});
    expect_same(b.adj, gb.data(), Out, "bias gradient");

    Tape<float> t2;
    auto p = input(t2, 4, 3, 34), q = input(t2, 4, 2, 35);
    auto cat = canary::concat_cols(t2, p, q);
    std::vector<float> cb(20);
    Cpu::for_each_index(12, k::CopyMatrix<float>{p.val, p.ld, cb.data(), 5, 3, false});
    Cpu::for_each_index(8, k::CopyMatrix<float>{q.val, q.ld, cb.data() + 3, 5, 2, false});
    expect_same(cat.val, cb.data(), 20, "CopyMatrix");
}

TEST(BackendKernels, LossBodiesEqualBceAndMse) {
    Tape<float> t;
    const idx n = 40;
    auto x = input(t, n, 1, 40);
    auto yv = random_values(n, 41, 0.0f, 1.0f);
    for (auto& v : yv) v = v > 0.5f ? 1.0f : 0.0f;
    auto y = t.input(yv.data(), Shape{n, 1});
    for (int which = 0; which < 2; ++which) {
        std::fill(x.adj, x.adj + n, 0.0f);
        auto check = [&](auto f, Var<float> loss) {
            float acc = 0.0f;
            for (idx i = 0; i < n; ++i) acc += f.value(x.val[i], y.val[i]);
            EXPECT_EQ(loss.val[0], acc / static_cast<float>(n));
            t.backward(loss);
            std::vector<float> g(static_cast<std::size_t>(n), 0.0f);
            const float one = 1.0f;
            Cpu::for_each_index(n, k::ElementwiseLossBackward<float, decltype(f)>{f, x.val, 1, y.val, 1, g.data(), &one,
                                                                                 static_cast<float>(n), 1});
            expect_same(x.adj, g.data(), n, "loss gradient");
        };
        t.reset();
        x = input(t, n, 1, 40);
        y = t.input(yv.data(), Shape{n, 1});
        if (which == 0) check(k::BceWithLogits<float>{1.5f}, canary::bce_with_logits(t, x, y, 1.5f));
        else check(k::SquaredError<float>{}, canary::mse_loss(t, x, y));
    }
}

TEST(BackendKernels, AdamBodyEqualsAdamStep) {
    const idx n = 50;
    for (bool decoupled : {false, true}) {
        auto p = random_values(n, 50), g = random_values(n, 51);
        auto p2 = p;
        std::vector<float> m(static_cast<std::size_t>(n), 0.0f), v(m);
        canary::Adam<float> opt(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, decoupled);
        for (int step = 1; step <= 3; ++step) {
            opt.step(p.data(), g.data(), n);
            const float lr = 1e-2f, wd = 0.1f;
            const float bc1 = 1.0f - std::pow(0.9f, static_cast<float>(step));
            const float bc2 = 1.0f - std::pow(0.999f, static_cast<float>(step));
            Cpu::for_each_index(n, k::AdamUpdate<float>{p2.data(), g.data(), m.data(), v.data(), 0.9f, 0.999f, 1e-8f, lr / bc1,
                                                        std::sqrt(bc2), decoupled ? 1.0f - lr * wd : 1.0f,
                                                        decoupled ? 0.0f : wd});
            expect_same(p.data(), p2.data(), n, "Adam");
        }
    }
}

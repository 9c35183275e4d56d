// canary's threading policy (canary/backend/parallel.hpp): fixed parts, deterministic results.
// parallel_invoke itself, the split GEMM, and the attention's split over the batch (the RNN and
// GCN splits are tested with their layers).
#include <gtest/gtest.h>

#include <vector>

#include "canary/autodiff/attention_ops.hpp"
#include "canary/backend/cpu.hpp"
#include "canary/core/rng.hpp"

using idx = canary::index;

namespace {
std::vector<float> random_floats(idx n, std::uint64_t seed) {
    canary::Rng rng(seed);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
    return v;
}
struct ThreadsScope {
    explicit ThreadsScope(int n) { canary::set_num_threads(n); }
    ~ThreadsScope() { canary::set_num_threads(1); }
};
}  // namespace

TEST(Threading, ParallelInvokeRunsBothPartsAndRethrows) {
    ThreadsScope two(2);
    int a = 0, b = 0;
    canary::parallel_invoke([&] { a = 1; }, [&] { b = 2; });
    EXPECT_EQ(a + b, 3);
    EXPECT_THROW(canary::parallel_invoke([] {}, [] { throw canary::shape_error("second part failed"); }),
                 canary::shape_error);
    EXPECT_THROW(canary::parallel_invoke([] { throw canary::shape_error("first part failed"); }, [] {}),
                 canary::shape_error);
    // Still usable after a failure, and a part sees that it runs inside a parallel region.
    bool inside_first = false, inside_second = false;
    canary::parallel_invoke([&] { inside_first = canary::in_parallel_part(); },
                            [&] { inside_second = canary::in_parallel_part(); });
    EXPECT_TRUE(inside_first);
    EXPECT_TRUE(inside_second);
    EXPECT_FALSE(canary::in_parallel_part());
}

TEST(Threading, EveryPartRunsExactlyOnceWhoeverRunsIt) {
    // Tiny parts: the caller often finishes before the worker wakes and takes the second part
    // back; either way each part must run exactly once per call.
    ThreadsScope two(2);
    long first = 0, second = 0;
    for (int i = 0; i < 20000; ++i) canary::parallel_invoke([&] { ++first; }, [&] { ++second; });
    EXPECT_EQ(first, 20000);
    EXPECT_EQ(second, 20000);
}

TEST(Threading, OneThreadRunsPartsInOrderOnTheCaller) {
    ThreadsScope one(1);
    std::vector<int> order;
    canary::parallel_invoke([&] { order.push_back(1); }, [&] { order.push_back(2); });
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(Threading, SplitGemmIsDeterministicAndEqualsOneThreadToRounding) {
    // Every transpose combination, strided operands, beta 0 and 1, split by rows (m >= 64) and by
    // columns (few rows).
    struct Case {
        idx m, n, k;
    };
    for (const Case s : {Case{200, 96, 160}, Case{40, 640, 128}}) {
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb)
                for (float beta : {0.0f, 1.0f}) {
                    const idx lda = (ta ? s.m : s.k) + 3, ldb = (tb ? s.k : s.n) + 5, ldc = s.n + 2;
                    const auto a = random_floats((ta ? s.k : s.m) * lda, 1), b = random_floats((tb ? s.n : s.k) * ldb, 2);
                    const auto c0 = random_floats(s.m * ldc, 3);
                    auto run = [&](int threads) {
                        ThreadsScope scope(threads);
                        std::vector<float> c = c0;
                        canary::Cpu::gemm(ta, tb, s.m, s.n, s.k, 0.5f, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
                        return c;
                    };
                    const auto one = run(1), two = run(2), again = run(2);
                    EXPECT_EQ(two, again) << "m " << s.m << " ta " << ta << " tb " << tb;
                    for (idx i = 0; i < s.m; ++i)
                        for (idx j = 0; j < ldc; ++j) {
                            const std::size_t e = static_cast<std::size_t>(i * ldc + j);
                            if (j >= s.n) {
                                ASSERT_EQ(two[e], c0[e]) << "padding column written";
                                continue;
                            }
                            ASSERT_NEAR(two[e], one[e], 1e-4f) << i << "," << j;
                        }
                }
    }
}

TEST(Threading, AttentionSplitOverTheBatchIsBitwiseEqual) {
    const idx batch = 6, time = 40, heads = 4, D = 32;
    const auto qkv = random_floats(batch * time * 3 * D, 4);
    const auto seed = random_floats(batch * time * D, 5);
    std::vector<std::vector<float>> outs, grads;
    for (int threads : {1, 2}) {
        ThreadsScope scope(threads);
        canary::Tape<float> tape(true);
        auto q = tape.input(qkv.data(), canary::Shape{batch * time, 3 * D}, true);
        auto y = canary::multi_head_attention(tape, q, batch, time, heads, {.key_padding = nullptr, .causal = true});
        tape.backward(y, seed.data());
        outs.emplace_back(y.val, y.val + y.numel());
        grads.emplace_back(q.adj, q.adj + q.numel());
    }
    EXPECT_EQ(outs[0], outs[1]);
    EXPECT_EQ(grads[0], grads[1]);
}

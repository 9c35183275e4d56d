// Cpu::gemm: every transpose combination, strided operands, beta 0 / 1 / other, against a plain
// triple loop; products large enough for Eigen's heap-sized blocks (served from canary's per-thread
// workspace) give bitwise Eigen's own `C += alpha A B` and reuse the same blocks on every call.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

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
struct Problem {
    idx m, n, k;
    bool ta, tb;
    idx lda() const { return (ta ? m : k) + 3; }
    idx ldb() const { return (tb ? k : n) + 1; }
    idx ldc() const { return n + 2; }
    float at_a(const std::vector<float>& a, idx i, idx p) const { return ta ? a[p * lda() + i] : a[i * lda() + p]; }
    float at_b(const std::vector<float>& b, idx p, idx j) const { return tb ? b[j * ldb() + p] : b[p * ldb() + j]; }
};
}  // namespace

TEST(CpuGemm, AllTransposesStridesAndBetasMatchATripleLoop) {
    for (idx size : {5, 37, 300})
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb)
                for (float beta : {0.0f, 1.0f, -0.5f}) {
                    const Problem p{size, size / 2 + 3, size + 1, ta == 1, tb == 1};
                    const auto a = random_floats((ta ? p.k : p.m) * p.lda(), 1);
                    const auto b = random_floats((tb ? p.n : p.k) * p.ldb(), 2);
                    const auto c0 = random_floats(p.m * p.ldc(), 3);
                    std::vector<float> c = c0;
                    canary::Cpu::gemm(p.ta, p.tb, p.m, p.n, p.k, 0.75f, a.data(), p.lda(), b.data(), p.ldb(), beta, c.data(),
                                      p.ldc());
                    for (idx i = 0; i < p.m; ++i)
                        for (idx j = 0; j < p.ldc(); ++j) {
                            const std::size_t e = static_cast<std::size_t>(i * p.ldc() + j);
                            if (j >= p.n) {
                                ASSERT_EQ(c[e], c0[e]) << "wrote past the row";
                                continue;
                            }
                            double ref = 0;
                            for (idx q = 0; q < p.k; ++q) ref += double(p.at_a(a, i, q)) * double(p.at_b(b, q, j));
                            ref = 0.75 * ref + (beta == 0.0f ? 0.0 : double(beta) * c0[e]);
                            ASSERT_NEAR(c[e], ref, 2e-4 * (1.0 + std::abs(ref))) << size << " " << ta << tb << " beta " << beta;
                        }
                }
}

TEST(CpuGemm, HeapSizedProductsAreBitwiseEigensAndReuseTheWorkspace) {
    using Map = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, Eigen::Unaligned,
                           Eigen::OuterStride<>>;
    for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb) {
            const Problem p{512, 384, 448, ta == 1, tb == 1};  // blocks of ~1 MB on any cache size
            canary::detail::ReusedBlocking<float> blocking(p.m, p.n, p.k);
            ASSERT_TRUE(blocking.needs_heap()) << "the shape no longer exercises the workspace";
            auto a = random_floats((ta ? p.k : p.m) * p.lda(), 4);
            auto b = random_floats((tb ? p.n : p.k) * p.ldb(), 5);
            const auto c0 = random_floats(p.m * p.ldc(), 6);
            std::vector<float> mine = c0, eigens = c0;
            canary::Cpu::gemm(p.ta, p.tb, p.m, p.n, p.k, 0.5f, a.data(), p.lda(), b.data(), p.ldb(), 1.0f, mine.data(),
                              p.ldc());
            Map C(eigens.data(), p.m, p.n, Eigen::OuterStride<>(p.ldc()));
            const Map A(a.data(), ta ? p.k : p.m, ta ? p.m : p.k, Eigen::OuterStride<>(p.lda()));
            const Map B(b.data(), tb ? p.n : p.k, tb ? p.k : p.n, Eigen::OuterStride<>(p.ldb()));
            if (!ta && !tb) C.noalias() += 0.5f * A * B;
            else if (!ta && tb) C.noalias() += 0.5f * A * B.transpose();
            else if (ta && !tb) C.noalias() += 0.5f * A.transpose() * B;
            else C.noalias() += 0.5f * A.transpose() * B.transpose();
            EXPECT_EQ(mine, eigens) << "transposes " << ta << tb;

            // The packed blocks live in the thread's workspace: the same memory on every call.
            const auto& ws = canary::detail::gemm_workspace<float>();
            const float* block_a = ws.a;
            const float* block_b = ws.b;
            ASSERT_NE(block_a, nullptr);
            for (int rep = 0; rep < 3; ++rep)
                canary::Cpu::gemm(p.ta, p.tb, p.m, p.n, p.k, 0.5f, a.data(), p.lda(), b.data(), p.ldb(), 0.0f,
                                  mine.data(), p.ldc());
            EXPECT_EQ(ws.a, block_a);
            EXPECT_EQ(ws.b, block_b);
        }
}

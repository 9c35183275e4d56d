#include <gtest/gtest.h>

#include <cstdint>

#include "canary/core/arena.hpp"
#include "canary/core/rng.hpp"
#include "canary/core/shape.hpp"

using namespace canary;

TEST(Arena, AllocationsAreAlignedAndDistinct) {
    Arena<> arena;
    auto* a = arena.allocate_array<float>(3);
    auto* b = arena.allocate_array<double>(5);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % 64, 0u);
    EXPECT_NE(static_cast<void*>(a), static_cast<void*>(b));
    EXPECT_GE(arena.bytes_in_use(), 3 * sizeof(float) + 5 * sizeof(double));
}

TEST(Arena, RepeatedWorkloadStopsAllocatingAfterOneReset) {
    Arena<> arena;
    auto workload = [&] {
        for (int i = 0; i < 50; ++i) arena.allocate(10000);  // 500 kB over several growing blocks
    };
    workload();
    arena.reset();
    const auto after_first = arena.system_allocations();
    for (int step = 0; step < 5; ++step) {
        workload();
        arena.reset();
    }
    EXPECT_EQ(arena.system_allocations(), after_first);
    EXPECT_EQ(arena.bytes_in_use(), 0u);
}

TEST(Shape, RowsColsAndWidthChange) {
    Shape s{4, 7, 3};
    EXPECT_EQ(s.rank(), 3);
    EXPECT_EQ(s.numel(), 84);
    EXPECT_EQ(s.rows(), 28);
    EXPECT_EQ(s.cols(), 3);
    EXPECT_EQ(s.with_width(5), (Shape{4, 7, 5}));
    EXPECT_EQ(s.str(), "(4, 7, 3)");
    EXPECT_THROW((Shape{1, 2, 3, 4, 5}), shape_error);
}

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
    Rng a(7), b(7), c(8);
    for (int i = 0; i < 100; ++i) {
        const auto x = a.next_u64();
        EXPECT_EQ(x, b.next_u64());
        EXPECT_NE(x, c.next_u64());
    }
    Rng u(1);
    double mean = 0;
    for (int i = 0; i < 20000; ++i) {
        const double v = u.uniform();
        ASSERT_GE(v, 0.0);
        ASSERT_LT(v, 1.0);
        mean += v / 20000;
    }
    EXPECT_NEAR(mean, 0.5, 0.01);
}

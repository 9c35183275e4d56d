#pragma once
// Shared by the side-by-side programs: the same timing rule everywhere (warm-up, then the median
// of repeated runs) and the same deterministic inputs.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "canary/core/rng.hpp"
#include "canary/core/shape.hpp"

namespace canary::bench {

/// Median wall time in milliseconds of `reps` calls after `warmup` untimed calls.
inline double median_ms(const std::function<void()>& fn, int warmup, int reps) {
    for (int i = 0; i < warmup; ++i) fn();
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const auto a = std::chrono::steady_clock::now();
        fn();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

/// n values uniform in [-1.7, 1.7] (unit variance), reproducible from `seed`.
inline std::vector<float> random_inputs(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(rng.uniform(-1.7, 1.7));
    return v;
}

/// Raw adjacency of `graphs` graphs as LibTorch's make_adj: edge (i, j) with probability 0.2 in
/// either direction, symmetrised, weight 1; the self loops are added by the GCN normalisation.
inline std::vector<float> random_graphs(canary::index graphs, canary::index n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<float> a(static_cast<std::size_t>(graphs * n * n), 0.f);
    for (canary::index g = 0; g < graphs; ++g)
        for (canary::index i = 0; i < n; ++i)
            for (canary::index j = 0; j < n; ++j)
                if (i != j && rng.uniform() < 0.2) {
                    a[static_cast<std::size_t>((g * n + i) * n + j)] = 1.f;
                    a[static_cast<std::size_t>((g * n + j) * n + i)] = 1.f;
                }
    return a;
}

}  // namespace canary::bench

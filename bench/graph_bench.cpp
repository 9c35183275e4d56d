// Correlation-graph construction speed: 500 instruments x 100 days (the target is well under a
// second for the whole build), per edge rule, plus the per-day statistics and the normalised
// adjacency of a batch. Synthetic one-factor returns so that graphs have realistic density.
//   build: link canary::canary and benchmark::benchmark_main.
#include <benchmark/benchmark.h>

#include <cmath>

#include "canary/core/rng.hpp"
#include "canary/graph.hpp"

namespace {

canary::data::price_panel synthetic_panel(std::size_t days, std::size_t n) {
    canary::data::price_panel p;
    canary::Rng rng(42);
    p.prices = xt::xtensor<double, 2>::from_shape({days, n});
    for (std::size_t i = 0; i < n; ++i) p.instruments.push_back("I" + std::to_string(i));
    for (std::size_t t = 0; t < days; ++t) {
        p.dates.push_back("d" + std::to_string(t));  // dates are labels here; nothing parses them
        const double market = 0.01 * rng.normal();
        for (std::size_t i = 0; i < n; ++i)
            p.prices(t, i) = t == 0 ? 100.0 : p.prices(t - 1, i) * std::exp(market + 0.01 * rng.normal());
    }
    return p;
}

// range(0): instruments; range(1): graph days (the panel has window more days for warm-up).
void build(benchmark::State& state, canary::graph::edge_rule rule) {
    const auto n = static_cast<std::size_t>(state.range(0)), days = static_cast<std::size_t>(state.range(1));
    canary::graph::correlation_graph_options opt;
    opt.rule = rule;
    const auto panel = synthetic_panel(days + opt.window, n);
    std::size_t edges = 0;
    for (auto _ : state) {
        const auto seq = canary::graph::build_correlation_graphs(panel, opt);
        edges = 0;
        for (std::size_t k = 0; k < seq.size(); ++k) edges += seq[k].layers[0].edge_count();
        benchmark::DoNotOptimize(edges);
    }
    state.counters["edges_per_day"] = static_cast<double>(edges) / static_cast<double>(days);
    state.counters["graphs_per_s"] = benchmark::Counter(static_cast<double>(days), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_BuildThreshold(benchmark::State& s) { build(s, canary::graph::threshold_rule{0.5}); }
void BM_BuildTopK(benchmark::State& s) { build(s, canary::graph::top_k_rule{5}); }
void BM_BuildMst(benchmark::State& s) { build(s, canary::graph::mst_rule{}); }
BENCHMARK(BM_BuildThreshold)->Args({500, 100})->Args({44, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildTopK)->Args({500, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildMst)->Args({500, 100})->Unit(benchmark::kMillisecond);

// All per-day statistics (density, null density, clustering, components, MST length, eigen share).
void BM_DayStatistics(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto panel = synthetic_panel(20, n);
    const auto returns = canary::graph::log_return_matrix(panel);
    const auto c = canary::graph::window_correlation(returns, 10, 7);
    const canary::graph::edge_rule rule = canary::graph::threshold_rule{};
    const auto g = canary::graph::correlation_edges(c, rule);
    for (auto _ : state) benchmark::DoNotOptimize(canary::graph::statistics(c, g, rule, canary::graph::correlation_method::spearman));
}
BENCHMARK(BM_DayStatistics)->Arg(44)->Arg(500)->Unit(benchmark::kMillisecond);

// Normalised adjacency of a batch of 32 graphs, dense and CSR.
void BM_BatchAdjacency(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const bool dense = state.range(1) != 0;
    const auto seq = canary::graph::build_correlation_graphs(synthetic_panel(32 + 7, n));
    std::vector<std::size_t> positions(32);
    for (std::size_t b = 0; b < 32; ++b) positions[b] = b;
    for (auto _ : state) benchmark::DoNotOptimize(seq.adjacency<float>(positions, {0}, dense));
}
BENCHMARK(BM_BatchAdjacency)->Args({44, 1})->Args({44, 0})->Args({500, 0})->Unit(benchmark::kMillisecond);

}  // namespace

// The MST edge rule: dense Prim (graph::detail::mst_edges) against Boost.Graph's Kruskal
// (graph::detail::mst_edges_kruskal) and against a plain Kruskal that takes equal distances in (a, b)
// order (the documented tie rule), on random correlation matrices with distinct distances, with
// many ties, with constant (undefined) series, and on real rolling rank correlations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <vector>

#include "canary/core/rng.hpp"
#include "canary/graph.hpp"

using namespace canary;
using namespace canary::graph;

namespace {

// Symmetric rho with unit diagonal: continuous values in [-1, 1], or `levels` > 0 values only.
correlation_window random_rho(std::size_t n, std::uint64_t seed, int levels = 0, double undefined_share = 0.0) {
    Rng rng(seed);
    correlation_window c;
    c.window = 7;
    c.rho = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    c.defined.assign(n, 1);
    for (std::size_t i = 0; i < n; ++i)
        if (rng.uniform() < undefined_share) c.defined[i] = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            double r = rng.uniform(-1.0, 1.0);
            if (levels > 0) r = -1.0 + 2.0 * static_cast<double>(rng.below(static_cast<std::uint64_t>(levels + 1))) / levels;
            const auto a = static_cast<Eigen::Index>(i), b = static_cast<Eigen::Index>(j);
            c.rho(a, b) = c.rho(b, a) = r;
        }
    for (std::size_t i = 0; i < n; ++i)
        if (!c.defined[i]) {
            c.rho.row(static_cast<Eigen::Index>(i)).setZero();
            c.rho.col(static_cast<Eigen::Index>(i)).setZero();
        }
    return c;
}

std::vector<edge> sorted(std::vector<edge> e) {
    std::sort(e.begin(), e.end(), [](const edge& x, const edge& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    return e;
}

// Kruskal with equal distances visited in (a, b) order, union-find: the documented tie rule.
std::vector<edge> kruskal_by_pair(const correlation_window& c) {
    const auto n = static_cast<std::size_t>(c.rho.rows());
    std::vector<std::tuple<double, std::size_t, std::size_t>> all;
    for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = a + 1; b < n; ++b)
            if (c.defined[a] && c.defined[b])
                all.emplace_back(graph::detail::mantegna_distance(c.rho(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b))), a, b);
    std::sort(all.begin(), all.end());
    std::vector<std::size_t> parent(n);
    std::iota(parent.begin(), parent.end(), std::size_t{0});
    auto root = [&](std::size_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    std::vector<edge> out;
    for (const auto& [d, a, b] : all) {
        const std::size_t ra = root(a), rb = root(b);
        if (ra == rb) continue;
        parent[ra] = rb;
        out.push_back({a, b, std::abs(c.rho(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)))});
    }
    return sorted(out);
}

std::vector<double> sorted_distances(const correlation_window& c, const std::vector<edge>& e) {
    std::vector<double> d;
    for (const auto& x : e) d.push_back(graph::detail::mantegna_distance(c.rho(static_cast<Eigen::Index>(x.a), static_cast<Eigen::Index>(x.b))));
    std::sort(d.begin(), d.end());
    return d;
}

void expect_agreement(const correlation_window& c, bool distinct, const std::string& what) {
    double prim_length = -1.0, kruskal_length = -2.0;
    const auto prim = sorted(graph::detail::mst_edges(c, edge_weighting::absolute_correlation, &prim_length));
    const auto boost_tree = sorted(graph::detail::mst_edges_kruskal(c, edge_weighting::absolute_correlation, &kruskal_length));
    const std::size_t defined = c.defined_count();
    ASSERT_EQ(prim.size(), defined > 0 ? defined - 1 : 0) << what;
    for (const auto& e : prim) {
        EXPECT_LT(e.a, e.b) << what;
        EXPECT_TRUE(c.defined[e.a] && c.defined[e.b]) << what;  // constant series stay isolated
    }
    EXPECT_EQ(prim, kruskal_by_pair(c)) << what;  // the documented tie rule, exactly
    // Every minimum tree has the same sorted distances, so the lengths agree bitwise.
    EXPECT_EQ(sorted_distances(c, prim), sorted_distances(c, boost_tree)) << what;
    EXPECT_EQ(prim_length, kruskal_length) << what;
    if (distinct) {
        EXPECT_EQ(prim, boost_tree) << what;  // a unique tree: the same edges as Boost's
    }
}

}  // namespace

TEST(Mst, PrimEqualsBoostKruskalOnDistinctDistances) {
    for (std::size_t n : {2u, 3u, 5u, 17u, 60u, 201u})
        for (std::uint64_t seed = 1; seed <= 4; ++seed) expect_agreement(random_rho(n, 100 * n + seed), true, "n=" + std::to_string(n));
}

TEST(Mst, TiesFollowThePairOrderAndKeepKruskalsLength) {
    for (int levels : {1, 2, 4, 14})
        for (std::size_t n : {4u, 9u, 40u, 120u})
            for (std::uint64_t seed = 1; seed <= 3; ++seed)
                expect_agreement(random_rho(n, seed * 7 + n, levels), false,
                                 "levels=" + std::to_string(levels) + " n=" + std::to_string(n));
}

TEST(Mst, ConstantSeriesStayIsolated) {
    for (std::size_t n : {1u, 2u, 6u, 30u, 90u})
        for (double share : {0.2, 0.5, 0.95, 1.0})
            for (std::uint64_t seed = 1; seed <= 3; ++seed)
                expect_agreement(random_rho(n, seed + n, seed == 3 ? 4 : 0, share), seed != 3,
                                 "n=" + std::to_string(n) + " share=" + std::to_string(share));
    correlation_window none;
    none.rho.resize(0, 0);
    double length = -1.0;
    EXPECT_TRUE(graph::detail::mst_edges(none, edge_weighting::unit, &length).empty());
    EXPECT_EQ(length, 0.0);
}

TEST(Mst, RollingRankCorrelationsWithConstantSeries) {
    // 7-day Spearman windows take few values (many ties); series 3 is constant for a stretch.
    Rng rng(5);
    const std::size_t days = 40, n = 25;
    matrix r(static_cast<Eigen::Index>(days), static_cast<Eigen::Index>(n));
    for (std::size_t t = 0; t < days; ++t) {
        const double market = 0.01 * rng.normal();
        for (std::size_t i = 0; i < n; ++i)
            r(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(i)) =
                t == 0 ? std::nan("") : (i == 3 && t < 20 ? 0.0 : market + 0.01 * rng.normal());
    }
    for (auto method : {correlation_method::spearman, correlation_method::pearson})
        for (std::size_t day = 7; day < days; ++day) {
            const auto c = window_correlation(r, day, 7, method);
            expect_agreement(c, false, "day " + std::to_string(day));
        }
}

TEST(Mst, CorrelationEdgesUsePrim) {
    const auto c = random_rho(30, 11, 3, 0.1);
    EXPECT_EQ(correlation_edges(c, mst_rule{}).edges, kruskal_by_pair(c));
    double length = 0.0;
    graph::detail::mst_edges_kruskal(c, edge_weighting::unit, &length);
    EXPECT_EQ(mst_length(c), length);
}

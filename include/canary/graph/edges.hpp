#pragma once
// Edge rules that turn a correlation matrix into an undirected graph without self loops:
//   threshold  |rho_ij| >= tau (default 0.5, the paper's rule),
//   top-k      each node keeps its k strongest |rho| neighbours; the graph is the union,
//   MST        the minimum spanning tree (forest) of the distances d_ij = sqrt(2 (1 - rho_ij))
//              (Mantegna 1999), by a dense O(N^2) Prim; equal distances are taken in (i, j)
//              order (detail::mst_edges). Boost.Graph's Kruskal stays as the reference
//              (detail::mst_edges_kruskal): the same tree when distances are distinct.
// A series without a defined correlation in the window (constant) never gets an edge.
// Edge weights are |rho_ij| or 1. Definitions: docs/graph.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <variant>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/kruskal_min_spanning_tree.hpp>

#include "canary/core/error.hpp"
#include "canary/graph/correlation.hpp"

namespace canary::graph {

/// An undirected edge a - b with a < b.
struct edge {
    std::size_t a = 0;
    std::size_t b = 0;
    double weight = 1.0;
    friend bool operator==(const edge&, const edge&) = default;
};

/// An undirected simple graph: edges sorted by (a, b), no self loops, no duplicates.
struct undirected_graph {
    std::size_t nodes = 0;
    std::vector<edge> edges;
    std::size_t edge_count() const noexcept { return edges.size(); }
    bool has_edge(std::size_t a, std::size_t b) const {
        if (a > b) std::swap(a, b);
        return std::binary_search(edges.begin(), edges.end(), edge{a, b, 0.0},
                                  [](const edge& x, const edge& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    }
};

/// requires: every endpoint < nodes, no self loop, no edge given twice (in either direction),
///           finite weights (else canary::config_error naming the edge and `what`).
/// ensures:  the graph with a < b on every edge, sorted.
inline undirected_graph make_graph(std::size_t nodes, std::vector<edge> edges, const std::string& what = "graph") {
    for (auto& e : edges) {
        if (e.a >= nodes || e.b >= nodes)
            throw config_error(what + ": edge " + std::to_string(e.a) + " - " + std::to_string(e.b) + " outside " +
                               std::to_string(nodes) + " nodes");
        if (e.a == e.b) throw config_error(what + ": self loop at node " + std::to_string(e.a));
        if (!std::isfinite(e.weight))
            throw config_error(what + ": edge " + std::to_string(e.a) + " - " + std::to_string(e.b) +
                               " has a non-finite weight");
        if (e.a > e.b) std::swap(e.a, e.b);
    }
    std::sort(edges.begin(), edges.end(), [](const edge& x, const edge& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    for (std::size_t k = 1; k < edges.size(); ++k)
        if (edges[k].a == edges[k - 1].a && edges[k].b == edges[k - 1].b)
            throw config_error(what + ": edge " + std::to_string(edges[k].a) + " - " + std::to_string(edges[k].b) +
                               " given twice");
    return undirected_graph{nodes, std::move(edges)};
}

/// |rho| >= tau. Threshold comparisons allow 1e-12 so that an exact rank correlation of tau counts.
struct threshold_rule {
    double tau = 0.5;
};
/// The union over nodes of each node's k largest |rho| (ties: lower node index first); pairs with
/// rho == 0 are never chosen.
struct top_k_rule {
    std::size_t k = 5;
};
/// Minimum spanning forest on d = sqrt(2 (1 - rho)) over the defined series (equal distances: the
/// edge with the smaller (i, j) pair first, so the tree is unique; see detail::mst_edges).
struct mst_rule {};

using edge_rule = std::variant<threshold_rule, top_k_rule, mst_rule>;

enum class edge_weighting { absolute_correlation, unit };

inline constexpr double threshold_slack = 1e-12;

namespace detail {

inline double weight_of(double rho, edge_weighting w) { return w == edge_weighting::unit ? 1.0 : std::abs(rho); }

/// Mantegna's distance of two series; the MST is taken on it.
inline double mantegna_distance(double rho) { return std::sqrt(std::max(0.0, 2.0 * (1.0 - rho))); }

/// Edges of an MST in the order "d, then the smaller end, then the larger end": a strict total order,
/// so the minimum spanning tree under it is unique.
inline bool mst_edge_before(double d1, std::size_t a1, std::size_t b1, double d2, std::size_t a2, std::size_t b2) {
    if (d1 != d2) return d1 < d2;
    return a1 != a2 ? a1 < a2 : b1 < b2;
}

/// The sum of the tree's distances, added in increasing order. Every minimum spanning tree of a
/// graph has the same sorted list of edge weights, and Kruskal adds its edges in that order, so this
/// is bitwise the sum Kruskal's accumulation gives, whichever tree the ties produced.
inline double mst_total(std::vector<double> distances) {
    std::sort(distances.begin(), distances.end());
    double total = 0.0;
    for (double d : distances) total += d;
    return total;
}

/// Dense Prim on the complete graph of the defined series, O(N^2) time and O(N) memory; returns the
/// tree edges (a < b) and optionally the tree length. Distances d_ab = sqrt(2 (1 - rho_ab)) read
/// from rho(a, b) with a < b. Ties (frequent: a 7-day rank correlation takes few values) are broken
/// by mst_edge_before: among equal distances the edge with the smaller (a, b) pair wins. The
/// result is the unique minimum tree under that order, i.e. exactly the tree Kruskal returns when
/// it visits equal distances in (a, b) order (tests/graph/mst_test.cpp checks both against
/// Boost.Graph's Kruskal, mst_edges_kruskal). Constant series stay isolated; the MST length is the
/// same for every minimum tree.
inline std::vector<edge> mst_edges(const correlation_window& c, edge_weighting weighting, double* length = nullptr) {
    const auto n = static_cast<std::size_t>(c.rho.rows());
    std::vector<std::size_t> ids;  // defined series only; constant ones stay isolated
    for (std::size_t i = 0; i < n; ++i)
        if (c.defined[i]) ids.push_back(i);
    const std::size_t m = ids.size();
    std::vector<edge> out;
    std::vector<double> distances;
    if (m >= 2) {
        out.reserve(m - 1);
        distances.reserve(m - 1);
        constexpr std::size_t none = static_cast<std::size_t>(-1);
        auto rho = [&](std::size_t x, std::size_t y) {  // local indices, read from the upper triangle
            if (x > y) std::swap(x, y);
            return c.rho(static_cast<Eigen::Index>(ids[x]), static_cast<Eigen::Index>(ids[y]));
        };
        // best[v], from[v]: the smallest edge (in mst_edge_before's order) from the tree to v.
        std::vector<double> best(m, std::numeric_limits<double>::infinity());
        std::vector<std::size_t> from(m, none);
        std::vector<std::size_t> outside(m - 1);  // vertices not yet in the tree
        std::iota(outside.begin(), outside.end(), std::size_t{1});
        std::size_t last = 0;  // the vertex most recently added to the tree
        while (!outside.empty()) {
            std::size_t pick = 0;
            for (std::size_t q = 0; q < outside.size(); ++q) {
                const std::size_t v = outside[q];
                const double d = mantegna_distance(rho(last, v));
                if (from[v] == none || mst_edge_before(d, std::min(last, v), std::max(last, v), best[v],
                                                       std::min(from[v], v), std::max(from[v], v))) {
                    best[v] = d;
                    from[v] = last;
                }
                const std::size_t w = outside[pick];
                if (q > 0 && mst_edge_before(best[v], std::min(from[v], v), std::max(from[v], v), best[w],
                                             std::min(from[w], w), std::max(from[w], w)))
                    pick = q;
            }
            const std::size_t v = outside[pick];
            outside[pick] = outside.back();
            outside.pop_back();
            const std::size_t a = ids[std::min(from[v], v)], b = ids[std::max(from[v], v)];
            distances.push_back(best[v]);
            out.push_back({a, b, weight_of(c.rho(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)), weighting)});
            last = v;
        }
    }
    if (length) *length = mst_total(std::move(distances));
    return out;
}

/// The reference: Kruskal (Boost.Graph) on the complete graph of the defined series, O(N^2 log N).
/// Same tree as mst_edges when the distances are distinct; with ties Boost's priority queue picks
/// one of the minimum trees (deterministically for a given input). The length is accumulated in
/// Kruskal's (increasing) order. Kept for tests and comparisons.
inline std::vector<edge> mst_edges_kruskal(const correlation_window& c, edge_weighting weighting,
                                           double* length = nullptr) {
    using namespace boost;
    // vecS edge storage: one contiguous edge list instead of a node allocation per pair.
    using graph_t =
        adjacency_list<vecS, vecS, undirectedS, no_property, property<edge_weight_t, double>, no_property, vecS>;
    const auto n = static_cast<std::size_t>(c.rho.rows());
    std::vector<std::size_t> ids;
    for (std::size_t i = 0; i < n; ++i)
        if (c.defined[i]) ids.push_back(i);
    const std::size_t m = ids.size();
    graph_t g(m);
    for (std::size_t x = 0; x < m; ++x)
        for (std::size_t y = x + 1; y < m; ++y)
            add_edge(x, y, mantegna_distance(c.rho(static_cast<Eigen::Index>(ids[x]), static_cast<Eigen::Index>(ids[y]))), g);
    std::vector<graph_traits<graph_t>::edge_descriptor> tree;
    tree.reserve(m > 0 ? m - 1 : 0);
    kruskal_minimum_spanning_tree(g, std::back_inserter(tree));
    auto wmap = get(edge_weight, g);
    std::vector<edge> out;
    double total = 0.0;
    for (const auto& e : tree) {
        std::size_t a = ids[source(e, g)], b = ids[target(e, g)];
        if (a > b) std::swap(a, b);
        total += wmap[e];
        out.push_back({a, b, weight_of(c.rho(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)), weighting)});
    }
    if (length) *length = total;
    return out;
}

}  // namespace detail

/// ensures: the graph of `c` under `rule` (see the file comment); undirected, no self loops.
inline undirected_graph correlation_edges(const correlation_window& c, const edge_rule& rule,
                                          edge_weighting weighting = edge_weighting::absolute_correlation) {
    const auto n = static_cast<std::size_t>(c.rho.rows());
    std::vector<edge> edges;
    auto rho = [&](std::size_t i, std::size_t j) { return c.rho(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)); };
    if (const auto* t = std::get_if<threshold_rule>(&rule)) {
        if (!(t->tau > 0.0 && t->tau <= 1.0))
            throw config_error("threshold_rule: tau must be in (0, 1], got " + std::to_string(t->tau));
        const double cut = t->tau - threshold_slack;
        for (std::size_t i = 0; i < n; ++i) {
            if (!c.defined[i]) continue;
            for (std::size_t j = i + 1; j < n; ++j)
                if (c.defined[j] && std::abs(rho(i, j)) >= cut) edges.push_back({i, j, detail::weight_of(rho(i, j), weighting)});
        }
    } else if (const auto* k = std::get_if<top_k_rule>(&rule)) {
        if (k->k == 0) throw config_error("top_k_rule: k must be at least 1");
        std::vector<char> chosen(n * n, 0);
        std::vector<std::size_t> cand;
        for (std::size_t i = 0; i < n; ++i) {
            if (!c.defined[i]) continue;
            cand.clear();
            for (std::size_t j = 0; j < n; ++j)
                if (j != i && c.defined[j] && rho(i, j) != 0.0) cand.push_back(j);
            const std::size_t keep = std::min(k->k, cand.size());
            std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(keep), cand.end(),
                              [&](std::size_t x, std::size_t y) {
                                  const double ax = std::abs(rho(i, x)), ay = std::abs(rho(i, y));
                                  return ax != ay ? ax > ay : x < y;
                              });
            for (std::size_t q = 0; q < keep; ++q) {
                const std::size_t j = cand[q];
                chosen[std::min(i, j) * n + std::max(i, j)] = 1;
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                if (chosen[i * n + j]) edges.push_back({i, j, detail::weight_of(rho(i, j), weighting)});
    } else {
        edges = detail::mst_edges(c, weighting);
        std::sort(edges.begin(), edges.end(), [](const edge& x, const edge& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    }
    return undirected_graph{n, std::move(edges)};
}

}  // namespace canary::graph

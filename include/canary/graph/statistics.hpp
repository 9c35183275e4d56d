#pragma once
// Per-day statistics of a correlation graph and of its correlation matrix, and the density a
// threshold graph would have if the returns were independent (the null). Definitions and how each
// number is computed: docs/graph.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/math/special_functions/beta.hpp>

#include "canary/graph/correlation.hpp"
#include "canary/graph/edges.hpp"

namespace canary::graph {

/// Largest window for which the Spearman null is enumerated exactly (10! = 3,628,800 permutations).
inline constexpr std::size_t exact_spearman_max_window = 10;

/// requires: window >= 2, 0 < tau <= 1.
/// ensures:  P(|rho| >= tau) for two independent series of `window` returns:
///   Pearson:  exact for independent Gaussian returns, P = I_{1 - tau^2}((w - 2) / 2, 1 / 2)
///             (the regularised incomplete beta; equivalent to the t_{w-2} law of
///             t = r sqrt((w - 2) / (1 - r^2))); P = 1 for w = 2.
///   Spearman: exact permutation distribution (all w! rankings equally likely, no ties) for
///             w <= exact_spearman_max_window; the same t_{w-2} approximation above it.
/// The comparison allows threshold_slack, as the edge rule does.
inline double null_density(correlation_method method, std::size_t window, double tau) {
    if (window < 2) throw config_error("null_density: window must be at least 2");
    if (!(tau > 0.0 && tau <= 1.0)) throw config_error("null_density: tau must be in (0, 1]");
    if (method == correlation_method::spearman && window <= exact_spearman_max_window) {
        // rho = 1 - 6 S / (w (w^2 - 1)), S = sum (i - perm(i))^2, over all permutations.
        std::vector<int> perm(window);
        std::iota(perm.begin(), perm.end(), 0);
        const double w = static_cast<double>(window);
        const double denom = w * (w * w - 1.0);
        std::size_t hit = 0, total = 0;
        do {
            long s = 0;
            for (std::size_t i = 0; i < window; ++i) {
                const long d = static_cast<long>(i) - perm[i];
                s += d * d;
            }
            const double rho = 1.0 - 6.0 * static_cast<double>(s) / denom;
            hit += std::abs(rho) >= tau - threshold_slack;
            ++total;
        } while (std::next_permutation(perm.begin(), perm.end()));
        return static_cast<double>(hit) / static_cast<double>(total);
    }
    if (window == 2) return 1.0;
    if (tau >= 1.0) return 0.0;
    const double a = 0.5 * static_cast<double>(window - 2);
    return boost::math::ibeta(a, 0.5, 1.0 - tau * tau);
}

/// Statistics of one day's graph and correlation matrix.
struct day_statistics {
    std::size_t nodes = 0;
    std::size_t edges = 0;
    double density = 0.0;          ///< 2 E / (N (N - 1))
    double null_density = std::numeric_limits<double>::quiet_NaN();  ///< threshold rule only (else NaN)
    double average_degree = 0.0;   ///< 2 E / N
    double average_clustering = 0.0;  ///< mean over nodes of local clustering (0 for degree < 2)
    std::size_t components = 0;    ///< connected components (isolated nodes count), Boost.Graph
    std::size_t largest_component = 0;
    double mst_length = 0.0;       ///< Onnela: sum of d_ij = sqrt(2 (1 - rho_ij)) over the MST
    double largest_eigenvalue_share = 0.0;  ///< lambda_max / trace of rho (0 when nothing is defined)
};

/// ensures: the local clustering coefficient of every node (unweighted: triangles through i over
///          deg_i (deg_i - 1) / 2; 0 for degree < 2), from the dense adjacency squared.
inline std::vector<double> local_clustering(const undirected_graph& g) {
    const auto n = static_cast<Eigen::Index>(g.nodes);
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, n);
    for (const auto& e : g.edges) a(static_cast<Eigen::Index>(e.a), static_cast<Eigen::Index>(e.b)) =
                                      a(static_cast<Eigen::Index>(e.b), static_cast<Eigen::Index>(e.a)) = 1.0;
    const Eigen::MatrixXd a2 = a * a;  // a2(i, j) = common neighbours of i and j
    std::vector<double> c(g.nodes, 0.0);
    for (Eigen::Index i = 0; i < n; ++i) {
        const double deg = a.col(i).sum();
        if (deg < 2.0) continue;
        const double triangles = 0.5 * a2.col(i).dot(a.col(i));
        c[static_cast<std::size_t>(i)] = triangles / (0.5 * deg * (deg - 1.0));
    }
    return c;
}

/// ensures: (number of connected components, size of the largest), by Boost.Graph.
inline std::pair<std::size_t, std::size_t> connected_components_of(const undirected_graph& g) {
    using graph_t = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
    graph_t bg(g.nodes);
    for (const auto& e : g.edges) boost::add_edge(e.a, e.b, bg);
    std::vector<int> comp(g.nodes);
    const int count = g.nodes ? boost::connected_components(bg, comp.data()) : 0;
    std::vector<std::size_t> sizes(static_cast<std::size_t>(count), 0);
    for (int k : comp) ++sizes[static_cast<std::size_t>(k)];
    const std::size_t largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
    return {static_cast<std::size_t>(count), largest};
}

/// ensures: lambda_max(rho) / trace(rho). rho = z^T z shares its non-zero eigenvalues with the
///          (window x window) matrix z z^T, so the smaller of the two is decomposed (Eigen).
inline double largest_eigenvalue_share(const correlation_window& c) {
    const double trace = static_cast<double>(c.defined_count());
    if (trace == 0.0) return 0.0;
    Eigen::MatrixXd small = c.z.rows() < c.z.cols() ? Eigen::MatrixXd(c.z * c.z.transpose()) : c.rho;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(small, Eigen::EigenvaluesOnly);
    return es.eigenvalues().maxCoeff() / trace;
}

/// ensures: Onnela's MST length, the sum of the minimum spanning forest's distances.
inline double mst_length(const correlation_window& c) {
    double length = 0.0;
    detail::mst_edges(c, edge_weighting::unit, &length);
    return length;
}

/// requires: g was built from c (same node count).
/// ensures:  every field of day_statistics; null_density is filled when `rule` is a threshold rule
///           (method and window from c).
inline day_statistics statistics(const correlation_window& c, const undirected_graph& g, const edge_rule& rule,
                                 correlation_method method) {
    if (static_cast<std::size_t>(c.rho.rows()) != g.nodes)
        throw shape_error("graph statistics: graph of " + std::to_string(g.nodes) + " nodes for a correlation of " +
                          std::to_string(c.rho.rows()));
    day_statistics s;
    s.nodes = g.nodes;
    s.edges = g.edge_count();
    const double n = static_cast<double>(g.nodes);
    s.density = g.nodes > 1 ? 2.0 * static_cast<double>(s.edges) / (n * (n - 1.0)) : 0.0;
    s.average_degree = g.nodes ? 2.0 * static_cast<double>(s.edges) / n : 0.0;
    if (const auto* t = std::get_if<threshold_rule>(&rule)) s.null_density = null_density(method, c.window, t->tau);
    const auto cl = local_clustering(g);
    s.average_clustering = g.nodes ? std::accumulate(cl.begin(), cl.end(), 0.0) / n : 0.0;
    std::tie(s.components, s.largest_component) = connected_components_of(g);
    s.mst_length = mst_length(c);
    s.largest_eigenvalue_share = largest_eigenvalue_share(c);
    return s;
}

}  // namespace canary::graph

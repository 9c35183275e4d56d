#pragma once
// A batch of graphs as it flows through a Sequential: node features (a Var) plus a normalised
// adjacency (plain data, no gradient). GCN layers take and return a GraphBatch, element-wise
// layers act on its features and keep the structure, and a pooling layer returns a plain Var, so a
// whole graph network is one Sequential type alias.
//
// Adjacency convention (torch_geometric's): a raw adjacency entry a[j][i] is the weight of the edge
// j -> i (source j, target i). The normalised adjacency that GCN layers consume is stored
// TARGET-major, m[i][j] = weight with which node j's message reaches node i, so the aggregation is
// the plain product M H (one GEMM per graph on the dense path). Derivation: docs/layers/gcn_conv.md.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "canary/autodiff/tape.hpp"
#include "canary/core/adjacency.hpp"
#include "canary/core/error.hpp"

namespace canary {

/// Node features plus structure; the value that GCN layers pass along a Sequential.
/// x is (graphs, nodes, F), or (nodes, F) for a single graph (then adj.graphs == 1).
template <class T>
struct GraphBatch {
    Var<T> x;
    GcnAdjacency<T> adj;

    /// The same graphs carrying new node features (what an element-wise layer returns).
    GraphBatch with_features(const Var<T>& features) const { return GraphBatch{features, adj}; }
};

/// A type that carries node features plus structure; element-wise layers map its features.
template <class G, class T>
concept FeatureCarrier = requires(const G& g, const Var<T>& v) {
    { g.x } -> std::convertible_to<Var<T>>;
    { g.with_features(v) } -> std::same_as<G>;
};

namespace detail {

/// GCN normalisation of one raw dense graph (source-major a[j][i], row stride n) into target-major
/// m[i][j] = d_i^{-1/2} a_hat[j][i] d_j^{-1/2}, a_hat = a with the MISSING self loops set to 1
/// (existing self-loop weights kept), d_i = sum_j a_hat[j][i], and 1/sqrt(0) taken as 0.
/// `dinv` is scratch of n values. Throws config_error on a negative degree (torch would give NaN).
template <class T, class R>
void gcn_normalize_one(const R* a, index n, T* m, double* dinv) {
    for (index i = 0; i < n; ++i) dinv[i] = 0.0;
    for (index j = 0; j < n; ++j) {
        const R* row = a + j * n;
        for (index i = 0; i < n; ++i) {
            const double w = (i == j && row[i] == R(0)) ? 1.0 : static_cast<double>(row[i]);
            dinv[i] += w;
        }
    }
    for (index i = 0; i < n; ++i) {
        if (dinv[i] < 0.0 || std::isnan(dinv[i]))
            throw config_error("GCN normalisation: node " + std::to_string(i) + " has degree " +
                               std::to_string(dinv[i]) + " (edge weights must be non-negative)");
        dinv[i] = dinv[i] > 0.0 ? 1.0 / std::sqrt(dinv[i]) : 0.0;
    }
    for (index i = 0; i < n; ++i)
        for (index j = 0; j < n; ++j) {
            const R raw = a[j * n + i];
            const double w = (i == j && raw == R(0)) ? 1.0 : static_cast<double>(raw);
            m[i * n + j] = static_cast<T>(dinv[i] * w * dinv[j]);
        }
}

}  // namespace detail

/// requires: raw holds graphs*nodes*nodes values, raw[(b*nodes + j)*nodes + i] = weight of edge
///           j -> i in graph b (0 = no edge), all weights >= 0.
/// ensures:  the dense GCN-normalised adjacency of every graph, in the tape's arena (valid until
///           tape.reset(); after the first step this allocates nothing from the system).
template <class T, class B, class R>
GcnAdjacency<T> gcn_normalize_dense(Tape<T, B>& tape, const R* raw, index graphs, index nodes) {
    if (graphs < 0 || nodes < 0) throw shape_error("gcn_normalize_dense: negative extent");
    T* m = tape.template scratch<T>(graphs * nodes * nodes);
    double* dinv = tape.template scratch<double>(nodes);
    for (index b = 0; b < graphs; ++b)
        detail::gcn_normalize_one(raw + b * nodes * nodes, nodes, m + b * nodes * nodes, dinv);
    return GcnAdjacency<T>{graphs, nodes, m, nullptr, nullptr, nullptr};
}

/// One weighted directed edge source -> target of a graph (node indices local to the graph).
struct WeightedEdge {
    index source;
    index target;
    double weight;
};

/// An owning GCN-normalised adjacency, built once per batch of graphs outside the hot path and
/// viewed by every GCN layer (view()). Dense or CSR; both give the same numbers.
template <class T>
class NormalizedAdjacency {
public:
    /// requires: raw as in gcn_normalize_dense.
    /// ensures:  the dense representation.
    template <class R>
    static NormalizedAdjacency dense(const R* raw, index graphs, index nodes) {
        NormalizedAdjacency a;
        a.graphs_ = graphs;
        a.nodes_ = nodes;
        a.dense_.resize(static_cast<std::size_t>(graphs * nodes * nodes));
        std::vector<double> dinv(static_cast<std::size_t>(nodes));
        for (index b = 0; b < graphs; ++b)
            detail::gcn_normalize_one(raw + b * nodes * nodes, nodes, a.dense_.data() + b * nodes * nodes, dinv.data());
        return a;
    }

    /// requires: raw as in gcn_normalize_dense.
    /// ensures:  the CSR (block-diagonal) representation, keeping only non-zero entries.
    template <class R>
    static NormalizedAdjacency csr_from_dense(const R* raw, index graphs, index nodes) {
        std::vector<std::vector<WeightedEdge>> edges(static_cast<std::size_t>(graphs));
        for (index b = 0; b < graphs; ++b)
            for (index j = 0; j < nodes; ++j)
                for (index i = 0; i < nodes; ++i) {
                    const R w = raw[(b * nodes + j) * nodes + i];
                    if (w != R(0)) edges[static_cast<std::size_t>(b)].push_back({j, i, static_cast<double>(w)});
                }
        return csr(edges, nodes);
    }

    /// requires: every edge's nodes in [0, nodes), weights >= 0. Duplicate edges add up (as
    ///           torch_geometric's scatter-sum); a self loop j -> j replaces the added loop.
    /// ensures:  the CSR representation of one graph per element of `graphs`.
    static NormalizedAdjacency csr(const std::vector<std::vector<WeightedEdge>>& graphs, index nodes) {
        NormalizedAdjacency a;
        a.graphs_ = static_cast<index>(graphs.size());
        a.nodes_ = nodes;
        const index rows = a.graphs_ * nodes;
        a.row_ptr_.assign(static_cast<std::size_t>(rows + 1), 0);
        std::vector<double> deg(static_cast<std::size_t>(nodes)), loop(static_cast<std::size_t>(nodes));
        // Per graph: self loops (existing weight or 1), degrees at the target, then entries.
        struct Entry {
            index row, col;
            T val;
        };
        std::vector<Entry> entries;
        for (index b = 0; b < a.graphs_; ++b) {
            const auto& es = graphs[static_cast<std::size_t>(b)];
            std::fill(deg.begin(), deg.end(), 0.0);
            std::fill(loop.begin(), loop.end(), 1.0);
            for (const auto& e : es) {
                if (e.source < 0 || e.source >= nodes || e.target < 0 || e.target >= nodes)
                    throw shape_error("NormalizedAdjacency::csr: edge " + std::to_string(e.source) + " -> " +
                                      std::to_string(e.target) + " outside " + std::to_string(nodes) + " nodes");
                if (e.source == e.target) {
                    // torch_geometric keeps one existing loop weight (the last one written).
                    loop[static_cast<std::size_t>(e.source)] = e.weight;
                } else {
                    deg[static_cast<std::size_t>(e.target)] += e.weight;
                }
            }
            for (index i = 0; i < nodes; ++i) deg[static_cast<std::size_t>(i)] += loop[static_cast<std::size_t>(i)];
            for (index i = 0; i < nodes; ++i) {
                double& d = deg[static_cast<std::size_t>(i)];
                if (d < 0.0 || std::isnan(d))
                    throw config_error("GCN normalisation: node " + std::to_string(i) + " of graph " +
                                       std::to_string(b) + " has degree " + std::to_string(d) +
                                       " (edge weights must be non-negative)");
                d = d > 0.0 ? 1.0 / std::sqrt(d) : 0.0;
            }
            const index base = b * nodes;
            for (const auto& e : es) {
                if (e.source == e.target) continue;
                const double w = deg[static_cast<std::size_t>(e.target)] * e.weight * deg[static_cast<std::size_t>(e.source)];
                entries.push_back({base + e.target, base + e.source, static_cast<T>(w)});
            }
            for (index i = 0; i < nodes; ++i) {
                const double di = deg[static_cast<std::size_t>(i)];
                entries.push_back({base + i, base + i, static_cast<T>(di * loop[static_cast<std::size_t>(i)] * di)});
            }
        }
        // Counting sort by target row, then by source inside each row (deterministic summation order).
        for (const auto& e : entries) ++a.row_ptr_[static_cast<std::size_t>(e.row + 1)];
        for (index r = 0; r < rows; ++r) a.row_ptr_[static_cast<std::size_t>(r + 1)] += a.row_ptr_[static_cast<std::size_t>(r)];
        a.col_.resize(entries.size());
        a.val_.resize(entries.size());
        std::vector<index> next(a.row_ptr_.begin(), a.row_ptr_.end() - 1);
        for (const auto& e : entries) {
            const auto k = static_cast<std::size_t>(next[static_cast<std::size_t>(e.row)]++);
            a.col_[k] = e.col;
            a.val_[k] = e.val;
        }
        std::vector<std::pair<index, T>> row;
        for (index r = 0; r < rows; ++r) {
            const auto b0 = static_cast<std::size_t>(a.row_ptr_[static_cast<std::size_t>(r)]);
            const auto b1 = static_cast<std::size_t>(a.row_ptr_[static_cast<std::size_t>(r + 1)]);
            row.clear();
            for (std::size_t k = b0; k < b1; ++k) row.emplace_back(a.col_[k], a.val_[k]);
            std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
            for (std::size_t k = b0; k < b1; ++k) {
                a.col_[k] = row[k - b0].first;
                a.val_[k] = row[k - b0].second;
            }
        }
        return a;
    }

    /// A non-owning view for the GCN layers (valid while this object lives and is not changed).
    GcnAdjacency<T> view() const {
        if (!dense_.empty() || row_ptr_.empty())
            return GcnAdjacency<T>{graphs_, nodes_, dense_.data(), nullptr, nullptr, nullptr};
        return GcnAdjacency<T>{graphs_, nodes_, nullptr, row_ptr_.data(), col_.data(), val_.data()};
    }
    /// Number of graphs.
    index graphs() const noexcept { return graphs_; }
    /// Nodes per graph.
    index nodes() const noexcept { return nodes_; }
    /// Stored non-zero entries (CSR) or graphs * nodes^2 (dense).
    index stored() const noexcept {
        return dense_.empty() ? static_cast<index>(val_.size()) : static_cast<index>(dense_.size());
    }

private:
    index graphs_ = 0;
    index nodes_ = 0;
    std::vector<T> dense_;
    std::vector<index> row_ptr_;
    std::vector<index> col_;
    std::vector<T> val_;
};

namespace detail {

/// Checks that x fits adj (and has `width` columns unless width < 0); names the layer on failure.
template <class T>
inline void check_graph_batch(const GraphBatch<T>& g, index width, const char* layer_kind, index in, index out) {
    const Shape& s = g.x.shape;
    const bool rank_ok = (s.rank() == 3 && s[0] == g.adj.graphs && s[1] == g.adj.nodes) ||
                         (s.rank() == 2 && g.adj.graphs == 1 && s[0] == g.adj.nodes);
    if (g.adj.empty() || !rank_ok || (width >= 0 && s.cols() != width) || !g.x.contiguous()) {
        std::string what = std::string(layer_kind);
        if (in >= 0) what += "<" + std::to_string(in) + ", " + std::to_string(out) + ">";
        if (g.adj.empty()) throw shape_error(what + ": the graph batch has no adjacency");
        throw shape_error(what + ": node features " + s.str() + " do not fit " + std::to_string(g.adj.graphs) +
                          " graphs of " + std::to_string(g.adj.nodes) + " nodes" +
                          (width >= 0 ? " with width " + std::to_string(width) : std::string()) +
                          (g.x.contiguous() ? "" : " (strided view)"));
    }
}

}  // namespace detail

}  // namespace canary

#pragma once
// graph_sequence: validated per-day multi-layer graphs over one node set, with the node-feature
// panel aligned by date, and the batching that feeds GCN layers: windows of the last k graphs and
// block-diagonal (CSR) or stacked dense normalised adjacencies.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "canary/core/error.hpp"
#include "canary/data/price_panel.hpp"
#include "canary/graph/correlation.hpp"
#include "canary/graph/edges.hpp"
#include "canary/graph/multilayer.hpp"
#include "canary/layers/graph_batch.hpp"

namespace canary::graph {

/// Options of the correlation layer. Defaults follow arXiv 2512.17185: Spearman, 7 days, |rho| >= 0.5.
struct correlation_graph_options {
    correlation_method method = correlation_method::spearman;
    std::size_t window = 7;
    edge_rule rule = threshold_rule{};
    edge_weighting weighting = edge_weighting::absolute_correlation;
};

/// One day's graphs, one per layer, all over the same nodes.
struct graph_day {
    std::size_t day = 0;  ///< panel day index
    std::string date;
    std::vector<undirected_graph> layers;
};

class graph_sequence {
public:
    /// nodes: instrument names; dates: the panel's dates (day index -> date); layer_names: one per layer.
    graph_sequence(std::vector<std::string> nodes, std::vector<std::string> dates, std::vector<std::string> layer_names)
        : nodes_(std::move(nodes)), dates_(std::move(dates)), layer_names_(std::move(layer_names)) {
        if (layer_names_.empty()) throw config_error("graph_sequence: at least one layer");
    }

    /// requires: day < dates().size() and after the last day added; one graph per layer, each over
    ///           nodes().size() nodes (else canary::config_error / canary::shape_error).
    void add_day(std::size_t day, std::vector<undirected_graph> layers) {
        if (day >= dates_.size()) throw config_error("graph_sequence: day " + std::to_string(day) + " outside the panel");
        if (!days_.empty() && day <= days_.back().day)
            throw config_error("graph_sequence: day " + dates_[day] + " is not after " + days_.back().date);
        if (layers.size() != layer_names_.size())
            throw config_error("graph_sequence: " + std::to_string(layers.size()) + " layers on " + dates_[day] +
                               ", expected " + std::to_string(layer_names_.size()));
        for (std::size_t l = 0; l < layers.size(); ++l)
            if (layers[l].nodes != nodes_.size())
                throw shape_error("graph_sequence: layer '" + layer_names_[l] + "' on " + dates_[day] + " has " +
                                  std::to_string(layers[l].nodes) + " nodes, expected " + std::to_string(nodes_.size()));
        days_.push_back(graph_day{day, dates_[day], std::move(layers)});
    }

    /// Adds a layer to every day already present: graph_for(position, day) gives its graph.
    void add_layer(std::string name, const std::function<undirected_graph(std::size_t day, const std::string& date)>& graph_for) {
        for (auto& d : days_) {
            undirected_graph g = graph_for(d.day, d.date);
            // Validation of user edge lists: ranges, self loops, duplicates.
            g = make_graph(g.nodes, std::move(g.edges), "layer '" + name + "' on " + d.date);
            if (g.nodes != nodes_.size())
                throw shape_error("graph_sequence: layer '" + name + "' on " + d.date + " has " +
                                  std::to_string(g.nodes) + " nodes, expected " + std::to_string(nodes_.size()));
            d.layers.push_back(std::move(g));
        }
        layer_names_.push_back(std::move(name));
    }

    /// The same sector graph on every day.
    void add_sector_layer(const sector_map& sectors, std::string name = "sector") {
        const undirected_graph g = sector_graph(nodes_, sectors);
        add_layer(std::move(name), [&](std::size_t, const std::string&) { return g; });
    }

    /// requires: features has shape (dates().size(), nodes, F), row t being panel day t (as
    ///           data::node_features returns); feature_dates equal dates() (else canary::shape_error
    ///           / canary::config_error naming the first differing date).
    void set_node_features(xt::xtensor<double, 3> features, const std::vector<std::string>& feature_dates) {
        if (features.shape(0) != dates_.size() || features.shape(1) != nodes_.size())
            throw shape_error("graph_sequence: node features of shape (" + std::to_string(features.shape(0)) + ", " +
                              std::to_string(features.shape(1)) + ", " + std::to_string(features.shape(2)) + ") for " +
                              std::to_string(dates_.size()) + " days and " + std::to_string(nodes_.size()) + " nodes");
        if (feature_dates.size() != dates_.size())
            throw config_error("graph_sequence: node features have " + std::to_string(feature_dates.size()) + " dates");
        for (std::size_t t = 0; t < dates_.size(); ++t)
            if (feature_dates[t] != dates_[t])
                throw config_error("graph_sequence: node feature date " + feature_dates[t] + " at row " +
                                   std::to_string(t) + " but the graphs have " + dates_[t]);
        features_ = std::move(features);
    }

    std::size_t size() const noexcept { return days_.size(); }
    const graph_day& operator[](std::size_t position) const { return days_.at(position); }
    const std::vector<std::string>& nodes() const noexcept { return nodes_; }
    const std::vector<std::string>& dates() const noexcept { return dates_; }
    const std::vector<std::string>& layer_names() const noexcept { return layer_names_; }
    std::size_t layer_index(const std::string& name) const {
        for (std::size_t l = 0; l < layer_names_.size(); ++l)
            if (layer_names_[l] == name) return l;
        throw config_error("graph_sequence: no layer '" + name + "'");
    }
    /// Position of panel day `day` in the sequence (canary::config_error when it has no graph).
    std::size_t position_of(std::size_t day) const {
        auto it = std::lower_bound(days_.begin(), days_.end(), day, [](const graph_day& d, std::size_t x) { return d.day < x; });
        if (it == days_.end() || it->day != day)
            throw config_error("graph_sequence: no graph for day " + std::to_string(day) +
                               (day < dates_.size() ? " (" + dates_[day] + ")" : std::string()));
        return static_cast<std::size_t>(it - days_.begin());
    }
    const xt::xtensor<double, 3>& node_features() const noexcept { return features_; }
    std::size_t feature_width() const noexcept { return features_.dimension() == 3 ? features_.shape(2) : 0; }

    /// requires: k >= 1, k - 1 <= position < size().
    /// ensures:  the positions of the last k graphs ending at `position`, oldest first.
    std::vector<std::size_t> window(std::size_t position, std::size_t k) const {
        if (k == 0 || position >= days_.size() || position + 1 < k)
            throw config_error("graph_sequence: no window of " + std::to_string(k) + " graphs ending at position " +
                               std::to_string(position));
        std::vector<std::size_t> out(k);
        for (std::size_t s = 0; s < k; ++s) out[s] = position + 1 - k + s;
        return out;
    }

    /// ensures: the directed-edge lists (both directions of every undirected edge of the chosen
    ///          layers; edges of several layers between the same pair add up) of the graphs at
    ///          `positions`, the input of NormalizedAdjacency::csr.
    std::vector<std::vector<WeightedEdge>> edge_lists(const std::vector<std::size_t>& positions,
                                                      const std::vector<std::size_t>& layers) const {
        std::vector<std::vector<WeightedEdge>> out(positions.size());
        for (std::size_t b = 0; b < positions.size(); ++b) {
            const graph_day& d = days_.at(positions[b]);
            for (std::size_t l : layers) {
                for (const auto& e : d.layers.at(l).edges) {
                    out[b].push_back({static_cast<index>(e.a), static_cast<index>(e.b), e.weight});
                    out[b].push_back({static_cast<index>(e.b), static_cast<index>(e.a), e.weight});
                }
            }
        }
        return out;
    }

    /// ensures: the raw dense adjacency (B, N, N) of the graphs at `positions` (symmetric, zero
    ///          diagonal, weights of the chosen layers summed), the input of gcn_normalize_dense.
    template <class T = float>
    std::vector<T> dense_adjacency(const std::vector<std::size_t>& positions, const std::vector<std::size_t>& layers) const {
        const std::size_t n = nodes_.size();
        std::vector<T> a(positions.size() * n * n, T(0));
        for (std::size_t b = 0; b < positions.size(); ++b) {
            const graph_day& d = days_.at(positions[b]);
            for (std::size_t l : layers)
                for (const auto& e : d.layers.at(l).edges) {
                    a[(b * n + e.a) * n + e.b] += static_cast<T>(e.weight);
                    a[(b * n + e.b) * n + e.a] += static_cast<T>(e.weight);
                }
        }
        return a;
    }

    /// The normalised adjacency of the graphs at `positions` (block-diagonal CSR, or stacked dense).
    template <class T = float>
    NormalizedAdjacency<T> adjacency(const std::vector<std::size_t>& positions, const std::vector<std::size_t>& layers,
                                     bool dense = false) const {
        if (dense) {
            const auto raw = dense_adjacency<T>(positions, layers);
            return NormalizedAdjacency<T>::dense(raw.data(), static_cast<index>(positions.size()),
                                                 static_cast<index>(nodes_.size()));
        }
        return NormalizedAdjacency<T>::csr(edge_lists(positions, layers), static_cast<index>(nodes_.size()));
    }

    /// requires: node features set and finite on the chosen days (else canary::config_error /
    ///           canary::numeric_error naming day, node and feature).
    /// ensures:  the (positions.size(), N, F) features of the graphs' days, row-major.
    template <class T = float>
    std::vector<T> features(const std::vector<std::size_t>& positions) const {
        if (features_.dimension() != 3 || features_.size() == 0) throw config_error("graph_sequence: no node features set");
        const std::size_t n = nodes_.size(), f = features_.shape(2);
        std::vector<T> out(positions.size() * n * f);
        for (std::size_t b = 0; b < positions.size(); ++b) {
            const std::size_t t = days_.at(positions[b]).day;
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < f; ++k) {
                    const double v = features_(t, i, k);
                    if (!std::isfinite(v))
                        throw numeric_error("graph_sequence: node feature " + std::to_string(k) + " of " + nodes_[i] +
                                            " on " + dates_[t] + " is not finite (inside the warm-up?)");
                    out[(b * n + i) * f + k] = static_cast<T>(v);
                }
        }
        return out;
    }

private:
    std::vector<std::string> nodes_;
    std::vector<std::string> dates_;
    std::vector<std::string> layer_names_;
    std::vector<graph_day> days_;
    xt::xtensor<double, 3> features_;
};

/// requires: options.window >= 2; first_day >= options.window (the first full window of returns);
///           last_day < panel.days().
/// ensures:  a sequence with one layer named "correlation" holding the graph of every day in
///           [first_day, last_day], each built from returns of days <= that day only.
inline graph_sequence build_correlation_graphs(const data::price_panel& panel, const correlation_graph_options& options,
                                               std::size_t first_day, std::size_t last_day) {
    if (last_day >= panel.days()) throw config_error("build_correlation_graphs: last day outside the panel");
    if (first_day < options.window)
        throw config_error("build_correlation_graphs: first day " + std::to_string(first_day) +
                           " has no full window of " + std::to_string(options.window) + " returns (first valid day " +
                           std::to_string(options.window) + ")");
    const matrix returns = log_return_matrix(panel);
    graph_sequence seq(panel.instruments, panel.dates, {"correlation"});
    for (std::size_t t = first_day; t <= last_day; ++t) {
        const auto c = window_correlation(returns, t, options.window, options.method);
        std::vector<undirected_graph> layers;
        layers.push_back(correlation_edges(c, options.rule, options.weighting));
        seq.add_day(t, std::move(layers));
    }
    return seq;
}

/// As above for every day from the first full window to the end of the panel.
inline graph_sequence build_correlation_graphs(const data::price_panel& panel, const correlation_graph_options& options = {}) {
    if (panel.days() <= options.window)
        throw config_error("build_correlation_graphs: " + std::to_string(panel.days()) + " days leave no full window of " +
                           std::to_string(options.window) + " returns");
    return build_correlation_graphs(panel, options, options.window, panel.days() - 1);
}

}  // namespace canary::graph

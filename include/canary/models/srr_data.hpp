#pragma once
// The data side of the SRR graph models (canary/models/srr.hpp, arXiv 2512.17185): the graph
// pipeline (correlation graphs + scaled node features per day), the owning inputs of one batch,
// and srr_samples, the batch source through which canary::fit_binary, evaluate_loss and
// predict_proba train and score these models like every other one. Details: docs/models/srr.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "canary/data/features.hpp"
#include "canary/data/scaler.hpp"
#include "canary/graph/sequence.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/layers/time_distributed.hpp"
#include "canary/layers/sequential.hpp"
#include "canary/train/trainer.hpp"

namespace canary::models {

/// Graph pipeline options (arXiv 2512.17185's defaults): Spearman correlation of log returns over
/// a trailing 7-day window, an edge of weight |rho| when |rho| >= 0.5; the 7 node features with
/// their default windows; K = 5 graphs per temporal sample.
struct srr_data_options {
    graph::correlation_graph_options graphs{};
    data::node_feature_windows features{};
    std::size_t steps = 5;  ///< graphs per sample of the temporal model
};

/// requires: panel of days x instruments; last_training_day: the last day whose features the
///           scaler may read (the end of the training span).
/// ensures:  one correlation graph per day from the first full window on, carrying the node
///           features scaled (per feature, over all instruments) on the feature rows
///           [first valid day, last_training_day] only; first_sample_day() says from which day
///           a sample of `steps` graphs has every feature defined.
struct srr_graph_data {
    graph::graph_sequence graphs;
    std::size_t first_feature_day = 0;
    std::size_t first_graph_day = 0;

    std::size_t first_sample_day(std::size_t steps) const {
        const std::size_t k = std::max<std::size_t>(steps, 1) - 1;
        return std::max(first_feature_day + k, first_graph_day + k);
    }
};

inline srr_graph_data make_srr_graph_data(const data::price_panel& panel, std::size_t last_training_day,
                                          const srr_data_options& o = {}) {
    const data::node_feature_panel features = data::node_features(panel, o.features);
    srr_graph_data d{graph::build_correlation_graphs(panel, o.graphs), features.first_valid_day, o.graphs.window};
    if (last_training_day < features.first_valid_day || last_training_day >= panel.days())
        throw config_error("SRR graph data: the training span ends on day " + std::to_string(last_training_day) +
                           ", before the node features are defined (day " + std::to_string(features.first_valid_day) + ")");
    std::vector<std::size_t> rows(last_training_day - features.first_valid_day + 1);
    std::iota(rows.begin(), rows.end(), features.first_valid_day);
    data::standard_scaler scaler;
    scaler.fit(features.values, rows);
    d.graphs.set_node_features(scaler.transform(features.values), panel.dates);
    return d;
}

/// Whether a network reads graph sequences (its first layer is a TimeDistributed encoder).
template <class Net>
struct reads_graph_sequences : std::false_type {};
template <class E, class... Ls>
struct reads_graph_sequences<Sequential<TimeDistributed<E>, Ls...>> : std::true_type {};

/// The owning inputs of one batch: node features and the normalised adjacency of every graph
/// (built once per batch and shared by all GCN layers). Snapshot (steps == 0): the graph of each
/// day; temporal: the last `steps` graphs up to each day, graph b*steps + k = step k of sample b.
template <class T = float>
struct srr_batch {
    std::vector<T> x;
    NormalizedAdjacency<T> adj;
    index samples = 0, steps = 0, nodes = 0, features = 0;

    srr_batch(const graph::graph_sequence& g, const std::size_t* days, std::size_t count, std::size_t steps_,
              bool dense = true)
        : samples(static_cast<index>(count)), steps(static_cast<index>(steps_)),
          nodes(static_cast<index>(g.nodes().size())), features(static_cast<index>(g.feature_width())) {
        std::vector<std::size_t> positions;
        positions.reserve(count * std::max<std::size_t>(steps_, 1));
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t p = g.position_of(days[i]);
            if (steps_ == 0) positions.push_back(p);
            else
                for (std::size_t q : g.window(p, steps_)) positions.push_back(q);
        }
        x = g.features<T>(positions);
        adj = g.adjacency<T>(positions, {0}, dense);
    }

    /// The model input on `tape` (GraphBatch for snapshot networks, GraphSequenceBatch otherwise).
    template <class Net, class B>
    auto input(Tape<T, B>& tape) const {
        if constexpr (reads_graph_sequences<Net>::value)
            return GraphSequenceBatch<T>{tape.input(x.data(), Shape{samples, steps, nodes, features}), adj.view()};
        else
            return GraphBatch<T>{tape.input(x.data(), Shape{samples, nodes, features}), adj.view()};
    }
};

/// The SRR samples ending on `days` (with 0/1 `labels`, or none for scoring) as a batch source for
/// canary::fit_binary, evaluate_loss and predict_proba. Net picks the input: a GraphBatch of each
/// day's graph for snapshot networks (steps == 0), a GraphSequenceBatch of the last `steps` graphs
/// for temporal ones. Non-owning: g, days and labels must outlive it.
template <class Net, class T = float>
class srr_samples {
public:
    /// The inputs of one batch plus its labels; owns the adjacency the GCN layers read in backward.
    class batch_type {
    public:
        batch_type(const graph::graph_sequence& g, const std::vector<std::size_t>& days, std::vector<T> labels,
                   std::size_t steps, bool dense)
            : inputs_(g, days.data(), days.size(), steps, dense), labels_(std::move(labels)) {}
        template <class B>
        auto input(Tape<T, B>& tape) const {
            return inputs_.template input<Net>(tape);
        }
        template <class B>
        Var<T> labels(Tape<T, B>& tape) const {
            if (labels_.size() != static_cast<std::size_t>(inputs_.samples))
                throw config_error("srr_samples: labels of samples built without labels");
            return tape.input(labels_.data(), Shape{inputs_.samples, 1});
        }

    private:
        srr_batch<T> inputs_;
        std::vector<T> labels_;
    };

    /// requires: every day has a graph (and `steps` graphs up to it); labels empty or one per day;
    ///           steps > 0 exactly when Net reads graph sequences (else canary::config_error /
    ///           canary::shape_error).
    srr_samples(const graph::graph_sequence& g, std::span<const std::size_t> days, std::span<const float> labels,
                std::size_t steps, bool dense = true)
        : g_(g), days_(days), labels_(labels), steps_(steps), dense_(dense) {
        if (!labels.empty() && labels.size() != days.size())
            throw shape_error("srr_samples: " + std::to_string(labels.size()) + " labels for " + std::to_string(days.size()) +
                              " days");
        if (reads_graph_sequences<Net>::value != (steps > 0))
            throw config_error(reads_graph_sequences<Net>::value
                                   ? "srr_samples: a temporal network needs steps > 0 graphs per sample"
                                   : "srr_samples: a snapshot network reads one graph per sample (steps = 0)");
    }

    index size() const noexcept { return static_cast<index>(days_.size()); }

    std::string sample_description() const {
        return "graphs of " + std::to_string(g_.nodes().size()) + " nodes x " + std::to_string(g_.feature_width()) +
               " features, " + std::to_string(steps_) + " steps";
    }

    /// throws canary::numeric_error naming day, node and feature of the first non-finite node
    ///        feature any sample reads, or the first non-finite label.
    void check_finite(const std::string& what) const {
        for (std::size_t i = 0; i < labels_.size(); ++i)
            if (!std::isfinite(labels_[i]))
                throw numeric_error(what + ": row " + std::to_string(i) + ", the label is " +
                                    (std::isnan(labels_[i]) ? "NaN" : "infinite"));
        std::vector<std::size_t> positions;
        for (std::size_t day : days_) {
            const std::size_t p = g_.position_of(day);
            if (steps_ == 0) positions.push_back(p);
            else
                for (std::size_t q : g_.window(p, steps_)) positions.push_back(q);
        }
        std::sort(positions.begin(), positions.end());
        positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
        try {
            (void)g_.features<T>(positions);  // throws at the first non-finite feature
        } catch (const numeric_error& e) {
            throw numeric_error(what + ": " + e.what());
        }
    }

    batch_type batch(std::span<const index> rows) const {
        std::vector<std::size_t> days;
        std::vector<T> labels;
        days.reserve(rows.size());
        for (index r : rows) {
            days.push_back(days_[static_cast<std::size_t>(r)]);
            if (!labels_.empty()) labels.push_back(static_cast<T>(labels_[static_cast<std::size_t>(r)]));
        }
        return batch_type(g_, days, std::move(labels), steps_, dense_);
    }

private:
    const graph::graph_sequence& g_;
    std::span<const std::size_t> days_;
    std::span<const float> labels_;
    std::size_t steps_;
    bool dense_;
};

}  // namespace canary::models

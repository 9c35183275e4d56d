#pragma once
// The "Systemic Risk Radar" graph models of arXiv 2512.17185 as type aliases.
//
// srr_snapshot_gnn: one day's graph -> crash logit.
//   GCNConv(F -> H) + ReLU, GCNConv(H -> H) + ReLU, mean over nodes, Linear(H -> 1).
// With F = 7 node features and H = 64 it has 4,737 parameters, the count the paper reports:
//   GCNConv(7, 64) 7*64 + 64 = 512, GCNConv(64, 64) 64*64 + 64 = 4,160, Linear(64, 1) 65.
// The paper's text describes 32-wide layers and a 32 -> 16 -> 1 MLP head instead
// (srr_snapshot_gnn_paper_text): 256 + 1,056 + 528 + 17 = 1,857 parameters, which does not match
// its reported count, so the 64-wide preset is the default.
//
// Input: a canary::GraphBatch (node features (graphs, nodes, F) + normalised adjacency); output:
// (graphs, 1) logits. torch names: gcn1.lin.weight, gcn1.bias, gcn2.lin.weight, gcn2.bias,
// head.weight, head.bias.
//
// srr_temporal_gnn: the last K graphs -> crash logit. The same two GCN layers and mean pool run on
// every graph of the sequence (TimeDistributed: one block batch of B*K graphs), the K embeddings go
// through GRU(H -> H) (batch_first) and Linear(H -> 1) reads the last hidden state. With F = 7 and
// H = 64: 512 + 4,160 + GRU 2 * (3*64*64 + 3*64) = 24,960 + 65 = 29,697 parameters, the paper's count.
// Input: a canary::GraphSequenceBatch (node features (B, K, N, F) + normalised adjacency of the B*K
// graphs, graph b*K + k = step k of sample b); output (B, 1). torch names: gcn1.*, gcn2.*,
// gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0, head.weight, head.bias.
// Details and the graph pipeline: docs/models/srr.md.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "canary/data/features.hpp"
#include "canary/data/scaler.hpp"
#include "canary/graph/sequence.hpp"
#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/gcn_conv.hpp"
#include "canary/layers/graph_pool.hpp"
#include "canary/layers/gru.hpp"
#include "canary/layers/pooling.hpp"
#include "canary/layers/time_distributed.hpp"
#include "canary/model/model.hpp"
#include "canary/layers/sequential.hpp"
#include "canary/train/guards.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"
#include "canary/train/trainer.hpp"

namespace canary::risk {

template <index F = 7, index H = 64>
using srr_snapshot_gnn = Sequential<Named<"gcn1", GCNConv<F, H>>, ReLU, Named<"gcn2", GCNConv<H, H>>, ReLU,
                                    GlobalMeanPool, Named<"head", Dense<H, 1>>>;

static_assert(srr_snapshot_gnn<>::param_count == 4737, "the paper's snapshot GNN has 4,737 parameters");

/// The widths given in the paper's text: GCN 7->32->32, mean pool, MLP 32->16->1 (1,857 parameters).
/// torch names: gcn1.*, gcn2.*, head1.weight/bias, head2.weight/bias.
template <index F = 7>
using srr_snapshot_gnn_paper_text =
    Sequential<Named<"gcn1", GCNConv<F, 32>>, ReLU, Named<"gcn2", GCNConv<32, 32>>, ReLU, GlobalMeanPool,
               Named<"head1", Dense<32, 16>>, ReLU, Named<"head2", Dense<16, 1>>>;

static_assert(srr_snapshot_gnn_paper_text<>::param_count == 1857);

/// The per-graph encoder of the temporal model: GCN(F -> H) + ReLU, GCN(H -> H) + ReLU, mean over nodes.
template <index F, index H>
using srr_graph_encoder =
    Sequential<Named<"gcn1", GCNConv<F, H>>, ReLU, Named<"gcn2", GCNConv<H, H>>, ReLU, GlobalMeanPool>;

template <index F = 7, index H = 64>
using srr_temporal_gnn = Sequential<TimeDistributed<srr_graph_encoder<F, H>>, Named<"gru", GRU<H, H>>, LastStep,
                                    Named<"head", Dense<H, 1>>>;

static_assert(srr_temporal_gnn<>::param_count == 29697, "the paper's temporal GNN has 29,697 parameters");

/// The widths given in the paper's text (and the W2 benchmark shape): GCN 7->32->32, mean pool,
/// GRU(32 -> 32), MLP 32->16->ReLU->1: 256 + 1,056 + 6,336 + 528 + 17 = 8,193 parameters.
/// torch names: gcn1.*, gcn2.*, gru.*, head1.weight/bias, head2.weight/bias.
template <index F = 7>
using srr_temporal_gnn_paper_text =
    Sequential<TimeDistributed<srr_graph_encoder<F, 32>>, Named<"gru", GRU<32, 32>>, LastStep,
               Named<"head1", Dense<32, 16>>, ReLU, Named<"head2", Dense<16, 1>>>;

static_assert(srr_temporal_gnn_paper_text<>::param_count == 8193);

// ---- the data pipeline and training loop of the SRR models --------------------------------------

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

/// Crash probabilities of the samples ending on `days` (inference tape, batches of `batch`).
template <class Net, class T, class B>
std::vector<double> srr_predict_proba(Model<Net, T, B>& model, const graph::graph_sequence& g,
                                      const std::vector<std::size_t>& days, std::size_t steps, std::size_t batch = 128) {
    Tape<T, B> tape(false);
    std::vector<double> out;
    out.reserve(days.size());
    for (std::size_t s = 0; s < days.size(); s += batch) {
        const std::size_t count = std::min(batch, days.size() - s);
        const srr_batch<T> b(g, days.data() + s, count, steps);
        tape.reset();
        const Var<T> logit = model.forward(tape, b.template input<Net>(tape));
        for (index i = 0; i < logit.rows(); ++i) out.push_back(1.0 / (1.0 + std::exp(-static_cast<double>(logit(i, 0)))));
    }
    return out;
}

/// Mean BCE-with-logits (positives weighted by pos_weight) of the samples ending on `days`.
template <class Net, class T, class B>
double srr_loss(Model<Net, T, B>& model, const graph::graph_sequence& g, const std::vector<std::size_t>& days,
                const std::vector<float>& labels, std::size_t steps, double pos_weight, std::size_t batch = 128) {
    Tape<T, B> tape(false);
    double total = 0;
    for (std::size_t s = 0; s < days.size(); s += batch) {
        const std::size_t count = std::min(batch, days.size() - s);
        const srr_batch<T> b(g, days.data() + s, count, steps);
        std::vector<T> y(labels.begin() + static_cast<std::ptrdiff_t>(s), labels.begin() + static_cast<std::ptrdiff_t>(s + count));
        tape.reset();
        const Var<T> logit = model.forward(tape, b.template input<Net>(tape));
        total += static_cast<double>(bce_with_logits(tape, logit, tape.input(y.data(), Shape{index(count), 1}),
                                                     static_cast<T>(pos_weight)).val[0]) * static_cast<double>(count);
    }
    return days.empty() ? NAN : total / static_cast<double>(days.size());
}

/// Trains an SRR model on the samples ending on train_days (labels 0/1), early-stopping on the
/// validation loss as canary::fit_binary does (Adam, clipping, best weights restored).
/// o.batch_size, max_epochs, patience, learning_rate, l2, clip_norm, pos_weight, seed, log, name apply.
template <class Net, class T, class B>
FitHistory fit_srr(Model<Net, T, B>& model, const graph::graph_sequence& g, const std::vector<std::size_t>& train_days,
                   const std::vector<float>& train_labels, const std::vector<std::size_t>& validation_days,
                   const std::vector<float>& validation_labels, std::size_t steps, const FitOptions& o) {
    if (train_days.empty()) throw config_error("fit_srr: empty training set");
    if (train_days.size() != train_labels.size() || validation_days.size() != validation_labels.size())
        throw shape_error("fit_srr: days and labels differ in length");
    const auto start = std::chrono::steady_clock::now();
    Adam<T> opt(static_cast<T>(o.learning_rate), T(0.9), T(0.999), T(1e-8), static_cast<T>(o.l2), false);
    Tape<T, B> tape(true, o.seed);
    Rng shuffle(o.seed ^ 0xa5a5a5a5ULL);
    std::vector<std::size_t> order(train_days.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<T> best(model.parameters(), model.parameters() + Net::param_count);
    FitHistory h;
    long step = 0;
    int since_best = 0;
    const auto batch = static_cast<std::size_t>(std::max<index>(o.batch_size, 1));
    std::vector<std::size_t> days;
    std::vector<T> y;
    for (int epoch = 0; epoch < o.max_epochs; ++epoch) {
        for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[shuffle.below(i + 1)]);
        double epoch_loss = 0;
        for (std::size_t s = 0; s < order.size(); s += batch) {
            const std::size_t count = std::min(batch, order.size() - s);
            days.clear();
            y.clear();
            for (std::size_t k = s; k < s + count; ++k) {
                days.push_back(train_days[order[k]]);
                y.push_back(static_cast<T>(train_labels[order[k]]));
            }
            const srr_batch<T> b(g, days.data(), count, steps);
            tape.reset();
            const Var<T> logit = model.forward(tape, b.template input<Net>(tape));
            const Var<T> loss =
                bce_with_logits(tape, logit, tape.input(y.data(), Shape{index(count), 1}), static_cast<T>(o.pos_weight));
            check_finite_loss(loss.val[0], step);
            tape.backward(loss);
            check_finite_gradients(model, step);
            if (o.clip_norm > 0) clip_grad_norm(model, static_cast<T>(o.clip_norm));
            opt.step(model);
            epoch_loss += static_cast<double>(loss.val[0]) * static_cast<double>(count);
            ++step;
        }
        h.train_loss.push_back(epoch_loss / static_cast<double>(order.size()));
        const double val = validation_days.empty()
                               ? h.train_loss.back()
                               : srr_loss(model, g, validation_days, validation_labels, steps, o.pos_weight);
        h.validation_loss.push_back(val);
        if (val < h.best_validation_loss - 1e-7) {
            h.best_validation_loss = val;
            h.best_epoch = epoch;
            std::copy(model.parameters(), model.parameters() + Net::param_count, best.begin());
            since_best = 0;
        } else {
            ++since_best;
        }
        if (o.log)
            *o.log << "  [" << o.name << "] epoch " << (epoch + 1) << "/" << o.max_epochs << "  train loss "
                   << h.train_loss.back() << "  val loss " << val << (since_best == 0 ? " *" : "") << "\n" << std::flush;
        if (since_best >= o.patience) break;
    }
    std::copy(best.begin(), best.end(), model.parameters());
    h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return h;
}

}  // namespace canary::risk

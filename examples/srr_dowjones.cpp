// The Systemic Risk Radar snapshot GNN on the Dow Jones 30 (1990-2001): one Spearman correlation
// graph per day (7-day window, |rho| >= 0.5) with the 7 node features, trained to predict a 10%
// drawdown of the equal-weight market within 20 trading days; prints loss and test AUROC.
//
//   srr_dowjones [prices.csv] [epochs]
//
// Chronological 80/20 split with purging; the feature scaler is fitted on training days only.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <numeric>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/data.hpp"
#include "canary/graph.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/risk/srr.hpp"

#ifndef CANARY_DATA_DIR
#define CANARY_DATA_DIR "data"
#endif

using namespace canary;

int main(int argc, char** argv) try {
    const std::string path = argc > 1 ? argv[1] : std::string(CANARY_DATA_DIR) + "/rmetrics_dowjones30_daily_1990_2001.csv";
    const int epochs = argc > 2 ? std::stoi(argv[2]) : 5;
    const data::price_panel panel = data::load_prices(path);
    std::printf("%zu days x %zu instruments from %s\n", panel.days(), panel.instruments.size(), path.c_str());

    // Features, market labels, graphs (each built from data up to its own day only).
    const data::node_feature_panel features = data::node_features(panel);
    const data::drawdown_label_options label_opt{0.10, 20};
    const auto labels = data::forward_drawdown_labels(data::market_reference(panel), label_opt);
    graph::graph_sequence graphs = graph::build_correlation_graphs(panel);  // Spearman, 7 days, tau 0.5

    data::window_options win;
    win.length = 1;
    win.first_valid_day = std::max(features.first_valid_day, graphs[0].day);
    const auto days = data::labelled_window_end_days(labels, win);
    const auto split = data::chronological_split(days, label_opt.horizon, data::split_fractions{0.8, 0.0, 0.2});

    data::standard_scaler scaler;
    scaler.fit(features.values, split.train);
    graphs.set_node_features(scaler.transform(features.values), panel.dates);

    double positives = 0;
    for (std::size_t t : split.train) positives += labels(t);
    const float pos_weight = static_cast<float>((split.train.size() - positives) / std::max(1.0, positives));
    std::printf("train %zu days (%.0f crash-ahead), test %zu days; mean edges/day %.1f\n", split.train.size(), positives,
                split.test.size(), [&] {
                    double e = 0;
                    for (std::size_t k = 0; k < graphs.size(); ++k) e += static_cast<double>(graphs[k].layers[0].edge_count());
                    return e / static_cast<double>(graphs.size());
                }());

    Model<risk::srr_snapshot_gnn<>, float> model(7);
    Adam<float> adam(1e-3f);
    Tape<float> tape(true);
    const canary::index nodes = static_cast<canary::index>(panel.instruments.size());
    const std::size_t batch = 32;
    Rng rng(11);

    // Scores of a set of days, in inference mode.
    auto score = [&](const std::vector<std::size_t>& sample_days) {
        Tape<float> infer(false);
        std::vector<double> out;
        for (std::size_t s = 0; s < sample_days.size(); s += batch) {
            std::vector<std::size_t> pos;
            for (std::size_t k = s; k < std::min(sample_days.size(), s + batch); ++k) pos.push_back(graphs.position_of(sample_days[k]));
            infer.reset();
            const auto adj = graphs.adjacency<float>(pos, {0});
            const auto x = graphs.features<float>(pos);
            const Var<float> y = model.forward(
                infer, GraphBatch<float>{infer.input(x.data(), Shape{static_cast<canary::index>(pos.size()), nodes, 7}), adj.view()});
            for (canary::index b = 0; b < y.rows(); ++b) out.push_back(y(b, 0));
        }
        return out;
    };
    std::vector<int> test_labels;
    for (std::size_t t : split.test) test_labels.push_back(labels(t));

    std::vector<std::size_t> order = split.train;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
        double loss_sum = 0;
        std::size_t steps = 0;
        for (std::size_t s = 0; s < order.size(); s += batch) {
            std::vector<std::size_t> pos;
            std::vector<float> target;
            for (std::size_t k = s; k < std::min(order.size(), s + batch); ++k) {
                pos.push_back(graphs.position_of(order[k]));
                target.push_back(static_cast<float>(labels(order[k])));
            }
            const canary::index b = static_cast<canary::index>(pos.size());
            // The normalised adjacency is built once per batch and shared by both GCN layers.
            const auto adj = graphs.adjacency<float>(pos, {0});
            const auto x = graphs.features<float>(pos);
            tape.reset();
            const Var<float> logits = model.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{b, nodes, 7}), adj.view()});
            const Var<float> loss = bce_with_logits(tape, logits, tape.input(target.data(), Shape{b, 1}), pos_weight);
            tape.backward(loss);
            adam.step(model);
            loss_sum += loss.val[0];
            ++steps;
        }
        const auto scores = score(split.test);
        const auto auc = risk::auroc(scores, test_labels);
        std::printf("epoch %d  train loss %.4f  test AUROC %s\n", epoch, loss_sum / static_cast<double>(steps),
                    auc.defined() ? std::to_string(auc.value).c_str() : auc.warning.c_str());
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "srr_dowjones: %s\n", e.what());
    return 1;
}

// The two Systemic Risk Radar models of arXiv 2512.17185 on the Dow Jones 30 (1990-2001, 30 nodes):
// one Spearman correlation graph per day (7-day window, |rho| >= 0.5) carrying the 7 node features;
// the snapshot GNN reads the graph of day t, the temporal GNN the last K = 5 graphs. Both predict a
// drawdown of the equal-weight market within 20 trading days, train with canary::fit_binary (Adam,
// early stopping on a validation span) over their graph samples, and print the test AUROC.
//
//   srr_dowjones [prices.csv] [max_epochs] [patience] [drawdown]
//
// The drawdown defaults to 5%: with the paper's 10% the training span (1990-1997) of this panel has
// no crash-ahead day at all (the equal-weight index never fell 10% within 20 days there), so
// nothing could be learned; 5% gives 44 / 94 / 108 positive days in train / validation / test.
//
// Chronological 60/20/20 split with purging (no sample's label window reaches into the next span);
// the feature scaler is fitted on training days only; every graph reads returns up to its own day.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/data.hpp"
#include "canary/graph.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/models/srr.hpp"
#include "canary/models/srr_data.hpp"

#ifndef CANARY_DATA_DIR
#define CANARY_DATA_DIR "data"
#endif

using namespace canary;

namespace {

std::vector<float> labels_of(const xt::xtensor<int, 1>& labels, const std::vector<std::size_t>& days) {
    std::vector<float> y;
    for (std::size_t d : days) y.push_back(static_cast<float>(labels(d)));
    return y;
}

template <class Net>
void run(const char* name, const models::srr_graph_data& data, const xt::xtensor<int, 1>& labels,
         const data::data_split& split, std::size_t steps, int epochs, int patience) {
    Model<Net, float> model(11);
    std::cout << name << ": " << Net::param_count << " parameters\n";
    const auto train_y = labels_of(labels, split.train), val_y = labels_of(labels, split.validation);
    double positives = 0;
    for (float y : train_y) positives += y;
    FitOptions o;
    o.max_epochs = epochs;
    o.patience = patience;
    o.batch_size = 32;
    o.pos_weight = (static_cast<double>(train_y.size()) - positives) / std::max(1.0, positives);
    o.seed = 11;
    o.evaluation_batch_size = 128;
    o.log = &std::cout;
    o.name = name;
    const models::srr_samples<Net> train(data.graphs, split.train, train_y, steps);
    const models::srr_samples<Net> validation(data.graphs, split.validation, val_y, steps);
    const FitHistory h = fit_binary(model, train, validation, o);
    std::vector<int> test_labels;
    for (std::size_t d : split.test) test_labels.push_back(labels(d));
    const models::srr_samples<Net> test(data.graphs, split.test, {}, steps);
    const auto auc = risk::auroc(predict_proba(model, test, 128), test_labels);
    std::printf("%s: best epoch %d (validation loss %.4f), %.1f s; test AUROC %s\n\n", name, h.best_epoch + 1,
                h.best_validation_loss, h.seconds, auc.defined() ? std::to_string(auc.value).c_str() : auc.warning.c_str());
}

}  // namespace

int main(int argc, char** argv) try {
    const std::string path = argc > 1 ? argv[1] : std::string(CANARY_DATA_DIR) + "/rmetrics_dowjones30_daily_1990_2001.csv";
    const int epochs = argc > 2 ? std::stoi(argv[2]) : 30;
    const int patience = argc > 3 ? std::stoi(argv[3]) : 5;
    const data::price_panel panel = data::load_prices(path);
    std::printf("%zu days x %zu instruments from %s\n", panel.days(), panel.instruments.size(), path.c_str());

    // Market labels; sample days from the first day on which K graphs with full features exist.
    const models::srr_data_options options;  // Spearman, 7 days, |rho| >= 0.5, K = 5
    const double drawdown = argc > 4 ? std::stod(argv[4]) : 0.05;
    const data::drawdown_label_options label_opt{drawdown, 20};
    const auto labels = data::forward_drawdown_labels(data::market_reference(panel), label_opt);
    data::window_options win;
    win.length = 1;
    win.first_valid_day = std::max(options.features.first_valid_day(), options.graphs.window) + options.steps - 1;
    const auto days = data::labelled_window_end_days(labels, win);
    const auto split = data::chronological_split(days, label_opt.horizon, data::split_fractions{0.6, 0.2, 0.2});
    const models::srr_graph_data data = models::make_srr_graph_data(panel, split.train.back(), options);

    auto count = [&](const std::vector<std::size_t>& s) {
        std::size_t n = 0;
        for (std::size_t d : s) n += static_cast<std::size_t>(labels(d));
        return n;
    };
    double edges = 0;
    for (std::size_t k = 0; k < data.graphs.size(); ++k) edges += static_cast<double>(data.graphs[k].layers[0].edge_count());
    std::printf("label: %.0f%% drawdown of the equal-weight index within %zu days\n", drawdown * 100, label_opt.horizon);
    std::printf("train %zu days (%zu crash-ahead), validation %zu (%zu), test %zu (%zu); mean edges/day %.1f of %zu\n\n",
                split.train.size(), count(split.train), split.validation.size(), count(split.validation),
                split.test.size(), count(split.test), edges / static_cast<double>(data.graphs.size()),
                panel.instruments.size() * (panel.instruments.size() - 1) / 2);

    run<models::srr_snapshot_gnn<>>("srr_snapshot_gnn", data, labels, split, 0, epochs, patience);
    run<models::srr_temporal_gnn<>>("srr_temporal_gnn", data, labels, split, options.steps, epochs, patience);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "srr_dowjones: %s\n", e.what());
    return 1;
}

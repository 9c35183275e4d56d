// canary-risk models of the graph family (arXiv 2512.17185's Systemic Risk Radar):
//   srr_snapshot_gnn   the correlation graph of day t -> GCN, GCN, mean over nodes -> logit
//   srr_temporal_gnn   the last K graphs (default 5) -> per-graph encoder -> GRU -> logit
//   srr_snapshot_gat   srr_snapshot_gnn with 4-head GATConv layers in place of the GCNs (not a
//                      paper model: the same data through attention over each node's neighbours)
// Every instrument of the panel is a node. Per day: the 7 node features (scaled on the training
// span only), Spearman correlation graphs over a trailing window (Options::graph_window, default 7)
// with |rho| >= Options::graph_threshold (0.5). Same samples, labels, split, early stopping,
// threshold and report as the other models; the graph data is built only when a graph model runs.
// Permutation importance and saliency need (T, F) market windows, which these models do not read,
// so their closures stay empty (main.cpp skips them).
#include <map>
#include <string>

#include "canary/models/srr.hpp"
#include "canary/models/srr_data.hpp"
#include "models.hpp"

namespace canary_risk {

template <class Net>
inline Row run_graph_model(const std::string& name, const Prepared& p, const Options& o, std::size_t steps,
                           std::ostream& log) {
    canary::models::srr_data_options d;
    d.graphs.window = o.graph_window;
    d.graphs.rule = canary::graph::threshold_rule{o.graph_threshold};
    d.steps = steps == 0 ? 1 : steps;
    const canary::models::srr_graph_data data = canary::models::make_srr_graph_data(p.panel, p.split.train.back(), d);
    // Training days before the first day with `steps` full graphs are dropped (a warm-up); the
    // validation and test days lie far later and are all kept.
    const std::size_t first = data.first_sample_day(d.steps);
    auto usable = [&](const Span& s, std::vector<std::size_t>& days, std::vector<float>& y) {
        for (std::size_t i = 0; i < s.days.size(); ++i)
            if (s.days[i] >= first) {
                days.push_back(s.days[i]);
                y.push_back(s.y[i]);
            }
    };
    std::vector<std::size_t> train_days, val_days;
    std::vector<float> train_y, val_y;
    usable(p.train, train_days, train_y);
    usable(p.validation, val_days, val_y);
    if (val_days.size() != p.validation.days.size() || p.test.days.front() < first)
        throw canary::config_error(name + ": the validation/test spans start before day " + std::to_string(first) +
                                   " (graphs and node features need a longer history)");
    auto model = std::make_shared<canary::Model<Net>>(o.seed);
    log << model->summary() << std::flush;
    canary::FitOptions f;
    f.max_epochs = o.epochs;
    f.patience = o.patience;
    f.batch_size = 32;
    f.learning_rate = 1e-3;
    f.pos_weight = (1.0 - p.base_rate_train) / std::max(p.base_rate_train, 1e-6);
    f.seed = o.seed;
    f.evaluation_batch_size = 128;
    f.log = &log;
    f.name = name;
    const canary::models::srr_samples<Net> train(data.graphs, train_days, train_y, steps);
    const canary::models::srr_samples<Net> validation(data.graphs, val_days, val_y, steps);
    const auto history = canary::fit_binary(*model, train, validation, f);
    log << "  [" << name << "] best epoch " << history.best_epoch + 1 << ", " << std::setprecision(1) << history.seconds
        << " s (" << train_days.size() << " training samples)\n"
        << std::setprecision(3);
    Row row;
    row.model = name;
    row.validation_scores =
        canary::predict_proba(*model, canary::models::srr_samples<Net>(data.graphs, p.validation.days, {}, steps), 128);
    row.test_scores = canary::predict_proba(*model, canary::models::srr_samples<Net>(data.graphs, p.test.days, {}, steps), 128);
    row.history = history;
    row.note = "graphs: Spearman " + std::to_string(o.graph_window) + " d, |rho| >= " + std::to_string(o.graph_threshold).substr(0, 4) +
               (steps ? ", K = " + std::to_string(steps) : std::string());
    canary::io::save_state_dict(*model, std::filesystem::path(o.out) / (name + ".safetensors"));
    return row;
}

void register_graph_models(std::map<std::string, Runner>& r) {
    r["srr_snapshot_gnn"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_graph_model<canary::models::srr_snapshot_gnn<>>("srr_snapshot_gnn", p, o, 0, log);
    };
    r["srr_snapshot_gat"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_graph_model<canary::models::srr_snapshot_gat<>>("srr_snapshot_gat", p, o, 0, log);
    };
    r["srr_temporal_gnn"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_graph_model<canary::models::srr_temporal_gnn<>>("srr_temporal_gnn", p, o, o.graph_steps, log);
    };
}

}  // namespace canary_risk

#pragma once
// canary-risk's shared types and the model registry: every model the program can train, by name.
// Adding a model = one entry in model_registry() (a typed network and how it reads the samples).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/data.hpp"
#include "canary/data/market_features.hpp"
#include "canary/io/state_dict.hpp"
#include "canary/risk.hpp"

namespace canary_risk {

namespace cd = canary::data;
namespace cr = canary::risk;

struct Options {
    std::string data = "data/rmetrics_spisector_daily_1999_2008.csv";
    std::string index_column;  ///< empty: the equal-weight index of every column (one column: itself)
    std::size_t horizon = 20;
    double drawdown = 0.10;
    std::size_t window = 30;
    /// Default: the two papers' models and every baseline (models that are not built, such as the
    /// random forest without XGBoost, are skipped with a message).
    std::vector<std::string> models{"logistic",       "mlp",           "cnn_bilstm_attention", "bilstm_classifier",
                                    "cnn_classifier", "tcn_classifier", "transformer_classifier", "random_forest",
                                    "srr_snapshot_gnn", "srr_temporal_gnn"};
    int epochs = 60;
    int patience = 8;
    std::uint64_t seed = 7;
    std::string out = "out";
    // Evaluation (main.cpp): threshold rule on validation, bootstrap, lead times, baselines, outputs.
    std::string threshold = "max_f1";  ///< max_f1 | youden | usefulness
    double mu = 0.5;                   ///< usefulness preference for missing a crisis vs a false alarm
    std::size_t bootstrap = 1000;      ///< block-bootstrap resamples (block length = horizon)
    std::size_t sustain = 3;           ///< consecutive days above threshold that make a warning
    std::size_t indicator_window = 250;
    std::size_t permutation_repeats = 5;
    std::string saliency_day;          ///< test date for the saliency map; empty: the best model's peak day
    bool plots = true;
    // Graph models (models_graph.cpp; arXiv 2512.17185's defaults).
    std::size_t graph_window = 7;    ///< trailing days of the Spearman correlation graphs
    double graph_threshold = 0.5;    ///< edge when |rho| >= this
    std::size_t graph_steps = 5;     ///< graphs per sample of srr_temporal_gnn
};

/// Samples of one span: window tensors (n, T, 16) row-major, labels, and the days they end on.
struct Span {
    std::vector<float> x, y;
    std::vector<std::size_t> days;
    std::vector<int> labels;
};

/// The samples of one span: windows of the scaled features ending on `days`, and their labels.
inline Span gather(const xt::xtensor<double, 2>& scaled, const xt::xtensor<int, 1>& labels,
                   const std::vector<std::size_t>& days, std::size_t window) {
    Span s;
    s.days = days;
    const auto w = cd::gather_windows<float>(scaled, days, window);
    s.x.assign(w.begin(), w.end());
    for (std::size_t d : days) {
        s.y.push_back(static_cast<float>(labels(d)));
        s.labels.push_back(labels(d));
    }
    return s;
}

struct Prepared {
    cd::price_panel panel;
    cd::market_feature_panel features;
    xt::xtensor<int, 1> labels;
    cd::data_split split;
    Span train, validation, test;
    double base_rate_train = 0;
};

struct Row {
    std::string model;
    cr::classification_report report;
    double threshold = 0.5;
    std::vector<double> test_scores;
    std::string note;
    // Filled by model runners so that main can evaluate every row the same way.
    std::string kind = "model";               ///< model | indicator | honesty
    std::vector<double> validation_scores;    ///< the threshold is re-chosen on these by --threshold
    canary::FitHistory history;               ///< loss per epoch (empty for rules)
    /// Probabilities for any span's windows (n, T, 16): permutation importance re-scores with it.
    std::function<std::vector<double>(const std::vector<float>& windows)> score_windows;
    /// d logit / d input for one (T, 16) window, row-major: input-gradient saliency.
    std::function<std::vector<double>(const float* window)> saliency;
};

/// Gives a row closures over the trained model (shared, so the row may outlive the runner).
/// Models that read only the window's last day get zero gradient for the earlier days.
template <class Net>
inline void attach_model(Row& row, std::shared_ptr<canary::Model<Net>> model, std::size_t window, bool last_day_only) {
    const canary::index t = canary::index(window), f = 16;
    row.score_windows = [model, t, f, last_day_only](const std::vector<float>& x) {
        const canary::index n = canary::index(x.size()) / (t * f);
        std::vector<float> last;
        if (last_day_only) {
            last.resize(std::size_t(n * f));
            for (canary::index i = 0; i < n; ++i) std::copy_n(x.data() + (i * t + t - 1) * f, f, last.data() + i * f);
        }
        const canary::BinaryDataset<float> d{last_day_only ? last.data() : x.data(), nullptr,
                                             last_day_only ? canary::Shape{f} : canary::Shape{t, f}, n};
        return canary::predict_proba(*model, d);
    };
    row.saliency = [model, t, f, last_day_only](const float* window) {
        canary::Tape<float> tape(true);
        tape.set_training(false);  // record gradients, but no dropout: explain the deployed model
        const canary::Shape shape = last_day_only ? canary::Shape{1, f} : canary::Shape{1, t, f};
        canary::Var<float> x = tape.input(last_day_only ? window + (t - 1) * f : window, shape, true);
        canary::Var<float> logit = model->forward(tape, x);
        tape.backward(logit);
        std::vector<double> g(std::size_t(t * f), 0.0);
        const canary::index offset = last_day_only ? (t - 1) * f : 0;
        for (canary::index i = 0; i < x.numel(); ++i) g[std::size_t(offset + i)] = double(x.adj[i]);
        return g;
    };
}

/// Trains Net on windows (or on the last day of each window when Net reads vectors).
template <class Net>
inline Row run_model(const std::string& name, const Prepared& p, const Options& o, bool last_day_only, double l2,
              std::ostream& log) {
    auto as_dataset = [&](const Span& s, std::vector<float>& storage) {
        const canary::index n = static_cast<canary::index>(s.days.size());
        if (!last_day_only) return canary::BinaryDataset<float>{s.x.data(), s.y.data(), canary::Shape{canary::index(o.window), 16}, n};
        storage.resize(static_cast<std::size_t>(n) * 16);
        for (canary::index i = 0; i < n; ++i)
            std::copy_n(s.x.data() + (i * canary::index(o.window) + canary::index(o.window) - 1) * 16, 16, storage.data() + i * 16);
        return canary::BinaryDataset<float>{storage.data(), s.y.data(), canary::Shape{16}, n};
    };
    std::vector<float> tr, va, te;
    const auto train = as_dataset(p.train, tr), validation = as_dataset(p.validation, va), test = as_dataset(p.test, te);
    auto shared_model = std::make_shared<canary::Model<Net>>(o.seed);
    canary::Model<Net>& model = *shared_model;
    canary::FitOptions f;
    f.max_epochs = o.epochs;
    f.patience = o.patience;
    f.learning_rate = 1e-3;
    f.l2 = l2;
    f.pos_weight = (1.0 - p.base_rate_train) / std::max(p.base_rate_train, 1e-6);
    f.seed = o.seed;
    f.log = &log;
    f.name = name;
    log << model.summary() << std::flush;
    const auto history = canary::fit_binary(model, train, validation, f);
    log << "  [" << name << "] best epoch " << history.best_epoch + 1 << ", " << std::setprecision(1) << history.seconds
        << " s\n"
        << std::setprecision(3);
    const auto val_scores = canary::predict_proba(model, validation);
    Row row;
    row.model = name;
    // main.cpp re-chooses the threshold by --threshold; this default needs both classes in validation.
    const auto val_positives = std::count(p.validation.labels.begin(), p.validation.labels.end(), 1);
    const bool both_classes = val_positives > 0 && std::size_t(val_positives) < p.validation.labels.size();
    row.threshold = both_classes ? cr::choose_threshold_max_f1(val_scores, p.validation.labels).threshold : INFINITY;
    if (!std::isfinite(row.threshold)) row.threshold = 0.5;
    row.test_scores = canary::predict_proba(model, test);
    row.report = cr::evaluate_classifier(row.test_scores, p.test.labels, row.threshold);
    row.validation_scores = val_scores;
    row.history = history;
    attach_model(row, shared_model, o.window, last_day_only);
    canary::io::save_state_dict(model, std::filesystem::path(o.out) / (name + ".safetensors"));
    return row;
}

using Logistic = canary::Dense<16, 1>;
using Mlp = canary::Sequential<canary::Dense<16, 32>, canary::ReLU, canary::Dropout, canary::Dense<32, 1>>;

using Runner = std::function<Row(const Prepared&, const Options&, std::ostream&)>;

// Each family is its own translation unit (models_<family>.cpp), so the program compiles in
// parallel pieces and no one file instantiates every network.
void register_sequence_models(std::map<std::string, Runner>&);
void register_graph_models(std::map<std::string, Runner>&);
void register_baselines_models(std::map<std::string, Runner>&);

/// Every model by name. Families register from their own files (models_<family>.cpp).
inline std::map<std::string, Runner> model_registry() {
    std::map<std::string, Runner> registry{
        {"logistic", [](const Prepared& p, const Options& o, std::ostream& log) {
             return run_model<Logistic>("logistic", p, o, true, 1e-3, log);
         }},
        {"mlp", [](const Prepared& p, const Options& o, std::ostream& log) {
             return run_model<Mlp>("mlp", p, o, true, 0.0, log);
         }},
    };
    register_sequence_models(registry);
    register_graph_models(registry);
    register_baselines_models(registry);
    return registry;
}

}  // namespace canary_risk

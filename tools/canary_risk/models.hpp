#pragma once
// canary-risk's shared types and the model registry: every model the program can train, by name.
// Adding a model = one entry in model_registry() (a typed network and how it reads the samples).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/data.hpp"
#include "canary/data/market_features.hpp"
#include "canary/io/state_dict.hpp"
#include "canary/risk.hpp"
#include "config.hpp"

namespace canary_risk {

namespace cd = canary::data;
namespace cr = canary::risk;

/// Samples of one span: window tensors (n, T, F) row-major, F = market_feature_count, labels, and the days they end on.
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

/// What a row of the table is: a trained model, a classical indicator, a no-skill reference, or a
/// model that could not run (an optional library missing).
enum class RowKind { model, indicator, honesty, skipped };

inline const char* to_string(RowKind k) {
    switch (k) {
        case RowKind::model: return "model";
        case RowKind::indicator: return "indicator";
        case RowKind::honesty: return "honesty";
        case RowKind::skipped: return "skipped";
    }
    return "model";
}

/// A scored model (or indicator): its scores on validation and test, and closures over the trained
/// network, so later stages re-score and explain it without reloading anything from disk. The
/// threshold is chosen once, by the evaluation stage (main.cpp), for every row alike.
struct Row {
    std::string model;
    double threshold = std::numeric_limits<double>::quiet_NaN();  ///< set by the evaluation stage
    std::vector<double> test_scores;
    std::string note;
    RowKind kind = RowKind::model;
    std::vector<double> validation_scores;    ///< the threshold is re-chosen on these by --threshold
    canary::FitHistory history;               ///< loss per epoch (empty for rules)
    /// Probabilities for any span's windows (n, T, F): permutation importance re-scores with it.
    std::function<std::vector<double>(const std::vector<float>& windows)> score_windows;
    /// d logit / d input for one (T, F) window, row-major: input-gradient saliency.
    std::function<std::vector<double>(const float* window)> saliency;
};

/// Gives a row closures over the trained model (shared, so the row may outlive the runner).
/// Models that read only the window's last day get zero gradient for the earlier days.
template <class Net>
inline void attach_model(Row& row, std::shared_ptr<canary::Model<Net>> model, std::size_t window, bool last_day_only) {
    const canary::index t = canary::index(window), f = cd::market_feature_count;
    row.score_windows = [model, t, f, last_day_only](const std::vector<float>& x) {
        const canary::index n = canary::index(x.size()) / (t * f);
        std::vector<float> last;
        if (last_day_only) {
            last.resize(std::size_t(n * f));
            for (canary::index i = 0; i < n; ++i) std::copy_n(x.data() + (i * t + t - 1) * f, f, last.data() + i * f);
        }
        const canary::BinaryDataset<float> d(last_day_only ? std::span<const float>(last) : std::span<const float>(x), {},
                                             last_day_only ? canary::Shape{f} : canary::Shape{t, f});
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
        constexpr canary::index f = cd::market_feature_count;
        if (!last_day_only) return canary::BinaryDataset<float>(s.x, s.y, canary::Shape{canary::index(o.window), f});
        storage.resize(static_cast<std::size_t>(n * f));
        for (canary::index i = 0; i < n; ++i)
            std::copy_n(s.x.data() + (i * canary::index(o.window) + canary::index(o.window) - 1) * f, f, storage.data() + i * f);
        return canary::BinaryDataset<float>(storage, s.y, canary::Shape{f});
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
    row.test_scores = canary::predict_proba(model, test);
    row.validation_scores = val_scores;
    row.history = history;
    attach_model(row, shared_model, o.window, last_day_only);
    canary::io::save_state_dict(model, std::filesystem::path(o.out) / (name + ".safetensors"));
    return row;
}

inline constexpr canary::index features = cd::market_feature_count;
using Logistic = canary::Dense<features, 1>;
using Mlp = canary::Sequential<canary::Dense<features, 32>, canary::ReLU, canary::Dropout, canary::Dense<32, 1>>;

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

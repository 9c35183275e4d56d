#pragma once
// canary-risk's shared types and the model registry: every model the program can train, by name.
// Adding a model = one entry in model_registry() (a typed network and how it reads the samples).
#include <filesystem>
#include <functional>
#include <iomanip>
#include <map>
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
    std::string index_column = "SPI";
    std::size_t horizon = 20;
    double drawdown = 0.10;
    std::size_t window = 30;
    std::vector<std::string> models{"logistic", "mlp"};
    int epochs = 60;
    int patience = 8;
    std::uint64_t seed = 7;
    std::string out = "out";
};

/// Samples of one span: window tensors (n, T, 16) row-major, labels, and the days they end on.
struct Span {
    std::vector<float> x, y;
    std::vector<std::size_t> days;
    std::vector<int> labels;
};

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
};

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
    canary::Model<Net> model(o.seed);
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
    row.threshold = cr::choose_threshold_max_f1(val_scores, p.validation.labels).threshold;
    if (!std::isfinite(row.threshold)) row.threshold = 0.5;
    row.test_scores = canary::predict_proba(model, test);
    row.report = cr::evaluate_classifier(row.test_scores, p.test.labels, row.threshold);
    canary::io::save_state_dict(model, std::filesystem::path(o.out) / (name + ".safetensors"));
    return row;
}

using Logistic = canary::Dense<16, 1>;
using Mlp = canary::Sequential<canary::Dense<16, 32>, canary::ReLU, canary::Dropout, canary::Dense<32, 1>>;

using Runner = std::function<Row(const Prepared&, const Options&, std::ostream&)>;

inline std::map<std::string, Runner> model_registry() {
    return {
        {"logistic", [](const Prepared& p, const Options& o, std::ostream& log) {
             return run_model<Logistic>("logistic", p, o, true, 1e-3, log);
         }},
        {"mlp", [](const Prepared& p, const Options& o, std::ostream& log) {
             return run_model<Mlp>("mlp", p, o, true, 0.0, log);
         }},
    };
}

}  // namespace canary_risk

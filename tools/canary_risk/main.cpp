// canary-risk: an honest early-warning study from a CSV of daily prices.
//
//   canary-risk compare --data prices.csv --index SPI --horizon 20 --drawdown 0.10
//                       --models logistic,mlp --out out/
//
// prices -> 16 market features (trailing windows only) -> forward-drawdown labels -> chronological
// train/validation/test split with an H-day purge -> scaler fitted on training days -> each model
// trained with early stopping on validation loss -> threshold chosen on validation (max F1) ->
// test metrics beside the honesty rows (base rate, always-positive). Everything it prints is also
// written to --out with the configuration, so a run can be repeated exactly.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/data.hpp"
#include "canary/data/market_features.hpp"
#include "canary/io/state_dict.hpp"
#include "canary/io/text_file.hpp"
#include "canary/risk.hpp"
#include "models.hpp"

namespace cd = canary::data;
namespace cr = canary::risk;
using namespace canary_risk;

namespace {

Span gather(const xt::xtensor<double, 2>& scaled, const xt::xtensor<int, 1>& labels, const std::vector<std::size_t>& days,
            std::size_t window) {
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

Prepared prepare(const Options& o, std::ostream& log) {
    Prepared p;
    cd::load_report report;
    p.panel = cd::load_prices(o.data, cd::load_options{}, report);
    log << report.summary() << "\n";
    p.features = cd::market_features(p.panel, o.index_column);
    p.labels = cd::forward_drawdown_labels(cd::market_reference(p.panel, o.index_column),
                                           cd::drawdown_label_options{o.drawdown, o.horizon});
    cd::window_options w;
    w.length = o.window;
    w.first_valid_day = p.features.first_valid_day;
    const auto samples = cd::labelled_window_end_days(p.labels, w);
    p.split = cd::chronological_split(samples, o.horizon, cd::split_fractions{});
    // Scaler: fitted on the feature rows the training windows read, and nothing later.
    std::vector<std::size_t> fit_rows;
    for (std::size_t d = p.features.first_valid_day; d <= p.split.train.back(); ++d) fit_rows.push_back(d);
    cd::standard_scaler scaler;
    scaler.fit(p.features.values, fit_rows);
    xt::xtensor<double, 2> scaled = scaler.transform(p.features.values);
    p.train = gather(scaled, p.labels, p.split.train, o.window);
    p.validation = gather(scaled, p.labels, p.split.validation, o.window);
    p.test = gather(scaled, p.labels, p.split.test, o.window);
    double pos = 0;
    for (int l : p.train.labels) pos += l;
    p.base_rate_train = pos / static_cast<double>(p.train.labels.size());
    log << "samples: train " << p.train.days.size() << " (" << p.panel.dates[p.split.train.front()] << " .. "
        << p.panel.dates[p.split.train.back()] << ", positives " << std::fixed << std::setprecision(3)
        << p.base_rate_train << "), validation " << p.validation.days.size() << ", test " << p.test.days.size() << " ("
        << p.panel.dates[p.split.test.front()] << " .. " << p.panel.dates[p.split.test.back()] << ")\n";
    return p;
}

std::string fmt(double v) {
    if (std::isnan(v)) return "nan";
    std::ostringstream s;
    s << std::fixed << std::setprecision(3) << v;
    return s.str();
}

int compare(const Options& o) {
    std::filesystem::create_directories(o.out);
    std::ostream& log = std::cout;
    const Prepared p = prepare(o, log);
    std::vector<Row> rows;
    const auto registry = model_registry();
    for (const auto& m : o.models) {
        auto it = registry.find(m);
        if (it == registry.end()) throw canary::config_error("unknown model '" + m + "'");
        rows.push_back(it->second(p, o, log));
    }
    // Honesty rows: what a table would show with no skill.
    const std::vector<double> always(p.test.labels.size(), 1.0);
    Row positive{"always-positive", cr::evaluate_classifier(always, p.test.labels, 0.5), 0.5, always, "no skill"};
    double base = 0;
    for (int l : p.test.labels) base += l;
    base /= static_cast<double>(p.test.labels.size());

    std::ostringstream md, csv;
    md << "| model | threshold | accuracy | precision | recall | F1 | AUROC | AP | PR-AUC | Brier |\n"
       << "|---|---|---|---|---|---|---|---|---|---|\n";
    csv << "model,threshold,accuracy,precision,recall,f1,auroc,average_precision,pr_auc,brier\n";
    auto add = [&](const Row& r) {
        const auto& c = r.report;
        md << "| " << r.model << " | " << fmt(r.threshold) << " | " << fmt(c.accuracy) << " | " << fmt(c.precision) << " | "
           << fmt(c.recall) << " | " << fmt(c.f1) << " | " << fmt(c.auroc.value) << " | " << fmt(c.average_precision.value)
           << " | " << fmt(c.pr_auc.value) << " | " << fmt(c.brier) << " |\n";
        csv << r.model << "," << r.threshold << "," << c.accuracy << "," << c.precision << "," << c.recall << "," << c.f1
            << "," << c.auroc.value << "," << c.average_precision.value << "," << c.pr_auc.value << "," << c.brier << "\n";
    };
    for (const auto& r : rows) add(r);
    add(positive);
    md << "\nTest span: " << p.test.labels.size() << " days, base rate (share of crash-ahead days) " << fmt(base)
       << "; thresholds chosen on validation by max F1. A drawdown of " << o.drawdown * 100 << "% within " << o.horizon
       << " days of " << (o.index_column.empty() ? "the equal-weight index" : o.index_column) << ".\n";
    std::cout << "\n" << md.str();

    std::ostringstream pred;
    pred << "date,label";
    for (const auto& r : rows) pred << "," << r.model;
    pred << "\n";
    for (std::size_t i = 0; i < p.test.days.size(); ++i) {
        pred << p.panel.dates[p.test.days[i]] << "," << p.test.labels[i];
        for (const auto& r : rows) pred << "," << r.test_scores[i];
        pred << "\n";
    }
    std::ostringstream cfg;
    cfg << "{\n  \"data\": \"" << o.data << "\",\n  \"index\": \"" << o.index_column << "\",\n  \"horizon\": " << o.horizon
        << ",\n  \"drawdown\": " << o.drawdown << ",\n  \"window\": " << o.window << ",\n  \"epochs\": " << o.epochs
        << ",\n  \"patience\": " << o.patience << ",\n  \"seed\": " << o.seed << ",\n  \"models\": [";
    for (std::size_t i = 0; i < o.models.size(); ++i) cfg << (i ? ", " : "") << "\"" << o.models[i] << "\"";
    cfg << "]\n}\n";
    const std::filesystem::path out(o.out);
    canary::io::write_text_atomic(out / "table.md", md.str());
    canary::io::write_text_atomic(out / "table.csv", csv.str());
    canary::io::write_text_atomic(out / "predictions.csv", pred.str());
    canary::io::write_text_atomic(out / "config.json", cfg.str());
    std::cout << "wrote " << (out / "table.md").string() << ", table.csv, predictions.csv, config.json and weights\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"canary-risk: systemic-risk early warning from daily prices"};
    app.require_subcommand(1);
    Options o;
    auto* cmp = app.add_subcommand("compare", "train and compare early-warning models on one price panel");
    cmp->add_option("--data", o.data, "CSV of daily prices: date column + one column per instrument");
    cmp->add_option("--index", o.index_column, "reference column for the market label (empty: equal-weight index)");
    cmp->add_option("--horizon", o.horizon, "label horizon H in trading days");
    cmp->add_option("--drawdown", o.drawdown, "label drawdown threshold theta");
    cmp->add_option("--window", o.window, "window length T in days");
    cmp->add_option("--models", o.models, "models to train (logistic, mlp)")->delimiter(',');
    cmp->add_option("--epochs", o.epochs, "maximum epochs");
    cmp->add_option("--patience", o.patience, "early-stopping patience in epochs");
    cmp->add_option("--seed", o.seed, "random seed (weights, shuffling, dropout)");
    cmp->add_option("--out", o.out, "output folder");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        return compare(o);
    } catch (const std::exception& e) {
        std::cerr << "canary-risk: " << e.what() << "\n";
        return 1;
    }
}

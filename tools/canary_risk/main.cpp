// canary-risk: an honest early-warning study from a CSV of daily prices.
//
//   canary-risk compare --data prices.csv --index SPI --horizon 20 --drawdown 0.10
//                       --models logistic,mlp --threshold max_f1 --out out/
//
// prices -> 16 market features (trailing windows only) -> forward-drawdown labels -> chronological
// train/validation/test split with an H-day purge -> scaler fitted on training days -> each model
// trained with early stopping on validation loss. Every signal (models, the classical indicators,
// the honesty rows) then gets its threshold on validation only (--threshold), and test metrics
// with block-bootstrap 95% intervals, lead times per crash episode, false alarms per year,
// permutation importance, saliency and plots. Everything is written to --out together with
// config.json, and `canary-risk compare --config out/config.json` repeats the run exactly.
// docs/canary-risk.md explains every option and output.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
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
#include "canary/risk/indicators.hpp"
#include "canary/risk/interpretability.hpp"
#include "gnuplot.hpp"
#include "canary/risk/report.hpp"
#include "credit.hpp"
#include "models.hpp"
#include "plots.hpp"
#include "study.hpp"

namespace cd = canary::data;
namespace cr = canary::risk;
using namespace canary_risk;

namespace {

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
    if (p.split.train.empty() || p.split.validation.empty() || p.split.test.empty())
        throw canary::config_error("too few labelled days for a train/validation/test split (" +
                                   std::to_string(samples.size()) + " samples); use a longer price history");
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
        << p.base_rate_train << "), validation " << p.validation.days.size() << " ("
        << p.panel.dates[p.split.validation.front()] << " .. " << p.panel.dates[p.split.validation.back()] << "), test "
        << p.test.days.size() << " (" << p.panel.dates[p.split.test.front()] << " .. "
        << p.panel.dates[p.split.test.back()] << ")\n";
    return p;
}

std::string fmt(double v, int digits = 3) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

std::string with_ci(const cr::bootstrap_interval& b) {
    return fmt(b.estimate) + " [" + fmt(b.lower) + ", " + fmt(b.upper) + "]";
}

// ---- configuration ------------------------------------------------------------------------------

/// Everything that can be checked before reading the data, so that a typo fails in milliseconds.
void validate(const Options& o) {
    const auto registry = model_registry();
    for (const auto& m : o.models)
        if (!registry.count(m)) {
            std::string known;
            for (const auto& [name, runner] : registry) known += (known.empty() ? "" : ", ") + name;
            throw canary::config_error("unknown model '" + m + "' (known: " + known + ")");
        }
    (void)cr::parse_threshold_rule(o.threshold);
    if (!(o.mu >= 0 && o.mu <= 1)) throw canary::config_error("--mu must lie in [0, 1], got " + fmt(o.mu));
    if (o.horizon < 1) throw canary::config_error("--horizon must be at least 1");
    if (!(o.drawdown > 0 && o.drawdown < 1)) throw canary::config_error("--drawdown must lie in (0, 1), got " + fmt(o.drawdown));
    if (o.window < 1) throw canary::config_error("--window must be at least 1");
    if (o.epochs < 1) throw canary::config_error("--epochs must be at least 1");
    if (o.bootstrap < 1) throw canary::config_error("--bootstrap must be at least 1");
    if (o.sustain < 1) throw canary::config_error("--sustain must be at least 1");
    if (o.indicator_window < 3) throw canary::config_error("--indicator-window must be at least 3");
    if (o.permutation_repeats < 1) throw canary::config_error("--permutation-repeats must be at least 1");
    if (!std::filesystem::is_regular_file(o.data)) throw canary::io_error(o.data, "no such data file");
}

// ---- baselines ----------------------------------------------------------------------------------

std::vector<double> at_days(const std::vector<double>& series, const std::vector<std::size_t>& days) {
    std::vector<double> out;
    for (std::size_t d : days) out.push_back(series[d]);
    return out;
}

bool all_finite(const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

/// Indicator rows: the indicator value on each day is the score; its threshold is chosen on
/// validation like a model's. An indicator undefined on some validation/test day is left out
/// with a message (window longer than the history before the validation span).
std::vector<Row> indicator_rows(const Prepared& p, const Options& o, std::ostream& log) {
    std::vector<Row> rows;
    if (p.panel.instrument_count() < 2) {
        log << "  classical indicators skipped: they need at least 2 instruments\n";
        return rows;
    }
    for (auto& series : cr::classical_indicators(p.panel, o.indicator_window)) {
        Row r;
        r.model = series.name;
        r.kind = RowKind::indicator;
        r.validation_scores = at_days(series.values, p.validation.days);
        r.test_scores = at_days(series.values, p.test.days);
        if (!all_finite(r.validation_scores) || !all_finite(r.test_scores)) {
            log << "  [" << series.name << "] left out: undefined on some validation/test day (indicator window "
                << o.indicator_window << " days is too long for this history)\n";
            continue;
        }
        r.note = "trailing " + std::to_string(o.indicator_window) + "-day window";
        rows.push_back(std::move(r));
    }
    return rows;
}

// ---- the study ----------------------------------------------------------------------------------

// ---- the stages of compare: prepare -> train -> evaluate -> report -------------------------------

/// Train: every asked-for model (logistic regression always, as an honesty row when not asked for),
/// the classical indicators and the honesty rows, each a scored Row.
std::vector<Row> train_rows(const Prepared& p, const Options& o, std::ostream& log) {
    if (p.base_rate_train == 0.0)
        log << "WARNING: the training span has no crash-ahead days; the models cannot learn what precedes a crash "
               "(try a smaller --drawdown)\n";
    std::vector<Row> rows;
    const auto registry = model_registry();
    for (const auto& m : o.models) {
        if (m.rfind("srr_", 0) == 0 && p.panel.instrument_count() < 2) {
            log << "  [" << m << "] skipped: a graph model needs at least 2 instruments\n";
            continue;
        }
        Row r = registry.at(m)(p, o, log);
        if (r.kind == RowKind::skipped) log << "  [" << m << "] skipped: " << r.note << "\n";  // e.g. an optional library
        else rows.push_back(std::move(r));
    }
    if (std::find(o.models.begin(), o.models.end(), "logistic") == o.models.end()) {
        rows.push_back(registry.at("logistic")(p, o, log));
        rows.back().kind = RowKind::honesty;
    }
    for (auto& r : indicator_rows(p, o, log)) rows.push_back(std::move(r));
    // Honesty rows: what the table would show with no skill.
    {
        Row base;
        base.model = "base-rate";
        base.kind = RowKind::honesty;
        base.note = "constant score = training share of positives";
        base.validation_scores.assign(p.validation.days.size(), p.base_rate_train);
        base.test_scores.assign(p.test.days.size(), p.base_rate_train);
        rows.push_back(std::move(base));
        Row always;
        always.model = "always-positive";
        always.kind = RowKind::honesty;
        always.note = "warns every day (threshold fixed, not chosen)";
        always.threshold = 0.5;
        always.test_scores.assign(p.test.days.size(), 1.0);
        rows.push_back(std::move(always));
    }

    return rows;
}

/// How every row is evaluated: one threshold rule on validation, the test span's bootstrap and
/// lead-time settings.
struct Evaluation {
    cr::signal_evaluation_options options;
    cr::threshold_rule rule{};
    std::int64_t validation_positives = 0;
    bool validation_one_class = false;
};

/// Evaluate: the one threshold choice of every row (on validation, by --threshold), frozen, then
/// the test metrics, bootstrap intervals and lead times.
std::vector<Evaluated> evaluate_rows(std::vector<Row> rows, const Prepared& p, const Options& o, Evaluation& ev,
                                     std::ostream& log) {
    ev.rule = cr::parse_threshold_rule(o.threshold);
    cr::signal_evaluation_options& eo = ev.options;
    eo.rule = ev.rule;
    eo.mu = o.mu;
    eo.bootstrap.block_length = std::min(o.horizon, p.test.days.size());
    eo.bootstrap.resamples = o.bootstrap;
    eo.bootstrap.seed = o.seed;
    eo.lead.lookback = static_cast<std::int64_t>(o.horizon);
    eo.lead.min_consecutive = static_cast<std::int64_t>(o.sustain);
    std::vector<std::int64_t> test_days(p.test.days.begin(), p.test.days.end());
    std::vector<Evaluated> evaluated;
    // No threshold rule is defined on a validation span without both classes (e.g. no crash in
    // it). Rather than stop, every signal then gets "never warn" (+inf): the ranking metrics on the
    // test span are still meaningful, and the table says loudly why the threshold ones are empty.
    const auto validation_positives = ev.validation_positives = std::count(p.validation.labels.begin(), p.validation.labels.end(), 1);
    const bool validation_one_class = ev.validation_one_class =
        validation_positives == 0 || std::size_t(validation_positives) == p.validation.labels.size();
    if (validation_one_class)
        log << "WARNING: the validation span has " << (validation_positives == 0 ? "no" : "only")
            << " crash-ahead days, so no threshold can be chosen; every signal is evaluated as 'never warn' "
               "(threshold inf). Try a smaller --drawdown or a longer --horizon.\n";
    for (auto& r : rows) {
        Evaluated e{std::move(r), {}};
        if (validation_one_class && !e.row.validation_scores.empty()) {
            e.eval = cr::evaluate_at_threshold(std::numeric_limits<double>::infinity(), e.row.test_scores, p.test.labels,
                                               test_days, eo);
        } else if (e.row.validation_scores.empty()) {
            // A fixed rule (always-positive): its threshold is part of its definition.
            e.eval = cr::evaluate_at_threshold(e.row.threshold, e.row.test_scores, p.test.labels, test_days, eo);
        } else {
            e.eval = cr::evaluate_signal(e.row.validation_scores, p.validation.labels, e.row.test_scores, p.test.labels,
                                         test_days, eo);
        }
        // An indicator is not a probability, even when its values happen to lie in [0, 1].
        if (e.row.kind == RowKind::indicator) e.eval.test.brier = std::numeric_limits<double>::quiet_NaN();
        e.row.threshold = e.eval.choice.threshold;
        evaluated.push_back(std::move(e));
    }

    return evaluated;
}

/// The learned model with the best validation AUROC (never a test number), or nullptr.
const Evaluated* best_by_validation(const std::vector<Evaluated>& evaluated, const Prepared& p, double& best_auroc) {
    const Evaluated* best = nullptr;
    best_auroc = -1;
    for (const auto& e : evaluated) {
        if (e.row.history.train_loss.empty()) continue;
        const double v = cr::auroc(e.row.validation_scores, p.validation.labels).value;
        if (v > best_auroc) best_auroc = v, best = &e;
    }

    return best;
}

/// Report: tables, per-day predictions, interpretability, configuration and plots in --out.
void report(const std::vector<Evaluated>& evaluated, const Prepared& p, const Options& o, const Evaluation& ev) {
    const std::filesystem::path out(o.out);
    const cr::threshold_rule rule = ev.rule;
    const cr::signal_evaluation_options& eo = ev.options;
    const bool validation_one_class = ev.validation_one_class;
    const auto validation_positives = ev.validation_positives;
    double best_auroc = -1;
    const Evaluated* best = best_by_validation(evaluated, p, best_auroc);
    double base = 0;
    for (int l : p.test.labels) base += l;
    base /= static_cast<double>(p.test.labels.size());

    // ---- table ----
    std::ostringstream md, csv;
    md << "| signal | kind | threshold | precision | recall | F1 [95% CI] | AUROC [95% CI] | AP [95% CI] | Brier | U_r |\n"
       << "|---|---|---|---|---|---|---|---|---|---|\n";
    csv << "signal,kind,threshold,accuracy,precision,recall,f1,f1_lo,f1_hi,auroc,auroc_lo,auroc_hi,average_precision,ap_lo,"
           "ap_hi,pr_auc,brier,usefulness_relative,episodes,episodes_warned,share_warned,median_lead_days,"
           "mean_lead_days,false_alarms_per_year,false_alarm_days_per_year\n";
    std::ostringstream lead_md;
    lead_md << "| signal | episodes | warned | share warned | median lead (days) | mean lead (days) | false alarms / year | false-alarm days / year |\n"
            << "|---|---|---|---|---|---|---|---|\n";
    std::ostringstream lead_csv;
    lead_csv << "signal,kind,episode,onset_date,end_date,warned,lead_days\n";
    for (const auto& e : evaluated) {
        const auto& c = e.eval.test;
        const auto& l = e.eval.lead;
        std::size_t warned = 0;
        for (const auto& ep : l.episodes) warned += ep.warned() ? 1 : 0;
        md << "| " << e.row.model << " | " << to_string(e.row.kind) << " | " << fmt(e.row.threshold, 4) << " | " << fmt(c.precision)
           << " | " << fmt(c.recall) << " | " << with_ci(e.eval.f1) << " | " << with_ci(e.eval.auroc) << " | "
           << with_ci(e.eval.average_precision) << " | " << fmt(c.brier) << " | " << fmt(e.eval.usefulness_relative) << " |\n";
        csv << e.row.model << "," << to_string(e.row.kind) << "," << e.row.threshold << "," << c.accuracy << "," << c.precision << ","
            << c.recall << "," << c.f1 << "," << e.eval.f1.lower << "," << e.eval.f1.upper << "," << c.auroc.value << ","
            << e.eval.auroc.lower << "," << e.eval.auroc.upper << "," << c.average_precision.value << ","
            << e.eval.average_precision.lower << "," << e.eval.average_precision.upper << "," << c.pr_auc.value << ","
            << c.brier << "," << e.eval.usefulness_relative << "," << l.episodes.size() << "," << warned << ","
            << l.share_warned << "," << l.median_lead_time << "," << l.mean_lead_time << "," << l.false_alarms_per_year
            << "," << l.false_alarm_days_per_year << "\n";
        lead_md << "| " << e.row.model << " | " << l.episodes.size() << " | " << warned << " | " << fmt(l.share_warned, 2)
                << " | " << fmt(l.median_lead_time, 1) << " | " << fmt(l.mean_lead_time, 1) << " | "
                << fmt(l.false_alarms_per_year, 2) << " | " << fmt(l.false_alarm_days_per_year, 1) << " |\n";
        for (std::size_t k = 0; k < l.episodes.size(); ++k) {
            const auto& ep = l.episodes[k];
            lead_csv << e.row.model << "," << to_string(e.row.kind) << "," << k + 1 << "," << p.panel.dates[std::size_t(ep.onset)] << ","
                     << p.panel.dates[std::size_t(ep.end)] << "," << (ep.warned() ? 1 : 0) << ","
                     << (ep.warned() ? std::to_string(*ep.lead_time) : std::string()) << "\n";
        }
    }
    const std::string reference = o.index_column.empty() ? "the equal-weight index" : o.index_column;
    md << "\nTest span " << p.panel.dates[p.test.days.front()] << " .. " << p.panel.dates[p.test.days.back()] << ": "
       << p.test.labels.size() << " days, base rate (share of days with a " << o.drawdown * 100 << "% drawdown of "
       << reference << " within the next " << o.horizon << " days) " << fmt(base) << ". Thresholds chosen on validation ("
       << p.validation.labels.size() << " days) by " << o.threshold << (rule == cr::threshold_rule::usefulness ? " (mu " + fmt(o.mu, 2) + ")" : "")
       << " and frozen; 95% CIs: moving-block bootstrap, block " << eo.bootstrap.block_length << " days, " << o.bootstrap
       << " resamples. Indicators are scored by rank (Brier needs probabilities). U_r: Sarlin's relative usefulness at mu "
       << fmt(o.mu, 2) << ".\n\nLead times per crash episode in the test span (a warning = " << o.sustain
       << " consecutive days at or above the threshold; lookback " << o.horizon << " days):\n\n"
       << lead_md.str();
    if (base == 0.0 || base == 1.0)
        md << "\n**The test span has " << (base == 0.0 ? "no" : "only") << " crash-ahead days:** no metric here says "
           << "anything about skill (AUROC and AP are undefined). A smaller --drawdown gives crash days in the test span.\n";
    if (p.base_rate_train == 0.0)
        md << "\n**The training span has no crash-ahead days:** the learned models had nothing to learn from; their rows "
              "are noise. A smaller --drawdown gives crash days in training.\n";
    if (validation_one_class)
        md << "\n**No threshold could be chosen:** the validation span has " << (validation_positives == 0 ? "no" : "only")
           << " crash-ahead days, so every threshold is inf (never warn) and precision, recall, F1 and lead times say "
              "nothing; read AUROC and AP only. A smaller --drawdown or a longer --horizon gives crash days in validation.\n";
    if (best)
        md << "\nBest learned model by validation AUROC: " << best->row.model << " (" << fmt(best_auroc) << ").\n";
    std::cout << "\n" << md.str();

    // ---- predictions ----
    std::ostringstream pred;
    pred.precision(9);
    pred << "date,span,label";
    for (const auto& e : evaluated) pred << "," << e.row.model;
    pred << "\n";
    for (std::size_t i = 0; i < p.validation.days.size(); ++i) {
        pred << p.panel.dates[p.validation.days[i]] << ",validation," << p.validation.labels[i];
        for (const auto& e : evaluated) pred << "," << (e.row.validation_scores.empty() ? std::string() : std::to_string(e.row.validation_scores[i]));
        pred << "\n";
    }
    for (std::size_t i = 0; i < p.test.days.size(); ++i) {
        pred << p.panel.dates[p.test.days[i]] << ",test," << p.test.labels[i];
        for (const auto& e : evaluated) pred << "," << e.row.test_scores[i];
        pred << "\n";
    }

    // ---- interpretability ----
    std::ostringstream importance;
    importance << "model,feature,baseline_auroc,auroc_drop_mean,auroc_drop_sd,repeats\n";
    std::size_t saliency_index = 0;
    if (!o.saliency_day.empty()) {
        auto it = std::find_if(p.test.days.begin(), p.test.days.end(),
                               [&](std::size_t d) { return p.panel.dates[d] == o.saliency_day; });
        if (it == p.test.days.end())
            throw canary::config_error("--saliency-day " + o.saliency_day + " is not a day of the test span (" +
                                       p.panel.dates[p.test.days.front()] + " .. " + p.panel.dates[p.test.days.back()] + ")");
        saliency_index = std::size_t(it - p.test.days.begin());
    } else if (best) {
        saliency_index = std::size_t(std::max_element(best->row.test_scores.begin(), best->row.test_scores.end()) -
                                     best->row.test_scores.begin());
    }
    const std::string saliency_date = p.panel.dates[p.test.days[saliency_index]];
    std::vector<std::string> window_dates;
    for (std::size_t k = 0; k < o.window; ++k) window_dates.push_back(p.panel.dates[p.test.days[saliency_index] + 1 + k - o.window]);
    const std::vector<std::string> feature_names(cd::market_feature_names.begin(), cd::market_feature_names.end());
    std::map<std::string, std::vector<double>> saliency;
    for (const auto& e : evaluated) {
        if (!e.row.score_windows) continue;
        const auto imp = cr::permutation_importance(p.test.x,
                                                    p.test.days.size(), o.window, 16, p.test.labels, e.row.score_windows,
                                                    o.permutation_repeats, o.seed);
        for (std::size_t f = 0; f < 16; ++f)
            importance << e.row.model << "," << feature_names[f] << "," << imp.baseline_auroc << "," << imp.mean_drop[f] << ","
                       << imp.sd_drop[f] << "," << o.permutation_repeats << "\n";
        if (e.row.saliency) {
            saliency[e.row.model] = e.row.saliency(p.test.x.data() + saliency_index * o.window * 16);
            canary::io::atomic_write(out / ("saliency_" + e.row.model + ".csv"),
                                          cr::day_feature_csv(window_dates, feature_names, saliency[e.row.model]));
        }
    }

    // ---- files ----
    canary::io::atomic_write(out / "table.md", md.str());
    canary::io::atomic_write(out / "table.csv", csv.str());
    canary::io::atomic_write(out / "lead_times.csv", lead_csv.str());
    canary::io::atomic_write(out / "predictions.csv", pred.str());
    canary::io::atomic_write(out / "permutation_importance.csv", importance.str());
    canary::io::atomic_write(out / "config.json", to_json(o).dump(2) + "\n");

    // ---- plots ----
    if (o.plots) {
        plot_session plots(out / "plots");
        std::vector<const Evaluated*> curves, trained;
        for (const auto& e : evaluated) {
            if (e.row.kind == RowKind::model || e.row.kind == RowKind::indicator || !e.row.history.train_loss.empty()) curves.push_back(&e);
            if (!e.row.history.train_loss.empty()) trained.push_back(&e);
        }
        if (best) plot_timeline(plots, p, o, *best);
        plot_curves(plots, p, curves);
        plot_losses(plots, trained);
        for (const auto& [model, grad] : saliency) plot_saliency(plots, model, saliency_date, grad, o.window);
        std::cout << plots.summary() << "\n";
    }
    std::cout << "wrote " << (out / "table.md").string()
              << ", table.csv, lead_times.csv, predictions.csv, permutation_importance.csv, saliency_<model>.csv (window ending "
              << saliency_date << "), config.json and weights\n";
}

int compare(Options o) {
    validate(o);
    (void)cr::parse_threshold_rule(o.threshold);
    std::filesystem::create_directories(o.out);
    std::ostream& log = std::cout;
    const Prepared p = prepare(o, log);
    Evaluation ev;
    const std::vector<Evaluated> evaluated = evaluate_rows(train_rows(p, o, log), p, o, ev, log);
    report(evaluated, p, o, ev);
    return 0;
}

/// --config is read before the other options so that options given on the command line win.
std::string find_config_argument(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--config" && i + 1 < argc) return argv[i + 1];
        if (a.rfind("--config=", 0) == 0) return a.substr(9);
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    const canary::dist::Environment mpi(argc, argv);  // MPI_Init under mpirun (when built with MPI); else nothing
    CLI::App app{"canary-risk: systemic-risk early warning from daily prices"};
    app.require_subcommand(1);
    Options o;
    canary_risk::StudyOptions study_options;
    CLI::App* study = canary_risk::add_study_command(app, study_options);
    std::string config;
    auto* cmp = app.add_subcommand("compare", "train and compare early-warning models on one price panel");
    cmp->add_option("--config", config, "config.json of an earlier run: repeat it (options given here override)");
    cmp->add_option("--data", o.data, "CSV of daily prices: date column + one column per instrument");
    cmp->add_option("--index", o.index_column, "reference column for the market label (empty: equal-weight index)");
    cmp->add_option("--horizon", o.horizon, "label horizon H in trading days");
    cmp->add_option("--drawdown", o.drawdown, "label drawdown threshold theta");
    cmp->add_option("--window", o.window, "window length T in days");
    cmp->add_option("--models", o.models, "models to train, comma-separated (default: all); logistic always runs as an honesty row")
        ->delimiter(',');
    cmp->add_option("--epochs", o.epochs, "maximum epochs");
    cmp->add_option("--patience", o.patience, "early-stopping patience in epochs");
    cmp->add_option("--seed", o.seed, "random seed (weights, shuffling, dropout, bootstrap, permutations)");
    cmp->add_option("--threshold", o.threshold, "threshold rule on validation: max_f1, youden or usefulness");
    cmp->add_option("--mu", o.mu, "usefulness preference in [0, 1] (aversion to missed crises vs false alarms)");
    cmp->add_option("--bootstrap", o.bootstrap, "block-bootstrap resamples for the 95% intervals");
    cmp->add_option("--sustain", o.sustain, "consecutive days at or above the threshold that make a warning");
    cmp->add_option("--indicator-window", o.indicator_window, "trailing window of the classical indicators (days)");
    cmp->add_option("--permutation-repeats", o.permutation_repeats, "shuffles per feature for permutation importance");
    cmp->add_option("--saliency-day", o.saliency_day, "test date (YYYY-MM-DD) for saliency maps (default: peak of best model)");
    cmp->add_flag("--plots,!--no-plots", o.plots, "render PNG plots with gnuplot (default on)");
    cmp->add_option("--out", o.out, "output folder");
    cmp->add_option("--graph-window", o.graph_window, "graph models: trailing days of the Spearman correlation graphs");
    cmp->add_option("--graph-threshold", o.graph_threshold, "graph models: edge when |rho| >= this");
    cmp->add_option("--graph-steps", o.graph_steps, "srr_temporal_gnn: graphs per sample (K)");
    const canary_risk::CreditCommand credit = canary_risk::add_credit_command(app);
    try {
        const std::string path = find_config_argument(argc, argv);
        if (!path.empty()) load_config(path, o);
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "canary-risk: " << e.what() << " (see canary-risk compare --help)\n";
        return e.get_exit_code() ? e.get_exit_code() : 2;
    } catch (const std::exception& e) {
        std::cerr << "canary-risk: " << e.what() << "\n";
        return 1;
    }
    try {
        if (study->parsed()) return canary_risk::run_study(study_options, mpi.world());
        if (credit.command->parsed()) return credit.run();
        return compare(o);
    } catch (const std::exception& e) {
        std::cerr << "canary-risk: " << e.what() << "\n";
        return 1;
    }
}

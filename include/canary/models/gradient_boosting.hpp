#pragma once
// Gradient-boosted trees through XGBoost (Debian libxgboost-dev, C API): binary:logistic boosting
// with early stopping on a validation set's log loss; the booster is then cut to the best round
// (XGBoosterSlice), so predictions use exactly the trees that were best on validation.
// Optional like random_forest.hpp: declared only when CMake defines CANARY_HAVE_XGBOOST.
// NaN in the features means missing (XGBoost learns a default branch for it).
#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/core/shape.hpp"
#include "canary/models/xgboost_booster.hpp"

namespace canary::models {

struct gradient_boosting_options {
    int max_rounds = 500;
    int patience = 30;            ///< rounds without a better validation log loss before stopping
    int max_depth = 3;
    double learning_rate = 0.05;
    double row_subsample = 0.8;
    double column_subsample = 0.8;
    double min_child_weight = 1.0;
    double l2 = 1.0;              ///< XGBoost's reg_lambda
    double positive_weight = 1.0; ///< scale_pos_weight
    std::uint64_t seed = 0;
    int threads = 1;              ///< one thread: bitwise reproducible
    std::string tree_method = "exact";  ///< "hist" (histogram splits) for large data
};

/// requires: x row-major (n, f) float, labels 0/1 as float; validation non-empty.
/// ensures:  best_rounds() in [1, max_rounds]; predict_proba uses that many rounds.
class gradient_boosting {
public:
    explicit gradient_boosting(gradient_boosting_options o = {}) : options_(o) {}
    gradient_boosting(const gradient_boosting&) = delete;
    gradient_boosting& operator=(const gradient_boosting&) = delete;
    ~gradient_boosting() {
        if (booster_) XGBoosterFree(booster_);
    }

    void fit(const float* x, index n, index f, const float* y, const float* xv, index nv, const float* yv) {
        if (n <= 0 || f <= 0 || nv <= 0) throw shape_error("gradient_boosting::fit: empty training or validation matrix");
        detail::xgboost_matrix train(x, n, f), validation(xv, nv, f);
        detail::xgboost_check(XGDMatrixSetFloatInfo(train.handle, "label", y, static_cast<bst_ulong>(n)), "XGDMatrixSetFloatInfo");
        BoosterHandle full = nullptr;
        detail::xgboost_check(XGBoosterCreate(&train.handle, 1, &full), "XGBoosterCreate");
        const auto set = [&](const char* key, const std::string& value) {
            detail::xgboost_check(XGBoosterSetParam(full, key, value.c_str()), "XGBoosterSetParam");
        };
        set("objective", "binary:logistic");
        set("booster", "gbtree");
        set("tree_method", options_.tree_method);
        set("learning_rate", std::to_string(options_.learning_rate));
        set("max_depth", std::to_string(options_.max_depth));
        set("subsample", std::to_string(options_.row_subsample));
        set("colsample_bytree", std::to_string(options_.column_subsample));
        set("min_child_weight", std::to_string(options_.min_child_weight));
        set("reg_lambda", std::to_string(options_.l2));
        set("scale_pos_weight", std::to_string(options_.positive_weight));
        set("seed", std::to_string(options_.seed % 2147483647ULL));
        set("nthread", std::to_string(options_.threads));
        set("verbosity", "0");
        double best = INFINITY;
        int since = 0;
        best_rounds_ = 1;
        for (int round = 0; round < options_.max_rounds; ++round) {
            detail::xgboost_check(XGBoosterUpdateOneIter(full, round, train.handle), "XGBoosterUpdateOneIter");
            bst_ulong len = 0;
            const float* p = nullptr;
            detail::xgboost_check(XGBoosterPredict(full, validation.handle, 0, 0, 0, &len, &p), "XGBoosterPredict");
            double loss = 0;
            for (index i = 0; i < nv; ++i) {
                const double q = std::clamp(double(p[i]), 1e-15, 1 - 1e-15);
                loss -= yv[i] > 0.5 ? std::log(q) : std::log(1 - q);
            }
            if (loss < best - 1e-9) {
                best = loss;
                best_rounds_ = round + 1;
                since = 0;
            } else if (++since >= options_.patience) {
                break;
            }
        }
        if (booster_) XGBoosterFree(booster_);
        booster_ = nullptr;
        const int rc = XGBoosterSlice(full, 0, best_rounds_, 1, &booster_);
        XGBoosterFree(full);
        detail::xgboost_check(rc, "XGBoosterSlice");
        features_ = f;
    }

    int best_rounds() const noexcept { return best_rounds_; }

    std::vector<double> predict_proba(const float* x, index n, index f) const {
        return detail::xgboost_predict(booster_, features_, x, n, f, "gradient_boosting");
    }

private:

    gradient_boosting_options options_;
    BoosterHandle booster_ = nullptr;
    index features_ = 0;
    int best_rounds_ = 0;
};

}  // namespace canary::models
#endif

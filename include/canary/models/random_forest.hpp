#pragma once
// The random-forest baseline of arXiv 2512.17185, taken from an existing library rather than
// written here: XGBoost's random-forest mode (Debian libxgboost-dev, C API). A forest is one
// boosting round of `trees` parallel trees with learning rate 1, row subsampling without
// replacement and per-node feature subsampling (XGBoost's documented random-forest recipe).
//
// Optional at configure time: when CMake finds XGBoost it defines CANARY_HAVE_XGBOOST=1 and links
// it (target canary::xgboost). Without it this header declares nothing and callers skip the
// baseline with a message; it is never faked.
#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
#include <xgboost/c_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/core/shape.hpp"
#include "canary/models/xgboost_booster.hpp"

namespace canary::models {

struct random_forest_options {
    int trees = 300;
    int max_depth = 6;
    double row_subsample = 0.632;        ///< share of rows per tree (XGBoost draws without replacement)
    double column_subsample_per_node = 0.5;
    double min_child_weight = 1.0;
    double positive_weight = 1.0;        ///< XGBoost's scale_pos_weight (e.g. negatives / positives)
    std::uint64_t seed = 0;
    int threads = 1;                     ///< one thread gives bitwise reproducible forests
    std::string tree_method = "exact";   ///< "hist" (histogram splits) for large data
};

/// requires: features row-major (n, f), float; labels 0/1.
/// ensures: predict_proba returns the forest's mean leaf probability for each row.
class random_forest {
public:
    explicit random_forest(random_forest_options o = {}) : options_(o) {}
    random_forest(const random_forest&) = delete;
    random_forest& operator=(const random_forest&) = delete;
    ~random_forest() {
        if (booster_) XGBoosterFree(booster_);
    }

    void fit(const float* x, index n, index f, const float* y) {
        if (n <= 0 || f <= 0) throw shape_error("random_forest::fit: empty training matrix");
        detail::xgboost_matrix train(x, n, f);
        detail::xgboost_check(XGDMatrixSetFloatInfo(train.handle, "label", y, static_cast<bst_ulong>(n)), "XGDMatrixSetFloatInfo");
        if (booster_) XGBoosterFree(booster_);
        booster_ = nullptr;
        detail::xgboost_check(XGBoosterCreate(&train.handle, 1, &booster_), "XGBoosterCreate");
        const auto set = [&](const char* key, const std::string& value) {
            detail::xgboost_check(XGBoosterSetParam(booster_, key, value.c_str()), "XGBoosterSetParam");
        };
        set("objective", "binary:logistic");
        set("booster", "gbtree");
        set("tree_method", options_.tree_method);
        set("learning_rate", "1");
        set("num_parallel_tree", std::to_string(options_.trees));
        set("max_depth", std::to_string(options_.max_depth));
        set("subsample", std::to_string(options_.row_subsample));
        set("colsample_bynode", std::to_string(options_.column_subsample_per_node));
        set("min_child_weight", std::to_string(options_.min_child_weight));
        set("scale_pos_weight", std::to_string(options_.positive_weight));
        set("reg_lambda", "0");  // no shrinkage of leaf values: plain forest averaging
        set("seed", std::to_string(options_.seed % 2147483647ULL));
        set("nthread", std::to_string(options_.threads));
        set("verbosity", "0");
        detail::xgboost_check(XGBoosterUpdateOneIter(booster_, 0, train.handle), "XGBoosterUpdateOneIter");
        features_ = f;
    }

    std::vector<double> predict_proba(const float* x, index n, index f) const {
        return detail::xgboost_predict(booster_, features_, x, n, f, "random_forest");
    }

private:

    random_forest_options options_;
    BoosterHandle booster_ = nullptr;
    index features_ = 0;
};

}  // namespace canary::models
#endif

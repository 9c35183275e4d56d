#pragma once
// What random_forest.hpp and gradient_boosting.hpp share of XGBoost's C API: error checking, an
// owning DMatrix over a row-major float matrix, and prediction of one booster on n rows. Declared
// only when CMake defines CANARY_HAVE_XGBOOST (see random_forest.hpp).
#if defined(CANARY_HAVE_XGBOOST) && CANARY_HAVE_XGBOOST
#include <xgboost/c_api.h>

#include <cmath>
#include <string>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/core/shape.hpp"

namespace canary::models::detail {

inline void xgboost_check(int rc, const char* call) {
    if (rc != 0) throw error(std::string("XGBoost ") + call + " failed: " + XGBGetLastError());
}

/// An owning DMatrix over x (n, f), row-major; NaN means missing.
struct xgboost_matrix {
    DMatrixHandle handle = nullptr;
    xgboost_matrix(const float* x, index n, index f) {
        xgboost_check(XGDMatrixCreateFromMat(x, static_cast<bst_ulong>(n), static_cast<bst_ulong>(f), NAN, &handle),
                      "XGDMatrixCreateFromMat");
    }
    ~xgboost_matrix() {
        if (handle) XGDMatrixFree(handle);
    }
    xgboost_matrix(const xgboost_matrix&) = delete;
    xgboost_matrix& operator=(const xgboost_matrix&) = delete;
};

/// requires: booster trained on `features` columns (else error / shape_error naming `who`).
/// ensures:  the booster's probability for each of the n rows of x.
inline std::vector<double> xgboost_predict(BoosterHandle booster, index features, const float* x, index n, index f,
                                           const char* who) {
    if (!booster) throw error(std::string(who) + "::predict_proba before fit");
    if (f != features)
        throw shape_error(std::string(who) + "::predict_proba: " + std::to_string(f) + " features, trained on " +
                          std::to_string(features));
    xgboost_matrix data(x, n, f);
    bst_ulong len = 0;
    const float* out = nullptr;
    xgboost_check(XGBoosterPredict(booster, data.handle, 0, 0, 0, &len, &out), "XGBoosterPredict");
    if (len != static_cast<bst_ulong>(n)) throw error("XGBoosterPredict returned an unexpected number of values");
    return std::vector<double>(out, out + n);
}

}  // namespace canary::models::detail

#endif  // CANARY_HAVE_XGBOOST

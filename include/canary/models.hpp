#pragma once
// The models in one include: the papers' networks as type aliases (CNN-BiLSTM-attention, the SRR
// graph models and their graph pipeline, the window baselines) and the classical estimators
// (Newton logistic regression; XGBoost gradient boosting and random forest, which declare nothing
// unless CMake found XGBoost, target canary::xgboost). Evaluation lives in <canary/risk.hpp>.
#include "canary/models/baselines.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"
#include "canary/models/gradient_boosting.hpp"
#include "canary/models/logistic_regression.hpp"
#include "canary/models/random_forest.hpp"
#include "canary/models/srr.hpp"
#include "canary/models/srr_data.hpp"

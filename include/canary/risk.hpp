#pragma once
// Early-warning evaluation: metrics, threshold choice, lead times, block-bootstrap intervals, and
// the statistics core (paired tests, calibration, logistic regression).
#include "canary/risk/bootstrap.hpp"
#include "canary/risk/calibration.hpp"
#include "canary/risk/lead_time.hpp"
#include "canary/risk/logistic_regression.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/risk/paired.hpp"
#include "canary/risk/thresholds.hpp"

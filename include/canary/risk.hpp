#pragma once
// Early-warning evaluation: metrics, threshold choice, lead times, block-bootstrap intervals,
// paired tests and calibration. The models these evaluate are in <canary/models.hpp>.
#include "canary/risk/bootstrap.hpp"
#include "canary/risk/calibration.hpp"
#include "canary/risk/lead_time.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/risk/paired.hpp"
#include "canary/risk/thresholds.hpp"

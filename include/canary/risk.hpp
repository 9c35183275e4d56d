#pragma once
// Early-warning evaluation: metrics, threshold choice, lead times, block-bootstrap intervals.
#include "canary/risk/bootstrap.hpp"
#include "canary/risk/lead_time.hpp"
#include "canary/risk/metrics.hpp"
#include "canary/risk/thresholds.hpp"

#pragma once
// Credit risk on tabular loan data: the loan-table reader, WoE binning, encoders, splits and
// metrics, the points scorecard. Needs only the standard library and canary's risk metrics.
#include "canary/credit/binning.hpp"
#include "canary/credit/encoders.hpp"
#include "canary/credit/evaluation.hpp"
#include "canary/credit/scorecard.hpp"
#include "canary/credit/table.hpp"

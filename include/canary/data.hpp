#pragma once
// The data pipeline in one include: prices -> features -> labels -> windows -> splits -> scalers.
// See docs/data.md for the definitions and the no-look-ahead rule they all obey.
#include "canary/data/price_panel.hpp"
#include "canary/data/features.hpp"
#include "canary/data/labels.hpp"
#include "canary/data/windows.hpp"
#include "canary/data/splits.hpp"
#include "canary/data/scaler.hpp"

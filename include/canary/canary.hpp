#pragma once
// The umbrella header: the core library (tensors, autodiff, layers, models, training).
// Optional parts with heavier dependencies are included separately:
//   <canary/io/safetensors.hpp>  (nlohmann-json)    <canary/data.hpp>    <canary/models.hpp>
//   <canary/risk.hpp>   <canary/data/xtensor_interop.hpp> (xtensor at the data-loading boundary)
#include "canary/autodiff.hpp"
#include "canary/backend/cpu.hpp"
#include "canary/core/arena.hpp"
#include "canary/core/error.hpp"
#include "canary/core/rng.hpp"
#include "canary/core/shape.hpp"
#include "canary/layers.hpp"
#include "canary/model.hpp"
#include "canary/testing/gradient_check.hpp"
#include "canary/train.hpp"

#pragma once
// Matrix-level reverse-mode autodiff: tapes, variables, fused element-wise expressions, primitive ops.
#include "canary/autodiff/expr.hpp"
#include "canary/core/math.hpp"
#include "canary/autodiff/conv_ops.hpp"
#include "canary/autodiff/device_ops.hpp"
#include "canary/autodiff/graph_ops.hpp"
#include "canary/autodiff/norm_ops.hpp"
#include "canary/autodiff/ops.hpp"
#include "canary/autodiff/pool_ops.hpp"
#include "canary/autodiff/tape.hpp"
#include "canary/autodiff/var.hpp"

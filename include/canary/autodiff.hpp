#pragma once
// Matrix-level reverse-mode autodiff: tapes, variables, fused element-wise expressions, primitive ops.
#include "canary/autodiff/expr.hpp"
#include "canary/autodiff/math.hpp"
#include "canary/autodiff/ops.hpp"
#include "canary/autodiff/tape.hpp"
#include "canary/autodiff/var.hpp"

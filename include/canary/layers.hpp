#pragma once
// Every layer type.
#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/dropout.hpp"

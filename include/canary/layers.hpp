#pragma once
// Every layer type.
#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/dropout.hpp"
#include "canary/layers/gcn_conv.hpp"
#include "canary/layers/graph_batch.hpp"
#include "canary/layers/graph_pool.hpp"

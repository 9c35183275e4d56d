#pragma once
// Every layer type.
#include "canary/layers/activations.hpp"
#include "canary/layers/attention.hpp"
#include "canary/layers/bidirectional.hpp"
#include "canary/layers/conv1d.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/dropout.hpp"
#include "canary/layers/gru.hpp"
#include "canary/layers/layer_norm.hpp"
#include "canary/layers/lstm.hpp"
#include "canary/layers/pooling.hpp"
#include "canary/layers/recurrent.hpp"
#include "canary/layers/streaming.hpp"

#pragma once
// Composition: Sequential, Named, Model (flat parameter buffer), the Layer concept.
#include "canary/layers/layer.hpp"
#include "canary/model/model.hpp"
#include "canary/layers/sequential.hpp"
#include "canary/model/streaming.hpp"

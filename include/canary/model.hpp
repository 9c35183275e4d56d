#pragma once
// Composition: Sequential, Named, Model (flat parameter buffer), the Layer concept.
#include "canary/model/layer.hpp"
#include "canary/model/model.hpp"
#include "canary/model/sequential.hpp"
#include "canary/model/streaming.hpp"

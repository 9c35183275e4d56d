#pragma once
// Correlation graphs in one include: rolling correlations -> edge rules (threshold, top-k, MST on
// Boost.Graph) -> multi-layer graph sequences -> normalised adjacency for GCN layers, plus per-day
// graph statistics. See docs/graph.md.
#include "canary/graph/correlation.hpp"
#include "canary/graph/edges.hpp"
#include "canary/graph/multilayer.hpp"
#include "canary/graph/sequence.hpp"
#include "canary/graph/statistics.hpp"

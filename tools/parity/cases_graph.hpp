#pragma once
// canary_parity cases of the graph layers (torch references in tools/parity/cases_graph.py).
#include "canary/canary.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

inline void register_graph_cases(testing::ParityRegistry&) {}

}  // namespace canary::parity

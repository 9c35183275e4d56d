#pragma once
// canary_parity cases of the sequence layers (torch references in tools/parity/cases_sequence.py).
#include "canary/canary.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

inline void register_sequence_cases(testing::ParityRegistry&) {}

}  // namespace canary::parity

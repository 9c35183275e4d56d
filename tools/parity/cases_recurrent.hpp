#pragma once
// canary_parity cases of the recurrent layers (torch references in tools/parity/cases_recurrent.py).
#include "canary/canary.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

inline void register_recurrent_cases(testing::ParityRegistry&) {}

}  // namespace canary::parity

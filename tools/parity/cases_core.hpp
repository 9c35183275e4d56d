#pragma once
// canary_parity cases of the core layers (torch references in tools/parity/torch_cases.py).
#include "canary/canary.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

/// dense: torch nn.Linear(32, 16) (weight, bias); x (B, 32).
inline void register_core_cases(testing::ParityRegistry& r) {
    r.add_network<Dense<32, 16>>("dense");
}

}  // namespace canary::parity

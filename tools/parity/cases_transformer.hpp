#pragma once
// canary_parity cases of the Transformer layers (torch references in tools/parity/cases_transformer.py).
#include "canary/canary.hpp"
#include "canary/layers/multihead_attention.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

/// mha: nn.MultiheadAttention(64, 4, batch_first=True), self-attention, y = output; x (B, T, 64).
/// mha_causal: the same with the square subsequent (causal) mask.
inline void register_transformer_cases(testing::ParityRegistry& r) {
    r.add_network<MultiHeadAttention<64, 4>>("mha");
    MultiHeadAttention<64, 4> causal;
    causal.causal = true;
    r.add_network("mha_causal", causal);
}

}  // namespace canary::parity

#pragma once
// canary_parity cases of the Transformer layers (torch references in tools/parity/cases_transformer.py).
#include "canary/canary.hpp"
#include "canary/layers/multihead_attention.hpp"
#include "canary/layers/positional_encoding.hpp"
#include "canary/layers/tcn.hpp"
#include "canary/layers/transformer_encoder.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

/// mha: nn.MultiheadAttention(64, 4, batch_first=True), self-attention, y = output; x (B, T, 64).
/// mha_causal: the same with the square subsequent (causal) mask.
/// transformer_encoder: nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True), x (B, T, 64).
/// transformer_encoder_prenorm_gelu: (32, 2, 48, activation="gelu", norm_first=True), x (B, T, 32).
/// positional_sinusoidal / positional_learned: x + pe[:T] (D = 16; learned table `weight` (40, 16)).
/// tcn: three temporal blocks 16 -> 32 -> 32 -> 16, kernel 3, dilations 1, 2, 4 (names network.i.conv1...).
inline void register_transformer_cases(testing::ParityRegistry& r) {
    r.add_network<MultiHeadAttention<64, 4>>("mha");
    MultiHeadAttention<64, 4> causal;
    causal.causal = true;
    r.add_network("mha_causal", causal);
    TransformerEncoderLayer<64, 4, 128> encoder;
    encoder.dropout = 0.0;
    r.add_network("transformer_encoder", encoder);
    TransformerEncoderLayer<32, 2, 48, GELU> prenorm;
    prenorm.dropout = 0.0;
    prenorm.norm_first = true;
    r.add_network("transformer_encoder_prenorm_gelu", prenorm);
    r.add_network<TCN<16, 3, 32, 32, 16>>("tcn");
    r.add_network<SinusoidalPositionalEncoding<16>>("positional_sinusoidal");
    r.add_network<LearnedPositionalEncoding<16, 40>>("positional_learned");
}

}  // namespace canary::parity

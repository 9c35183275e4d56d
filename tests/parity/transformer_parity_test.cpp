// MultiHeadAttention against torch.nn.MultiheadAttention, with and without the causal mask.
#include "cases_transformer.hpp"
#include "parity_fixtures.hpp"

TEST(Parity, MultiHeadAttention) {
    canary::testing::ParityRegistry r;
    canary::parity::register_transformer_cases(r);
    canary::parity_test::expect_parity(r, "mha", 4);
    canary::parity_test::expect_parity(r, "mha_causal", 2);
}

TEST(Parity, TransformerEncoderLayer) {
    canary::testing::ParityRegistry r;
    canary::parity::register_transformer_cases(r);
    canary::parity_test::expect_parity(r, "transformer_encoder", 4);
    canary::parity_test::expect_parity(r, "transformer_encoder_prenorm_gelu", 2);
}

TEST(Parity, TemporalConvolutionalNetwork) {
    canary::testing::ParityRegistry r;
    canary::parity::register_transformer_cases(r);
    canary::parity_test::expect_parity(r, "tcn", 4);
}

TEST(Parity, PositionalEncodings) {
    canary::testing::ParityRegistry r;
    canary::parity::register_transformer_cases(r);
    canary::parity_test::expect_parity(r, "positional_sinusoidal", 2);
    canary::parity_test::expect_parity(r, "positional_learned", 2);
}

// Whole models against PyTorch, forward and backward, with the attention weights: the
// CNN-BiLSTM-attention model of arXiv 2502.06847 at its real widths (even, odd and minimal T) and
// at small widths over more shapes and in double precision.
#include "cases_models.hpp"
#include "parity_fixtures.hpp"

namespace {
canary::testing::ParityRegistry models_registry() {
    canary::testing::ParityRegistry r;
    canary::parity::register_models_cases(r);
    return r;
}
}  // namespace

TEST(Parity, CnnBiLstmAttention) {
    const double worst = canary::parity_test::expect_parity(models_registry(), "cnn_bilstm_attention", 3);
    EXPECT_LE(worst, 1e-4);
}
TEST(Parity, CnnBiLstmAttentionSmallWidthsManyShapes) {
    const double worst = canary::parity_test::expect_parity(models_registry(), "cnn_bilstm_attention_small", 5);
    EXPECT_LE(worst, 1e-4);
}

// Sequence layers against PyTorch, forward and backward (and attention weights), several batch
// sizes and sequence lengths including odd and length-one sequences, float and double.
#include "cases_sequence.hpp"
#include "parity_fixtures.hpp"

namespace {
canary::testing::ParityRegistry sequence_registry() {
    canary::testing::ParityRegistry r;
    canary::parity::register_sequence_cases(r);
    return r;
}
}  // namespace

TEST(Parity, Conv1dSymmetricPadding) { canary::parity_test::expect_parity(sequence_registry(), "conv1d", 5); }
TEST(Parity, Conv1dSamePaddingDilated) { canary::parity_test::expect_parity(sequence_registry(), "conv1d_same", 4); }
TEST(Parity, Conv1dSamePaddingEvenKernel) { canary::parity_test::expect_parity(sequence_registry(), "conv1d_same_even", 4); }
TEST(Parity, Conv1dCausal) { canary::parity_test::expect_parity(sequence_registry(), "conv1d_causal", 4); }
TEST(Parity, Conv1dStrideAndDilation) { canary::parity_test::expect_parity(sequence_registry(), "conv1d_strided", 5); }
TEST(Parity, MaxPool1d) { canary::parity_test::expect_parity(sequence_registry(), "maxpool1d", 5); }
TEST(Parity, AvgPool1d) { canary::parity_test::expect_parity(sequence_registry(), "avgpool1d", 4); }
TEST(Parity, GlobalMeanPool) { canary::parity_test::expect_parity(sequence_registry(), "global_mean_pool", 3); }
TEST(Parity, GlobalMaxPool) { canary::parity_test::expect_parity(sequence_registry(), "global_max_pool", 3); }
TEST(Parity, LastStep) { canary::parity_test::expect_parity(sequence_registry(), "last_step", 3); }
TEST(Parity, LayerNorm) { canary::parity_test::expect_parity(sequence_registry(), "layer_norm", 4); }
TEST(Parity, TemporalAttentionWithAlpha) { canary::parity_test::expect_parity(sequence_registry(), "attention", 5); }
TEST(Parity, ConvPoolNormAttentionPipeline) {
    canary::parity_test::expect_parity(sequence_registry(), "conv_attention_net", 3);
}

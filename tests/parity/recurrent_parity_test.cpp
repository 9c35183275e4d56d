// LSTM, GRU, Bidirectional and stacked networks against torch nn.LSTM / nn.GRU (batch_first=True):
// output sequences, final states, and gradients of the input, the initial states and every
// parameter, for several batch sizes and sequence lengths (T = 1 included), float and double.
#include "cases_recurrent.hpp"
#include "parity_fixtures.hpp"

namespace {
canary::testing::ParityRegistry recurrent_cases() {
    canary::testing::ParityRegistry r;
    canary::parity::register_recurrent_cases(r);
    return r;
}
}  // namespace

TEST(RecurrentParity, Lstm) { canary::parity_test::expect_parity(recurrent_cases(), "lstm", 3); }
TEST(RecurrentParity, Gru) { canary::parity_test::expect_parity(recurrent_cases(), "gru", 4); }
TEST(RecurrentParity, BidirectionalLstm) { canary::parity_test::expect_parity(recurrent_cases(), "bilstm", 1); }
TEST(RecurrentParity, BidirectionalLstmSmall) { canary::parity_test::expect_parity(recurrent_cases(), "bilstm_small", 3); }
TEST(RecurrentParity, BidirectionalGruSmall) { canary::parity_test::expect_parity(recurrent_cases(), "bigru_small", 2); }
TEST(RecurrentParity, StackedLstm) { canary::parity_test::expect_parity(recurrent_cases(), "lstm_stacked", 3); }
TEST(RecurrentParity, LstmInitialAndFinalStates) {
    canary::parity_test::expect_parity(recurrent_cases(), "lstm_state", 3);
}
TEST(RecurrentParity, StackedBidirectionalLstmStates) {
    canary::parity_test::expect_parity(recurrent_cases(), "bilstm_stacked_state", 2);
}
TEST(RecurrentParity, StackedBidirectionalGruStates) {
    canary::parity_test::expect_parity(recurrent_cases(), "bigru_stacked_state", 3);
}

// Dense against torch nn.Linear, forward and backward, several batch sizes, float and double.
#include "cases_core.hpp"
#include "parity_fixtures.hpp"

TEST(Parity, Dense) {
    canary::testing::ParityRegistry r;
    canary::parity::register_core_cases(r);
    canary::parity_test::expect_parity(r, "dense", 4);
}

TEST(Parity, Losses) {
    canary::testing::ParityRegistry r;
    canary::parity::register_core_cases(r);
    for (const char* loss : {"loss_bce_with_logits", "loss_focal", "loss_mse"}) canary::parity_test::expect_parity(r, loss, 3);
}

#pragma once
// Every canary_parity case. Each family registers itself from its own header so that tests can
// instantiate one family at a time.
#include "cases_core.hpp"
#include "cases_graph.hpp"
#include "cases_models.hpp"
#include "cases_recurrent.hpp"
#include "cases_sequence.hpp"
#include "cases_transformer.hpp"

namespace canary::parity {

inline testing::ParityRegistry all_cases() {
    testing::ParityRegistry r;
    register_core_cases(r);
    register_sequence_cases(r);
    register_recurrent_cases(r);
    register_graph_cases(r);
    register_transformer_cases(r);
    register_models_cases(r);
    return r;
}

}  // namespace canary::parity

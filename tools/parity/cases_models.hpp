#pragma once
// canary_parity cases of whole models (torch references in tools/parity/cases_models.py).
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

namespace models_detail {

/// Runs the model like run_parity, with a probe on its attention layer, and adds alpha as aux.alpha.
template <class Net, class T>
testing::ParityOutputs run_with_alpha(const testing::ParityArgs& args) {
    AttentionProbe probe;
    Net net;
    net.template get<models::cnn_bilstm_attention_attn>().probe = &probe;
    return testing::run_parity<Net, T>(args, std::move(net), [&probe](Model<Net, T>&, testing::ParityOutputs& out) {
        std::vector<T> alpha(probe.values().begin(), probe.values().end());
        testing::put_var(out, "aux.alpha", Shape{probe.batch(), probe.time()}, alpha.data());
    });
}

template <class Net>
testing::ParityRegistry::Runner alpha_runner() {
    return [](const testing::ParityArgs& a) {
        return a.double_precision() ? run_with_alpha<Net, double>(a) : run_with_alpha<Net, float>(a);
    };
}

}  // namespace models_detail

/// cnn_bilstm_attention: models::cnn_bilstm_attention<> (16, 32, 64, 64); y (B, 1), aux.alpha (B, T/2).
/// cnn_bilstm_attention_small: models::cnn_bilstm_attention<6, 8, 8, 6>, the same graph at small widths.
inline void register_models_cases(testing::ParityRegistry& r) {
    r.add("cnn_bilstm_attention", models_detail::alpha_runner<models::cnn_bilstm_attention<>>());
    r.add("cnn_bilstm_attention_small", models_detail::alpha_runner<models::cnn_bilstm_attention<6, 8, 8, 6>>());
}

}  // namespace canary::parity

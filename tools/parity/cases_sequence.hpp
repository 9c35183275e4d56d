#pragma once
// canary_parity cases of the sequence layers (torch references in tools/parity/cases_sequence.py).
#include <vector>

#include "canary/canary.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

namespace sequence_detail {

/// Runs `net` like run_parity and adds the attention weights its probe captured as aux.alpha.
template <class Net, class T>
testing::ParityOutputs run_with_alpha(const testing::ParityArgs& args, Net net, AttentionProbe& probe) {
    return testing::run_parity<Net, T>(args, std::move(net), [&probe](Model<Net, T>&, testing::ParityOutputs& out) {
        std::vector<T> alpha(probe.values().begin(), probe.values().end());
        testing::put_var(out, "aux.alpha", Shape{probe.batch(), probe.time()}, alpha.data());
    });
}

using AttentionNet = TemporalAttention<128, 64>;
using ConvAttentionNet = Sequential<Named<"conv", Conv1D<8, 16, 3>>, ReLU, MaxPool1D<2>, Named<"norm", LayerNorm<16>>,
                                    Named<"attn", TemporalAttention<16, 12>>, Named<"head", Dense<16, 3>>>;

inline ConvAttentionNet conv_attention_net(AttentionProbe* probe) {
    return ConvAttentionNet(Named<"conv", Conv1D<8, 16, 3>>(Padding::same()), ReLU{}, MaxPool1D<2>{},
                            Named<"norm", LayerNorm<16>>{}, Named<"attn", TemporalAttention<16, 12>>(probe),
                            Named<"head", Dense<16, 3>>{});
}

}  // namespace sequence_detail

/// conv1d: nn.Conv1d(16, 32, 3, padding=1) over time; x (B, T, 16) -> (B, T, 32).
/// conv1d_same: nn.Conv1d(6, 8, 4, padding='same', dilation=2). conv1d_same_even: K = 4, dilation 1.
/// conv1d_causal: nn.Conv1d(6, 8, 3, dilation=2) after F.pad(x, (4, 0)).
/// conv1d_strided: nn.Conv1d(6, 8, 3, stride=2, padding=2, dilation=2).
/// maxpool1d: nn.MaxPool1d(2), x (B, T, 32). avgpool1d: nn.AvgPool1d(3, stride=2), x (B, T, 10).
/// global_mean_pool / global_max_pool / last_step: x.mean(1), x.max(1).values, x[:, -1].
/// layer_norm: nn.LayerNorm(24) with random affine parameters.
/// attention: TemporalAttention(128, 64) -> context (B, 128) and aux.alpha (B, T).
/// conv_attention_net: conv(same) -> relu -> maxpool(2) -> layer norm -> attention -> linear.
inline void register_sequence_cases(testing::ParityRegistry& r) {
    r.add_network("conv1d", Conv1D<16, 32, 3>{Padding{1}});
    r.add_network("conv1d_same", Conv1D<6, 8, 4, 1, 2>{Padding::same()});
    r.add_network("conv1d_same_even", Conv1D<6, 8, 4>{Padding::same()});
    r.add_network("conv1d_causal", Conv1D<6, 8, 3, 1, 2>{Padding::causal()});
    r.add_network("conv1d_strided", Conv1D<6, 8, 3, 2, 2>{Padding{2}});
    r.add_network<MaxPool1D<2>>("maxpool1d");
    r.add_network<AvgPool1D<3, 2>>("avgpool1d");
    r.add_network<GlobalMeanPool>("global_mean_pool");
    r.add_network<GlobalMaxPool>("global_max_pool");
    r.add_network<LastStep>("last_step");
    r.add_network<LayerNorm<24>>("layer_norm");
    r.add("attention", [](const testing::ParityArgs& a) {
        AttentionProbe probe;
        sequence_detail::AttentionNet net{&probe};
        return a.double_precision() ? sequence_detail::run_with_alpha<sequence_detail::AttentionNet, double>(a, net, probe)
                                    : sequence_detail::run_with_alpha<sequence_detail::AttentionNet, float>(a, net, probe);
    });
    r.add("conv_attention_net", [](const testing::ParityArgs& a) {
        using Net = sequence_detail::ConvAttentionNet;
        AttentionProbe probe;
        const Net net = sequence_detail::conv_attention_net(&probe);
        return a.double_precision() ? sequence_detail::run_with_alpha<Net, double>(a, net, probe)
                                    : sequence_detail::run_with_alpha<Net, float>(a, net, probe);
    });
}

}  // namespace canary::parity

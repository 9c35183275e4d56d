#pragma once
// The baselines of arXiv 2502.06847 and 2512.17185 as typed networks, so that canary-risk trains
// each one on the same data, labels, splits, early stopping and metrics as every other model.
// Each reads (B, T, 16) windows of the market features (canary/data/market_features.hpp) and
// returns one logit per window. Architectures, shapes and parameter counts: docs/models/baselines.md.
//
// The random forest (XGBoost, canary/models/random_forest.hpp) reads a feature vector per window
// instead: forest_features() below builds it.
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "canary/layers/activations.hpp"
#include "canary/layers/attention.hpp"
#include "canary/layers/bidirectional.hpp"
#include "canary/layers/conv1d.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/graph_pool.hpp"
#include "canary/layers/lstm.hpp"
#include "canary/layers/pooling.hpp"
#include "canary/layers/positional_encoding.hpp"
#include "canary/layers/tcn.hpp"
#include "canary/layers/transformer_encoder.hpp"
#include "canary/layers/sequential.hpp"

namespace canary::models {

// PaddedConv1D (canary/layers/conv1d.hpp) gives the convolutions torch's padding=1 by default.

/// Transformer encoder classifier (2502.06847's Transformer baseline):
///   Dense 16->D input projection, sinusoidal positions, L post-norm encoder layers (Heads heads,
///   feed-forward FF, ReLU, dropout 0.1), mean over time, Dense D->1.
/// torch names: input_proj.*, encoder0.self_attn.*, ..., encoder1.*, head.*.
template <index F = 16, index D = 64, index Heads = 4, index FF = 128>
using transformer_classifier_of =
    Sequential<Named<"input_proj", Dense<F, D>>, SinusoidalPositionalEncoding<D>,
               Named<"encoder0", TransformerEncoderLayer<D, Heads, FF>>,
               Named<"encoder1", TransformerEncoderLayer<D, Heads, FF>>, GlobalMeanPool, Named<"head", Dense<D, 1>>>;
using transformer_classifier = transformer_classifier_of<>;

/// Temporal convolutional network (Bai et al. 2018): three residual blocks of causal dilated
/// convolutions (kernel 3, dilations 1, 2, 4, C channels; receptive field 29 days), the last step's
/// features, Dense C->1. Block dropout 0 (TemporalBlock's default).
template <index F = 16, index C = 32>
using tcn_classifier_of = Sequential<Named<"tcn", TCN<F, 3, C, C, C>>, LastStep, Named<"head", Dense<C, 1>>>;
using tcn_classifier = tcn_classifier_of<>;

/// CNN-only baseline (2502.06847's CNN ablation): Conv1d(16->C, k3, p1), ReLU, MaxPool(2),
/// Conv1d(C->C, k3, p1), ReLU, mean over time, Dense C->1.
template <index F = 16, index C = 32>
using cnn_classifier_of =
    Sequential<Named<"conv1", PaddedConv1D<F, C, 3, 1>>, ReLU, MaxPool1D<2>, Named<"conv2", PaddedConv1D<C, C, 3, 1>>,
               ReLU, GlobalMeanPool, Named<"head", Dense<C, 1>>>;
using cnn_classifier = cnn_classifier_of<>;

/// BiLSTM-only baseline (2502.06847's BiLSTM ablation): BiLSTM(16->H per direction), additive
/// temporal attention (2H -> A), Dense 2H->1.
template <index F = 16, index H = 64, index A = 64>
using bilstm_classifier_of = Sequential<Named<"lstm", Bidirectional<LSTM<F, H>>>, Named<"attention", TemporalAttention<2 * H, A>>,
                                        Named<"head", Dense<2 * H, 1>>>;
using bilstm_classifier = bilstm_classifier_of<>;

/// BiLSTM with the last step's features (forward state at T, backward state after one step) instead
/// of attention.
template <index F = 16, index H = 64>
using bilstm_last_of = Sequential<Named<"lstm", Bidirectional<LSTM<F, H>>>, LastStep, Named<"head", Dense<2 * H, 1>>>;
using bilstm_last = bilstm_last_of<>;

static_assert(transformer_classifier::param_count == 68097, "docs/models/baselines.md lists 68,097 parameters");
static_assert(tcn_classifier::param_count == 17665, "docs/models/baselines.md lists 17,665 parameters");
static_assert(cnn_classifier::param_count == 4705, "docs/models/baselines.md lists 4,705 parameters");
static_assert(bilstm_classifier::param_count == 50433, "docs/models/baselines.md lists 50,433 parameters");
static_assert(bilstm_last::param_count == 42113, "docs/models/baselines.md lists 42,113 parameters");

/// The random forest's input: per window of T days of F features, 4 * F numbers in this order:
///   [0, F)      the last day's features (what `logistic` and `mlp` read)
///   [F, 2F)     each feature's mean over the window
///   [2F, 3F)    each feature's standard deviation over the window (population, divisor T)
///   [3F, 4F)    each feature's change over the window: last day minus first day
inline constexpr index forest_summaries = 4;

/// requires: windows row-major (n, T, F), T >= 1.  ensures: row-major (n, 4F) as documented above.
inline std::vector<float> forest_features(const float* windows, index n, index steps, index features) {
    if (steps < 1 || features < 1 || n < 0) throw shape_error("forest_features: need n >= 0, T >= 1, F >= 1");
    const index width = forest_summaries * features;
    std::vector<float> out(static_cast<std::size_t>(n * width));
    for (index i = 0; i < n; ++i) {
        const float* w = windows + i * steps * features;
        float* o = out.data() + i * width;
        for (index f = 0; f < features; ++f) {
            double sum = 0, sq = 0;
            for (index t = 0; t < steps; ++t) sum += w[t * features + f];
            const double mean = sum / double(steps);
            for (index t = 0; t < steps; ++t) {
                const double d = w[t * features + f] - mean;
                sq += d * d;
            }
            const float last = w[(steps - 1) * features + f];
            o[f] = last;
            o[features + f] = float(mean);
            o[2 * features + f] = float(std::sqrt(sq / double(steps)));
            o[3 * features + f] = last - w[f];
        }
    }
    return out;
}

/// Names of forest_features' columns given the per-day feature names: "<name>", "<name>_mean",
/// "<name>_std", "<name>_change".
template <class Names>
std::vector<std::string> forest_feature_names(const Names& names) {
    std::vector<std::string> out;
    for (const char* suffix : {"", "_mean", "_std", "_change"})
        for (const auto& n : names) out.push_back(std::string(n) + suffix);
    return out;
}

}  // namespace canary::models

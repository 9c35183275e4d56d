#pragma once
// The neural credit models of `canary-risk credit` (credit_models.cpp, its own translation unit):
// an MLP and a stacked denoising autoencoder fine-tuned as a classifier, both canary networks.
// Inputs are the one-hot/standardised matrix (canary/credit/encoders.hpp), row-major doubles;
// a network's input width is a template parameter, so the columns are zero-padded to the smallest
// supported width (64, 128 or 256). Padding columns are always zero: their weights get no gradient
// from the data and change nothing.
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace canary_risk::credit_models {

/// Widest input the networks take (columns beyond it are refused with a message).
inline constexpr std::size_t max_input_width = 256;

struct matrix {
    const double* values = nullptr;
    std::size_t rows = 0, columns = 0;
};

struct neural_options {
    int max_epochs = 200;
    int patience = 20;
    double learning_rate = 1e-3;
    double l2 = 0.0;              ///< coupled L2 (Adam weight decay)
    double pos_weight = 1.0;      ///< BCE weight of bads
    double noise = 0.2;           ///< SDAE: share of inputs zeroed during pre-training (masking noise)
    int pretrain_epochs = 100;
    std::size_t batch_size = 64;
    std::uint64_t seed = 1;
    std::ostream* log = nullptr;
};

class tabular_network {
public:
    virtual ~tabular_network() = default;
    /// P(bad) per row.
    virtual std::vector<double> predict(const matrix& x) = 0;
    /// Integrated gradients of the logit for one row against `baseline` (both `columns` wide),
    /// `steps` Riemann midpoints: (x - x') * mean_a d logit / dx (x' + a (x - x')).
    virtual std::vector<double> integrated_gradients(const double* row, const double* baseline, std::size_t columns,
                                                     int steps = 16) = 0;
    /// SDAE only: mean squared reconstruction error of each row (the pre-trained autoencoder,
    /// clean input); empty for other networks.
    virtual std::vector<double> reconstruction_error(const matrix&) { return {}; }
    /// Epochs until the restored best (fine-tuning for the SDAE), for the log.
    int best_epoch = 0;
};

std::unique_ptr<tabular_network> train_mlp(const matrix& train, const std::vector<int>& train_labels,
                                           const matrix& validation, const std::vector<int>& validation_labels,
                                           const neural_options& o);

std::unique_ptr<tabular_network> train_sdae(const matrix& train, const std::vector<int>& train_labels,
                                            const matrix& validation, const std::vector<int>& validation_labels,
                                            const neural_options& o);

}  // namespace canary_risk::credit_models

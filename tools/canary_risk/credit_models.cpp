// The neural models of `canary-risk credit`: see credit_models.hpp and docs/credit.md.
#include "credit_models.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "canary/canary.hpp"

namespace canary_risk::credit_models {
namespace {

using canary::Dense;
using canary::index;
using canary::ReLU;
using canary::Sequential;

template <index W>
using Mlp = Sequential<Dense<W, 64>, ReLU, Dense<64, 32>, ReLU, Dense<32, 1>>;
// The SDAE: encoder W -> 32 -> 16, decoder 16 -> 32 -> W. The classifier is the encoder plus a
// logistic head; both networks start with the encoder's layers, so its parameters are the same
// prefix of both flat parameter buffers and fine-tuning starts from a copy of that prefix.
template <index W>
using Autoencoder = Sequential<Dense<W, 32>, ReLU, Dense<32, 16>, ReLU, Dense<16, 32>, ReLU, Dense<32, W>>;
template <index W>
using EncoderClassifier = Sequential<Dense<W, 32>, ReLU, Dense<32, 16>, ReLU, Dense<16, 1>>;
template <index W>
constexpr index encoder_params = Dense<W, 32>::param_count + Dense<32, 16>::param_count;

template <index W>
std::vector<float> padded(const matrix& m) {
    std::vector<float> out(m.rows * std::size_t(W), 0.0f);
    for (std::size_t i = 0; i < m.rows; ++i)
        for (std::size_t j = 0; j < m.columns; ++j) out[i * W + j] = static_cast<float>(m.values[i * m.columns + j]);
    return out;
}

std::vector<float> as_float(const std::vector<int>& labels) { return {labels.begin(), labels.end()}; }

canary::FitOptions fit_options(const neural_options& o, const std::string& name) {
    canary::FitOptions f;
    f.max_epochs = o.max_epochs;
    f.patience = o.patience;
    f.learning_rate = o.learning_rate;
    f.l2 = o.l2;
    f.pos_weight = o.pos_weight;
    f.seed = o.seed;
    f.batch_size = canary::index(o.batch_size);
    f.name = name;
    return f;  // no per-epoch log: dozens of fits per run
}

/// A trained classifier network of input width W (MLP or fine-tuned SDAE).
template <class Net, index W>
class classifier : public tabular_network {
public:
    explicit classifier(std::uint64_t seed) : model(seed) {}
    canary::Model<Net> model;
    std::unique_ptr<canary::Model<Autoencoder<W>>> autoencoder;  // SDAE only
    std::size_t columns = 0;

    std::vector<double> predict(const matrix& x) override {
        const auto data = padded<W>(x);
        return canary::predict_proba(model, canary::BinaryDataset<float>(data, {}, canary::Shape{W}));
    }

    std::vector<double> integrated_gradients(const double* row, const double* baseline, std::size_t cols,
                                             int steps) override {
        std::vector<float> batch(std::size_t(steps) * W, 0.0f);
        for (int s = 0; s < steps; ++s) {
            const double a = (s + 0.5) / steps;
            for (std::size_t j = 0; j < cols; ++j)
                batch[std::size_t(s) * W + j] = static_cast<float>(baseline[j] + a * (row[j] - baseline[j]));
        }
        canary::Tape<float> tape(true);
        tape.set_training(false);
        canary::Var<float> x = tape.input(batch.data(), canary::Shape{steps, W}, true);
        canary::Var<float> logit = model.forward(tape, x);
        tape.backward(logit);  // each row's logit depends only on that row: one pass gives every gradient
        std::vector<double> out(cols, 0.0);
        for (std::size_t j = 0; j < cols; ++j) {
            double g = 0;
            for (int s = 0; s < steps; ++s) g += double(x.adj[std::size_t(s) * W + j]);
            out[j] = (row[j] - baseline[j]) * g / steps;
        }
        return out;
    }

    std::vector<double> reconstruction_error(const matrix& x) override {
        if (!autoencoder) return {};
        const auto data = padded<W>(x);
        return reconstruction_errors(*autoencoder, data, x.rows, x.columns);
    }

    static std::vector<double> reconstruction_errors(canary::Model<Autoencoder<W>>& ae, const std::vector<float>& data,
                                                     std::size_t rows, std::size_t cols) {
        std::vector<double> out(rows);
        canary::Tape<float> tape(false);
        for (std::size_t start = 0; start < rows; start += 256) {
            const std::size_t count = std::min<std::size_t>(256, rows - start);
            tape.reset();
            canary::Var<float> in = tape.input(data.data() + start * W, canary::Shape{index(count), W});
            canary::Var<float> rec = ae.forward(tape, in);
            for (std::size_t i = 0; i < count; ++i) {
                double ss = 0;
                for (std::size_t j = 0; j < cols; ++j) {
                    const double d = double(rec(index(i), index(j))) - double(data[(start + i) * W + j]);
                    ss += d * d;
                }
                out[start + i] = ss / double(std::max<std::size_t>(cols, 1));
            }
        }
        return out;
    }
};

template <index W>
std::unique_ptr<tabular_network> mlp(const matrix& train, const std::vector<int>& yt, const matrix& validation,
                                     const std::vector<int>& yv, const neural_options& o) {
    auto net = std::make_unique<classifier<Mlp<W>, W>>(o.seed);
    net->columns = train.columns;
    const auto xt = padded<W>(train), xv = padded<W>(validation);
    const auto ft = as_float(yt), fv = as_float(yv);
    const auto h = canary::fit_binary(net->model, canary::BinaryDataset<float>(xt, ft, canary::Shape{W}),
                                      canary::BinaryDataset<float>(xv, fv, canary::Shape{W}),
                                      fit_options(o, "mlp"));
    net->best_epoch = h.best_epoch + 1;
    return net;
}

template <index W>
std::unique_ptr<tabular_network> sdae(const matrix& train, const std::vector<int>& yt, const matrix& validation,
                                      const std::vector<int>& yv, const neural_options& o) {
    const auto xt = padded<W>(train), xv = padded<W>(validation);
    // Pre-training: reconstruct the clean input from a copy with a share `noise` of its real
    // columns zeroed (masking noise, Vincent et al. 2010), MSE, Adam, early stopping on the
    // validation rows' clean reconstruction error with the best weights kept.
    auto ae = std::make_unique<canary::Model<Autoencoder<W>>>(o.seed);
    canary::Adam<float> adam(static_cast<float>(o.learning_rate));
    canary::Tape<float> tape(true, o.seed);
    canary::Rng rng(o.seed ^ 0x5dae5daeULL);
    std::vector<std::size_t> order(train.rows);
    std::iota(order.begin(), order.end(), 0);
    const std::size_t batch = o.batch_size;
    std::vector<float> noisy(batch * std::size_t(W)), clean(batch * std::size_t(W));
    std::vector<float> best(ae->parameters(), ae->parameters() + Autoencoder<W>::param_count);
    double best_loss = INFINITY;
    int since_best = 0;
    for (int epoch = 0; epoch < o.pretrain_epochs; ++epoch) {
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
        for (std::size_t s = 0; s < order.size(); s += batch) {
            const std::size_t count = std::min<std::size_t>(batch, order.size() - s);
            for (std::size_t r = 0; r < count; ++r)
                for (std::size_t j = 0; j < std::size_t(W); ++j) {
                    const float v = xt[order[s + r] * W + j];
                    clean[r * W + j] = v;
                    noisy[r * W + j] = (j < train.columns && rng.uniform() < o.noise) ? 0.0f : v;
                }
            tape.reset();
            canary::Var<float> x = tape.input(noisy.data(), canary::Shape{index(count), W});
            canary::Var<float> y = tape.input(clean.data(), canary::Shape{index(count), W});
            canary::Var<float> loss = canary::mse_loss(tape, ae->forward(tape, x), y);
            canary::check_finite_loss(loss.val[0], epoch);
            tape.backward(loss);
            canary::clip_grad_norm(*ae, 5.0f);
            adam.step(*ae);
        }
        const auto errors = classifier<EncoderClassifier<W>, W>::reconstruction_errors(*ae, xv, validation.rows, validation.columns);
        const double val = std::accumulate(errors.begin(), errors.end(), 0.0) / double(std::max<std::size_t>(errors.size(), 1));
        if (val < best_loss - 1e-7) {
            best_loss = val;
            std::copy_n(ae->parameters(), Autoencoder<W>::param_count, best.begin());
            since_best = 0;
        } else if (++since_best >= o.patience) {
            break;
        }
    }
    std::copy(best.begin(), best.end(), ae->parameters());

    auto net = std::make_unique<classifier<EncoderClassifier<W>, W>>(o.seed);
    net->columns = train.columns;
    std::copy_n(ae->parameters(), encoder_params<W>, net->model.parameters());
    const auto ft = as_float(yt), fv = as_float(yv);
    const auto h = canary::fit_binary(net->model, canary::BinaryDataset<float>(xt, ft, canary::Shape{W}),
                                      canary::BinaryDataset<float>(xv, fv, canary::Shape{W}),
                                      fit_options(o, "sdae"));
    net->best_epoch = h.best_epoch + 1;
    net->autoencoder = std::move(ae);
    return net;
}

void require_width(std::size_t columns) {
    if (columns > max_input_width)
        throw canary::config_error("the encoded loan table has " + std::to_string(columns) +
                                   " columns; the networks take at most " + std::to_string(max_input_width) +
                                   " (fewer categorical levels: --max-levels)");
}

}  // namespace

std::unique_ptr<tabular_network> train_mlp(const matrix& train, const std::vector<int>& yt, const matrix& validation,
                                           const std::vector<int>& yv, const neural_options& o) {
    require_width(train.columns);
    if (train.columns <= 64) return mlp<64>(train, yt, validation, yv, o);
    if (train.columns <= 128) return mlp<128>(train, yt, validation, yv, o);
    return mlp<256>(train, yt, validation, yv, o);
}

std::unique_ptr<tabular_network> train_sdae(const matrix& train, const std::vector<int>& yt, const matrix& validation,
                                            const std::vector<int>& yv, const neural_options& o) {
    require_width(train.columns);
    if (train.columns <= 64) return sdae<64>(train, yt, validation, yv, o);
    if (train.columns <= 128) return sdae<128>(train, yt, validation, yv, o);
    return sdae<256>(train, yt, validation, yv, o);
}

}  // namespace canary_risk::credit_models

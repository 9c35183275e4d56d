#pragma once
// A binary-classification training loop for any model whose forward maps a batch tensor
// (B, sample extents...) to logits (B, 1): shuffled mini-batches, BCE-with-logits (with
// pos_weight), Adam/AdamW, global-norm clipping, early stopping on validation loss with the best
// weights restored, a progress line per epoch, checkpoints that resume bitwise (checkpoint.hpp),
// inputs checked for NaN/Inf (row and column named), and a loss that turns non-finite answered by
// restoring the last good (best-validation) weights, said in the log and in FitHistory.
// Type erasure point: the loop is a template over the model, but data is plain float/double
// buffers, so one trainer serves every network type.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "canary/autodiff/tape.hpp"
#include "canary/core/rng.hpp"
#include "canary/train/training_state.hpp"
#include "canary/train/guards.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"

namespace canary {

/// n samples of `sample_shape` (e.g. {T, F} for windows, {F} for vectors) with 0/1 labels,
/// row-major, sample-major. Non-owning.
template <class T>
struct BinaryDataset {
    const T* x = nullptr;
    const T* y = nullptr;
    Shape sample_shape;
    index n = 0;
    /// Values per sample.
    index sample_size() const { return sample_shape.numel(); }
};

/// Settings of canary::fit_binary.
struct FitOptions {
    int max_epochs = 100;
    index batch_size = 64;
    int patience = 10;              ///< epochs without validation improvement before stopping
    double learning_rate = 1e-3;
    double weight_decay = 0.0;      ///< AdamW's decoupled decay
    double l2 = 0.0;                ///< coupled L2 (Adam weight_decay), e.g. for logistic regression
    double clip_norm = 5.0;         ///< <= 0 disables clipping
    double pos_weight = 1.0;        ///< BCE weight of positives (e.g. negatives / positives)
    std::uint64_t seed = 0;
    std::ostream* log = nullptr;    ///< progress lines when set
    std::string name = "model";
    /// When set, the whole training state is saved there (atomically) every checkpoint_every
    /// epochs and after the last epoch. Host (CPU) models only. Needs checkpoint_format.
    std::filesystem::path checkpoint_path;
    int checkpoint_every = 1;
    /// When set, training continues from this checkpoint; the result is bitwise that of the
    /// uninterrupted run with the same options (max_epochs may differ; anything else that shapes
    /// the numbers must match, or a config_error names it). Needs checkpoint_format.
    std::filesystem::path resume_from;
    /// The file format of checkpoints: canary::checkpoint_files() from
    /// <canary/train/checkpoint.hpp> (kept out of this header, which needs no JSON library).
    checkpoint_codec checkpoint_format;
};

/// What canary::fit_binary returns: losses per epoch and the best (restored) epoch.
struct FitHistory {
    std::vector<double> train_loss, validation_loss;
    int best_epoch = -1;
    double best_validation_loss = INFINITY;
    double seconds = 0;
    /// Empty unless the loss or a gradient turned NaN/Inf: then what happened, and that the last
    /// good (best-validation) weights were restored and training stopped there.
    std::string numerical_fault;
};

namespace detail {
/// n values of backend B's memory as a host vector (a plain copy for the CPU).
template <class B, class T>
std::vector<T> host_copy(const T* p, index n) {
    std::vector<T> out(static_cast<std::size_t>(n));
    if constexpr (is_device_backend_v<B>) B::to_host(p, out.data(), n);
    else std::copy(p, p + n, out.begin());
    return out;
}
/// Copies n host values into backend B's memory.
template <class B, class T>
void copy_from_host(const T* host, T* p, index n) {
    if constexpr (is_device_backend_v<B>) B::to_device(host, p, n);
    else std::copy(host, host + n, p);
}

/// throws numeric_error naming the dataset, the row (sample) and the column (element of the
///        flattened sample; for a {T, F} window also its time step and feature) of the first
///        NaN or infinity in the inputs, or the row of a non-finite label.
template <class T>
void check_finite_dataset(const BinaryDataset<T>& d, const std::string& what) {
    const index size = d.sample_size();
    for (index row = 0; row < d.n; ++row) {
        for (index column = 0; column < size; ++column) {
            const T v = d.x[row * size + column];
            if (std::isfinite(v)) continue;
            std::string where = what + ": row " + std::to_string(row) + ", column " + std::to_string(column);
            if (d.sample_shape.rank() == 2)
                where += " (time step " + std::to_string(column / d.sample_shape[1]) + ", feature " +
                         std::to_string(column % d.sample_shape[1]) + ")";
            throw numeric_error(where + " is " + (std::isnan(v) ? "NaN" : "infinite") +
                                "; clean or impute the inputs before training");
        }
        if (d.y && !std::isfinite(d.y[row]))
            throw numeric_error(what + ": row " + std::to_string(row) + ", the label is " +
                                (std::isnan(d.y[row]) ? "NaN" : "infinite"));
    }
}

/// Exact text of a setting for the checkpoint's configuration (hexadecimal for floating point).
inline std::string exact_text(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%a", value);
    return text;
}

template <class T, class B>
Var<T> gather_batch(Tape<T, B>& tape, const BinaryDataset<T>& d, const index* rows, index count, Var<T>* labels) {
    Shape s = d.sample_shape;
    Shape batch;
    switch (s.rank()) {
        case 1: batch = Shape{count, s[0]}; break;
        case 2: batch = Shape{count, s[0], s[1]}; break;
        case 3: batch = Shape{count, s[0], s[1], s[2]}; break;
        default: throw shape_error("gather_batch: sample rank must be 1..3, got " + s.str());
    }
    Var<T> x = tape.make(batch, false);
    const index size = d.sample_size();
    if constexpr (is_device_backend_v<B>) {
        // Gather on the host, then one transfer each for the samples and the labels.
        std::vector<T> host(static_cast<std::size_t>(count * size));
        for (index i = 0; i < count; ++i) std::copy_n(d.x + rows[i] * size, size, host.data() + i * size);
        B::to_device(host.data(), x.val, count * size);
        if (labels) {
            *labels = tape.make(Shape{count, 1}, false);
            std::vector<T> y(static_cast<std::size_t>(count));
            for (index i = 0; i < count; ++i) y[static_cast<std::size_t>(i)] = d.y[rows[i]];
            B::to_device(y.data(), labels->val, count);
        }
    } else {
        for (index i = 0; i < count; ++i) B::copy(d.x + rows[i] * size, x.val + i * size, size);
        if (labels) {
            *labels = tape.make(Shape{count, 1}, false);
            for (index i = 0; i < count; ++i) labels->val[i] = d.y[rows[i]];
        }
    }
    return x;
}
}  // namespace detail

/// Probabilities sigma(logit) for every sample, in order, batch by batch (inference tape).
template <class M>
std::vector<double> predict_proba(M& model, const BinaryDataset<typename M::scalar>& data, index batch_size = 256) {
    using T = typename M::scalar;
    Tape<T, typename M::backend> tape(false);
    std::vector<double> out(static_cast<std::size_t>(data.n));
    std::vector<index> rows(static_cast<std::size_t>(std::max<index>(batch_size, 1)));
    for (index start = 0; start < data.n; start += batch_size) {
        const index count = std::min(batch_size, data.n - start);
        std::iota(rows.begin(), rows.begin() + count, start);
        tape.reset();
        Var<T> logits = model.forward(tape, detail::gather_batch(tape, data, rows.data(), count, static_cast<Var<T>*>(nullptr)));
        const std::vector<T> l = detail::host_copy<typename M::backend>(logits.val, count);
        for (index i = 0; i < count; ++i)
            out[static_cast<std::size_t>(start + i)] = 1.0 / (1.0 + std::exp(-static_cast<double>(l[static_cast<std::size_t>(i)])));
    }
    return out;
}

/// Mean BCE-with-logits over a dataset (no gradient).
template <class M>
double evaluate_loss(M& model, const BinaryDataset<typename M::scalar>& data, double pos_weight, index batch_size = 256) {
    using T = typename M::scalar;
    Tape<T, typename M::backend> tape(false);
    std::vector<index> rows(static_cast<std::size_t>(batch_size));
    double total = 0;
    for (index start = 0; start < data.n; start += batch_size) {
        const index count = std::min(batch_size, data.n - start);
        std::iota(rows.begin(), rows.begin() + count, start);
        tape.reset();
        Var<T> y;
        Var<T> logits = model.forward(tape, detail::gather_batch(tape, data, rows.data(), count, &y));
        const Var<T> loss = bce_with_logits(tape, logits, y, static_cast<T>(pos_weight));
        total += static_cast<double>(detail::host_copy<typename M::backend>(loss.val, 1)[0]) * count;
    }
    return data.n ? total / static_cast<double>(data.n) : NAN;
}

/// Trains `model` on `train`, early-stopping on `validation` loss, and leaves the best weights in
/// the model. Deterministic for a given seed and thread count; with o.resume_from, bitwise the
/// same as the uninterrupted run.
/// throws: numeric_error naming row and column when an input or label is NaN/Inf; config_error for
///         bad options or a checkpoint written by a different configuration; io_error when a
///         checkpoint cannot be written or read. A loss or gradient that turns NaN/Inf during
///         training does not throw: the best weights so far are restored and h.numerical_fault
///         says what happened.
template <class M>
FitHistory fit_binary(M& model, const BinaryDataset<typename M::scalar>& train,
                      const BinaryDataset<typename M::scalar>& validation, const FitOptions& o) {
    using T = typename M::scalar;
    using B = typename M::backend;
    if (train.n == 0) throw config_error("fit_binary: empty training set");
    if (o.batch_size <= 0) throw config_error("fit_binary: batch size must be positive");
    if (o.checkpoint_every <= 0) throw config_error("fit_binary: checkpoint_every must be positive");
    auto* const save_file = [&o] {
        if constexpr (std::is_same_v<T, float>) return o.checkpoint_format.save_float;
        else return o.checkpoint_format.save_double;
    }();
    auto* const load_file = [&o] {
        if constexpr (std::is_same_v<T, float>) return o.checkpoint_format.load_float;
        else return o.checkpoint_format.load_double;
    }();
    if (!o.checkpoint_path.empty() || !o.resume_from.empty()) {
        if (is_device_backend_v<B>)
            throw config_error("fit_binary: checkpoints are implemented for host (CPU) models only");
        if (save_file == nullptr || load_file == nullptr)
            throw config_error("fit_binary: checkpoint_path or resume_from is set but checkpoint_format is not; set it "
                               "to canary::checkpoint_files() from <canary/train/checkpoint.hpp>");
    }
    detail::check_finite_dataset(train, o.name + " training set");
    if (validation.n) detail::check_finite_dataset(validation, o.name + " validation set");
    const auto start_time = std::chrono::steady_clock::now();
    Adam<T> opt(static_cast<T>(o.learning_rate), T(0.9), T(0.999), T(1e-8),
                static_cast<T>(o.weight_decay > 0 ? o.weight_decay : o.l2), o.weight_decay > 0);
    Tape<T, B> tape(true, o.seed);
    Rng shuffle(o.seed ^ 0xa5a5a5a5ULL);
    std::vector<index> order(static_cast<std::size_t>(train.n));
    std::iota(order.begin(), order.end(), 0);
    std::vector<T> best = detail::host_copy<B>(model.parameters(), M::param_count);
    FitHistory h;
    long step = 0;
    int since_best = 0;
    int first_epoch = 0;
    bool finished = false;

    // Everything that shapes the numbers of a run; a resumed run must agree on all of it.
    std::map<std::string, std::string> configuration = {
        {"batch_size", std::to_string(o.batch_size)},     {"patience", std::to_string(o.patience)},
        {"learning_rate", detail::exact_text(o.learning_rate)}, {"weight_decay", detail::exact_text(o.weight_decay)},
        {"l2", detail::exact_text(o.l2)},                 {"clip_norm", detail::exact_text(o.clip_norm)},
        {"pos_weight", detail::exact_text(o.pos_weight)}, {"seed", std::to_string(o.seed)},
        {"parameters", std::to_string(M::param_count)},   {"scalar", sizeof(T) == 4 ? "float" : "double"},
        {"train_samples", std::to_string(train.n)},       {"validation_samples", std::to_string(validation.n)},
        {"sample_shape", train.sample_shape.str()}};

    if constexpr (!is_device_backend_v<B>) {
        if (!o.resume_from.empty()) {
            training_checkpoint<T> c = load_file(o.resume_from);
            for (const auto& [key, value] : configuration) {
                const auto found = c.configuration.find(key);
                const std::string saved = found == c.configuration.end() ? "(absent)" : found->second;
                if (saved != value)
                    throw config_error("resume_from " + o.resume_from.string() + ": the checkpoint was written with " +
                                       key + " = " + saved + ", this run has " + value);
            }
            if (c.order.size() != order.size() || c.parameters.size() != static_cast<std::size_t>(M::param_count))
                throw io_error(o.resume_from.string(), "checkpoint is inconsistent with its own configuration");
            std::vector<bool> seen(order.size(), false);
            for (std::size_t i = 0; i < order.size(); ++i) {
                const std::int64_t r = c.order[i];
                if (r < 0 || r >= train.n || seen[static_cast<std::size_t>(r)])
                    throw io_error(o.resume_from.string(), "checkpoint's shuffle order is not a permutation");
                seen[static_cast<std::size_t>(r)] = true;
                order[i] = static_cast<index>(r);
            }
            std::copy(c.parameters.begin(), c.parameters.end(), model.parameters());
            best = std::move(c.best_parameters);
            opt.restore_state(std::move(c.exp_avg), std::move(c.exp_avg_sq), c.optimizer_steps);
            tape.rng().set_state(c.tape_rng);
            shuffle.set_state(c.shuffle_rng);
            h.train_loss = std::move(c.train_loss);
            h.validation_loss = std::move(c.validation_loss);
            h.best_epoch = c.best_epoch;
            h.best_validation_loss = c.best_validation_loss;
            step = c.step;
            since_best = c.since_best;
            first_epoch = c.next_epoch;
            finished = c.finished;
            if (o.log)
                *o.log << "  [" << o.name << "] resumed from " << o.resume_from.string() << " at epoch "
                       << (first_epoch + 1) << (finished ? " (that run had already stopped early)" : "") << "\n";
        }
    }
    const auto save = [&](int next_epoch) {
        if constexpr (!is_device_backend_v<B>) {
            training_checkpoint<T> c;
            c.configuration = configuration;
            c.configuration["max_epochs"] = std::to_string(o.max_epochs);  // informative; not checked
            c.next_epoch = next_epoch;
            c.step = step;
            c.since_best = since_best;
            c.best_epoch = h.best_epoch;
            c.best_validation_loss = h.best_validation_loss;
            c.finished = finished;
            c.train_loss = h.train_loss;
            c.validation_loss = h.validation_loss;
            c.parameters.assign(model.parameters(), model.parameters() + M::param_count);
            c.best_parameters = best;
            c.exp_avg = opt.exp_avg();
            c.exp_avg_sq = opt.exp_avg_sq();
            c.optimizer_steps = opt.steps_taken();
            c.tape_rng = tape.rng().state();
            c.shuffle_rng = shuffle.state();
            c.order.assign(order.begin(), order.end());
            save_file(o.checkpoint_path, c);
        } else {
            (void)next_epoch;
        }
    };

    for (int epoch = first_epoch; epoch < o.max_epochs && !finished; ++epoch) {
        for (index i = train.n - 1; i > 0; --i)  // Fisher-Yates with canary's generator
            std::swap(order[static_cast<std::size_t>(i)], order[shuffle.below(static_cast<std::uint64_t>(i + 1))]);
        double epoch_loss = 0;
        for (index s = 0; s < train.n; s += o.batch_size) {
            const index count = std::min(o.batch_size, train.n - s);
            tape.reset();
            Var<T> y;
            Var<T> x = detail::gather_batch(tape, train, order.data() + s, count, &y);
            Var<T> loss = bce_with_logits(tape, model.forward(tape, x), y, static_cast<T>(o.pos_weight));
            const T loss_value = detail::host_copy<B>(loss.val, 1)[0];
            try {
                check_finite_loss(loss_value, step);
                tape.backward(loss);
                check_finite_gradients(model, step);
            } catch (const numeric_error& e) {
                // Going on would only spread the NaN through Adam's moments; the weights of the
                // best validation epoch (or the initial ones) are the last known good state.
                h.numerical_fault = std::string(e.what()) + " in epoch " + std::to_string(epoch + 1) +
                                    "; training stopped and the weights of " +
                                    (h.best_epoch >= 0 ? "epoch " + std::to_string(h.best_epoch + 1) : std::string("the start")) +
                                    " (the last good ones) were restored";
                if (o.log) *o.log << "  [" << o.name << "] " << h.numerical_fault << "\n";
                finished = true;
                break;
            }
            if (o.clip_norm > 0) clip_grad_norm(model, static_cast<T>(o.clip_norm));
            opt.step(model);
            epoch_loss += static_cast<double>(loss_value) * count;
            ++step;
        }
        if (!h.numerical_fault.empty()) break;
        h.train_loss.push_back(epoch_loss / static_cast<double>(train.n));
        const double val = validation.n ? evaluate_loss(model, validation, o.pos_weight) : h.train_loss.back();
        h.validation_loss.push_back(val);
        if (val < h.best_validation_loss - 1e-7) {
            h.best_validation_loss = val;
            h.best_epoch = epoch;
            best = detail::host_copy<B>(model.parameters(), M::param_count);
            since_best = 0;
        } else {
            ++since_best;
        }
        if (o.log) {
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
            const double eta = elapsed / (epoch - first_epoch + 1) * (o.max_epochs - epoch - 1);
            *o.log << "  [" << o.name << "] epoch " << (epoch + 1) << "/" << o.max_epochs << "  train loss "
                   << h.train_loss.back() << "  val loss " << val << (since_best == 0 ? " *" : "  ") << "  elapsed "
                   << static_cast<int>(elapsed) << "s  ETA<= " << static_cast<int>(eta) << "s\n";
        }
        finished = since_best >= o.patience;
        if (!o.checkpoint_path.empty() &&
            ((epoch + 1) % o.checkpoint_every == 0 || finished || epoch + 1 == o.max_epochs))
            save(epoch + 1);
    }
    detail::copy_from_host<B>(best.data(), model.parameters(), M::param_count);
    h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    return h;
}

}  // namespace canary

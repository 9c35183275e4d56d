#pragma once
// A binary-classification training loop for any model whose forward maps a batch tensor
// (B, sample extents...) to logits (B, 1): shuffled mini-batches, BCE-with-logits (with
// pos_weight), Adam/AdamW, global-norm clipping, early stopping on validation loss with the best
// weights restored, a progress line per epoch, checkpoints that resume bitwise (checkpoint.hpp),
// inputs checked for NaN/Inf (row and column named), and a loss that turns non-finite answered by
// restoring the last good (best-validation) weights, said in the log and in FitHistory.
// The data comes from a batch source (the canary::batch_source concept below): anything that knows
// its sample count and can put the inputs and labels of a list of rows on a tape. BinaryDataset
// (dense windows or vectors) is one; the SRR graph samples (canary/models/srr_data.hpp) are
// another, so one loop, one optimizer set-up and one checkpoint format serve every model.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <concepts>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <ostream>
#include <span>
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

namespace detail {
/// throws numeric_error naming the dataset, the row (sample) and the column (element of the
///        flattened sample; for a {T, F} window also its time step and feature) of the first
///        NaN or infinity in the inputs, or the row of a non-finite label.
template <class T>
void check_finite_rows(std::span<const T> x, std::span<const T> y, const Shape& sample_shape, const std::string& what) {
    const index size = sample_shape.numel();
    const index n = size ? static_cast<index>(x.size()) / size : 0;
    for (index row = 0; row < n; ++row) {
        for (index column = 0; column < size; ++column) {
            const T v = x[static_cast<std::size_t>(row * size + column)];
            if (std::isfinite(v)) continue;
            std::string where = what + ": row " + std::to_string(row) + ", column " + std::to_string(column);
            if (sample_shape.rank() == 2)
                where += " (time step " + std::to_string(column / sample_shape[1]) + ", feature " +
                         std::to_string(column % sample_shape[1]) + ")";
            throw numeric_error(where + " is " + (std::isnan(v) ? "NaN" : "infinite") +
                                "; clean or impute the inputs before training");
        }
        if (!y.empty() && !std::isfinite(y[static_cast<std::size_t>(row)]))
            throw numeric_error(what + ": row " + std::to_string(row) + ", the label is " +
                                (std::isnan(y[static_cast<std::size_t>(row)]) ? "NaN" : "infinite"));
    }
}
}  // namespace detail

/// A source of training or scoring batches: size() samples with 0/1 labels. batch(rows) returns
/// an object that puts the inputs of those rows (in that order) on a tape with input(tape) and
/// their labels as a (rows, 1) variable with labels(tape); it must stay alive until the tape's
/// backward pass is done (it may own memory the recorded closures read, such as an adjacency).
/// sample_description() goes into checkpoints (a resumed run must read the same kind of samples);
/// check_finite(what) throws canary::numeric_error at the first NaN/Inf input or label.
template <class S, class T, class B>
concept batch_source = requires(const S& s, std::span<const index> rows, Tape<T, B>& tape, const std::string& what) {
    { s.size() } -> std::convertible_to<index>;
    { s.sample_description() } -> std::convertible_to<std::string>;
    s.check_finite(what);
    s.batch(rows).input(tape);
    { s.batch(rows).labels(tape) } -> std::same_as<Var<T>>;
};

template <class T>
class BinaryDataset;

/// The rows of a BinaryDataset that make one batch (a view: the dataset and the rows must outlive it).
template <class T>
class BinaryBatch {
public:
    BinaryBatch(const BinaryDataset<T>& data, std::span<const index> rows) : data_(data), rows_(rows) {}

    /// (rows, sample extents...) on `tape`: gathered straight into tape memory on the host; on a
    /// device, gathered on the host and sent in one transfer.
    template <class B>
    Var<T> input(Tape<T, B>& tape) const {
        const Shape s = data_.sample_shape();
        const index count = static_cast<index>(rows_.size());
        Shape shape;
        switch (s.rank()) {
            case 1: shape = Shape{count, s[0]}; break;
            case 2: shape = Shape{count, s[0], s[1]}; break;
            case 3: shape = Shape{count, s[0], s[1], s[2]}; break;
            default: throw shape_error("BinaryDataset: sample rank must be 1..3, got " + s.str());
        }
        Var<T> x = tape.make(shape, false);
        const index size = data_.sample_size();
        const T* source = data_.x().data();
        if constexpr (is_device_backend_v<B>) {
            std::vector<T> host(static_cast<std::size_t>(count * size));
            for (index i = 0; i < count; ++i) std::copy_n(source + rows_[static_cast<std::size_t>(i)] * size, size, host.data() + i * size);
            B::to_device(host.data(), x.val, count * size);
        } else {
            for (index i = 0; i < count; ++i) B::copy(source + rows_[static_cast<std::size_t>(i)] * size, x.val + i * size, size);
        }
        return x;
    }

    /// (rows, 1) labels on `tape`. throws config_error when the dataset has no labels.
    template <class B>
    Var<T> labels(Tape<T, B>& tape) const {
        if (data_.y().empty()) throw config_error("BinaryDataset: labels of a dataset built without labels");
        std::vector<T> y(rows_.size());
        for (std::size_t i = 0; i < rows_.size(); ++i) y[i] = data_.y()[static_cast<std::size_t>(rows_[i])];
        return tape.input(y.data(), Shape{static_cast<index>(rows_.size()), 1});
    }

private:
    const BinaryDataset<T>& data_;
    std::span<const index> rows_;
};

/// n samples of `sample_shape` (e.g. {T, F} for windows, {F} for vectors) with 0/1 labels,
/// row-major, sample-major. Non-owning: the spans must outlive it. The batch source of the window
/// and vector models.
template <class T>
class BinaryDataset {
public:
    BinaryDataset() = default;
    /// requires: x.size() a multiple of sample_shape.numel(); y empty (inputs only, for scoring) or
    ///           one label per sample (else canary::shape_error).
    BinaryDataset(std::span<const T> x, std::span<const T> y, Shape sample_shape)
        : x_(x), y_(y), sample_shape_(sample_shape) {
        const index size = sample_shape.numel();
        if (size <= 0 || static_cast<index>(x.size()) % size != 0)
            throw shape_error("BinaryDataset: " + std::to_string(x.size()) + " values are not whole samples of shape " +
                              sample_shape.str());
        n_ = static_cast<index>(x.size()) / size;
        if (!y.empty() && static_cast<index>(y.size()) != n_)
            throw shape_error("BinaryDataset: " + std::to_string(y.size()) + " labels for " + std::to_string(n_) + " samples");
    }

    index size() const noexcept { return n_; }
    std::span<const T> x() const noexcept { return x_; }
    std::span<const T> y() const noexcept { return y_; }
    const Shape& sample_shape() const noexcept { return sample_shape_; }
    /// Values per sample.
    index sample_size() const noexcept { return sample_shape_.numel(); }
    /// Samples [begin, begin + count) as a dataset of their own.
    BinaryDataset rows(index begin, index count) const {
        const auto size = static_cast<std::size_t>(sample_size());
        return BinaryDataset(x_.subspan(static_cast<std::size_t>(begin) * size, static_cast<std::size_t>(count) * size),
                             y_.empty() ? y_ : y_.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(count)),
                             sample_shape_);
    }

    std::string sample_description() const { return sample_shape_.str(); }
    void check_finite(const std::string& what) const { detail::check_finite_rows(x_, y_, sample_shape_, what); }
    BinaryBatch<T> batch(std::span<const index> rows) const { return BinaryBatch<T>(*this, rows); }

private:
    std::span<const T> x_, y_;
    Shape sample_shape_;
    index n_ = 0;
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
    index evaluation_batch_size = 256;  ///< batch of the validation loss (no gradient)
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
    /// <canary/io/checkpoint.hpp> (kept out of this header, which needs no JSON library).
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

/// Exact text of a setting for the checkpoint's configuration (hexadecimal for floating point).
inline std::string exact_text(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%a", value);
    return text;
}

/// The summed BCE-with-logits of samples [begin, begin + count) of `data` (no gradient).
template <class M, class S>
double loss_sum(M& model, const S& data, index begin, index count, double pos_weight, index batch_size) {
    using T = typename M::scalar;
    Tape<T, typename M::backend> tape(false);
    const index step = std::max<index>(batch_size, 1);
    std::vector<index> rows(static_cast<std::size_t>(step));
    double total = 0;
    for (index start = begin; start < begin + count; start += step) {
        const index n = std::min(step, begin + count - start);
        std::iota(rows.begin(), rows.begin() + n, start);
        tape.reset();
        const auto batch = data.batch(std::span<const index>(rows.data(), static_cast<std::size_t>(n)));
        const Var<T> logits = model.forward(tape, batch.input(tape));
        const Var<T> loss = bce_with_logits(tape, logits, batch.labels(tape), static_cast<T>(pos_weight));
        total += static_cast<double>(host_copy<typename M::backend>(loss.val, 1)[0]) * static_cast<double>(n);
    }
    return total;
}
}  // namespace detail

/// Probabilities sigma(logit) for every sample, in order, batch by batch (inference tape).
template <class M, batch_source<typename M::scalar, typename M::backend> S>
std::vector<double> predict_proba(M& model, const S& data, index batch_size = 256) {
    using T = typename M::scalar;
    Tape<T, typename M::backend> tape(false);
    const index n = static_cast<index>(data.size());
    const index step = std::max<index>(batch_size, 1);
    std::vector<double> out(static_cast<std::size_t>(n));
    std::vector<index> rows(static_cast<std::size_t>(step));
    for (index start = 0; start < n; start += step) {
        const index count = std::min(step, n - start);
        std::iota(rows.begin(), rows.begin() + count, start);
        tape.reset();
        const auto batch = data.batch(std::span<const index>(rows.data(), static_cast<std::size_t>(count)));
        const Var<T> logits = model.forward(tape, batch.input(tape));
        const std::vector<T> l = detail::host_copy<typename M::backend>(logits.val, count);
        for (index i = 0; i < count; ++i)
            out[static_cast<std::size_t>(start + i)] = 1.0 / (1.0 + std::exp(-static_cast<double>(l[static_cast<std::size_t>(i)])));
    }
    return out;
}

/// Mean BCE-with-logits over a dataset (no gradient).
template <class M, batch_source<typename M::scalar, typename M::backend> S>
double evaluate_loss(M& model, const S& data, double pos_weight, index batch_size = 256) {
    const index n = static_cast<index>(data.size());
    return n ? detail::loss_sum(model, data, 0, n, pos_weight, batch_size) / static_cast<double>(n) : NAN;
}

/// Trains `model` on `train`, early-stopping on `validation` loss, and leaves the best weights in
/// the model. Deterministic for a given seed and thread count; with o.resume_from, bitwise the
/// same as the uninterrupted run.
/// throws: numeric_error naming row and column when an input or label is NaN/Inf; config_error for
///         bad options or a checkpoint written by a different configuration; io_error when a
///         checkpoint cannot be written or read. A loss or gradient that turns NaN/Inf during
///         training does not throw: the best weights so far are restored and h.numerical_fault
///         says what happened.
template <class M, batch_source<typename M::scalar, typename M::backend> Train,
          batch_source<typename M::scalar, typename M::backend> Validation>
FitHistory fit_binary(M& model, const Train& train, const Validation& validation, const FitOptions& o) {
    using T = typename M::scalar;
    using B = typename M::backend;
    const index train_n = static_cast<index>(train.size()), validation_n = static_cast<index>(validation.size());
    if (train_n == 0) throw config_error("fit_binary: empty training set");
    if (o.batch_size <= 0) throw config_error("fit_binary: batch size must be positive");
    if (o.checkpoint_every <= 0) throw config_error("fit_binary: checkpoint_every must be positive");
    if (o.evaluation_batch_size <= 0) throw config_error("fit_binary: evaluation batch size must be positive");
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
                               "to canary::checkpoint_files() from <canary/io/checkpoint.hpp>");
    }
    train.check_finite(o.name + " training set");
    if (validation_n) validation.check_finite(o.name + " validation set");
    const auto start_time = std::chrono::steady_clock::now();
    Adam<T> opt(static_cast<T>(o.learning_rate), T(0.9), T(0.999), T(1e-8),
                static_cast<T>(o.weight_decay > 0 ? o.weight_decay : o.l2), o.weight_decay > 0);
    Tape<T, B> tape(true, o.seed);
    Rng shuffle(o.seed ^ 0xa5a5a5a5ULL);
    std::vector<index> order(static_cast<std::size_t>(train_n));
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
        {"train_samples", std::to_string(train_n)},       {"validation_samples", std::to_string(validation_n)},
        {"sample_shape", train.sample_description()}};
    // Written only when changed, so checkpoints from before the setting existed still resume.
    if (o.evaluation_batch_size != 256) configuration["evaluation_batch_size"] = std::to_string(o.evaluation_batch_size);

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
                if (r < 0 || r >= train_n || seen[static_cast<std::size_t>(r)])
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
        for (index i = train_n - 1; i > 0; --i)  // Fisher-Yates with canary's generator
            std::swap(order[static_cast<std::size_t>(i)], order[shuffle.below(static_cast<std::uint64_t>(i + 1))]);
        double epoch_loss = 0;
        for (index s = 0; s < train_n; s += o.batch_size) {
            const index count = std::min(o.batch_size, train_n - s);
            tape.reset();
            const auto batch = train.batch(std::span<const index>(order.data() + s, static_cast<std::size_t>(count)));
            const Var<T> logits = model.forward(tape, batch.input(tape));
            Var<T> loss = bce_with_logits(tape, logits, batch.labels(tape), static_cast<T>(o.pos_weight));
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
        h.train_loss.push_back(epoch_loss / static_cast<double>(train_n));
        const double val =
            validation_n ? evaluate_loss(model, validation, o.pos_weight, o.evaluation_batch_size) : h.train_loss.back();
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

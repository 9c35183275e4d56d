#pragma once
// A binary-classification training loop for any model whose forward maps a batch tensor
// (B, sample extents...) to logits (B, 1): shuffled mini-batches, BCE-with-logits (with
// pos_weight), Adam/AdamW, global-norm clipping, early stopping on validation loss with the best
// weights restored, a progress line per epoch, and a NaN/Inf guard naming the parameter.
// Type erasure point: the loop is a template over the model, but data is plain float/double
// buffers, so one trainer serves every network type.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include "canary/autodiff/tape.hpp"
#include "canary/core/rng.hpp"
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
};

/// What canary::fit_binary returns: losses per epoch and the best (restored) epoch.
struct FitHistory {
    std::vector<double> train_loss, validation_loss;
    int best_epoch = -1;
    double best_validation_loss = INFINITY;
    double seconds = 0;
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
/// the model. Deterministic for a given seed and thread count.
template <class M>
FitHistory fit_binary(M& model, const BinaryDataset<typename M::scalar>& train,
                      const BinaryDataset<typename M::scalar>& validation, const FitOptions& o) {
    using T = typename M::scalar;
    if (train.n == 0) throw config_error("fit_binary: empty training set");
    if (o.batch_size <= 0) throw config_error("fit_binary: batch size must be positive");
    const auto start_time = std::chrono::steady_clock::now();
    Adam<T> opt(static_cast<T>(o.learning_rate), T(0.9), T(0.999), T(1e-8),
                static_cast<T>(o.weight_decay > 0 ? o.weight_decay : o.l2), o.weight_decay > 0);
    Tape<T, typename M::backend> tape(true, o.seed);
    Rng shuffle(o.seed ^ 0xa5a5a5a5ULL);
    std::vector<index> order(static_cast<std::size_t>(train.n));
    std::iota(order.begin(), order.end(), 0);
    using B = typename M::backend;
    std::vector<T> best = detail::host_copy<B>(model.parameters(), M::param_count);
    FitHistory h;
    long step = 0;
    int since_best = 0;
    for (int epoch = 0; epoch < o.max_epochs; ++epoch) {
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
            check_finite_loss(loss_value, step);
            tape.backward(loss);
            check_finite_gradients(model, step);
            if (o.clip_norm > 0) clip_grad_norm(model, static_cast<T>(o.clip_norm));
            opt.step(model);
            epoch_loss += static_cast<double>(loss_value) * count;
            ++step;
        }
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
            const double eta = elapsed / (epoch + 1) * (o.max_epochs - epoch - 1);
            *o.log << "  [" << o.name << "] epoch " << (epoch + 1) << "/" << o.max_epochs << "  train loss "
                   << h.train_loss.back() << "  val loss " << val << (since_best == 0 ? " *" : "  ") << "  elapsed "
                   << static_cast<int>(elapsed) << "s  ETA<= " << static_cast<int>(eta) << "s\n";
        }
        if (since_best >= o.patience) break;
    }
    detail::copy_from_host<B>(best.data(), model.parameters(), M::param_count);
    h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    return h;
}

}  // namespace canary

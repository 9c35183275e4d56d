#pragma once
// Data-parallel training over K ranks (docs/distributed.md).
//
// Every rank holds the whole model. At construction rank 0's flat parameter buffer is broadcast,
// so all ranks start from the same weights. Each step, the global batch of N samples is cut into K
// contiguous shards in rank order (dist::shard_of); rank k runs forward and backward on its n_k
// samples only, which gives g_k = d/dtheta (1/n_k) sum_{i in shard k} l_i, because canary's losses
// are means. Scaling by n_k / N before the sum over ranks gives exactly the gradient of the global
// batch mean,
//     sum_k (n_k / N) g_k = d/dtheta (1/N) sum_i l_i,
// also when the shards differ in size (N not a multiple of K, or the last, short batch of an
// epoch). The summed buffer carries two more numbers: the weighted loss (so every rank sees the
// global batch loss) and a failure count (so a rank whose forward pass throws does not leave the
// others waiting in the collective: all ranks throw). Then every rank applies the same clipping and
// the same optimizer step to the same numbers, so the replicas stay identical without ever sending
// parameters again.
//
// One collective per step (Communicator::sum over param_count + 2 values); the reduction is
// chosen by dist::reduction (allreduce by default; rank_ordered for bitwise run-to-run
// reproducibility at a fixed K on any MPI). Shuffling uses the same seed on every rank, so the
// global batches are those of the one-process trainer: K ranks with global batch N follow the
// trajectory of fit_binary with batch N up to rounding (tests/mpi/data_parallel_mpi.cpp).
//
// Limits: host (CPU) models only; a device model would reduce its device buffer with NCCL
// (docs/distributed.md, "Several GPUs"). Stochastic layers (Dropout) draw their masks from each
// rank's tape, so with dropout the K-rank run is a different (equally valid) random draw than the
// one-process run.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <numeric>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "canary/core/rng.hpp"
#include "canary/dist/communicator.hpp"
#include "canary/train/guards.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"
#include "canary/train/trainer.hpp"

namespace canary::dist {

/// One data-parallel training step at a time for a host model (see the header comment).
template <class M>
class DataParallel {
public:
    using T = typename M::scalar;
    using tape_type = Tape<T, typename M::backend>;
    static_assert(!is_device_backend_v<typename M::backend>,
                  "canary::dist::DataParallel: host models only (a device model would all-reduce with NCCL)");

    /// Broadcasts rank 0's parameters to every rank (collective: all ranks construct together).
    DataParallel(M& model, Communicator comm, reduction how = reduction::allreduce)
        : model_(model), comm_(comm), how_(how), buffer_(static_cast<std::size_t>(M::param_count + 2)) {
        comm_.broadcast(model_.parameters(), M::param_count);
    }

    const Communicator& communicator() const noexcept { return comm_; }

    /// This rank's samples of a global batch of `global_count`.
    shard my_shard(index global_count) const { return shard_of(global_count, comm_.rank(), comm_.size()); }

    /// Leaves in the model's gradient buffer, on every rank, the gradient of the global batch mean
    /// loss, and returns that loss. `local_loss(tape, begin, count)` must return the MEAN loss over
    /// samples [begin, begin + count) of the global batch (positions within the batch), recorded on
    /// `tape`; it is not called on a rank whose shard is empty. Collective.
    template <class LocalLoss>
    T reduce_gradients(tape_type& tape, index global_count, LocalLoss&& local_loss) {
        if (global_count <= 0) throw config_error("DataParallel: a batch must hold at least one sample");
        const shard mine = my_shard(global_count);
        T loss_value = T(0);
        std::exception_ptr failure;
        if (mine.count > 0) {
            try {
                tape.reset();
                const Var<T> loss = local_loss(tape, mine.begin, mine.count);
                loss_value = loss.val[0];
                tape.backward(loss);
            } catch (...) {
                failure = std::current_exception();
            }
        }
        const index n = M::param_count;
        T* g = model_.gradients();
        if (mine.count == 0 || failure) {
            std::fill(buffer_.begin(), buffer_.end(), T(0));
        } else {
            const T weight = static_cast<T>(static_cast<double>(mine.count) / static_cast<double>(global_count));
            for (index i = 0; i < n; ++i) buffer_[static_cast<std::size_t>(i)] = g[i] * weight;
            buffer_[static_cast<std::size_t>(n)] = loss_value * weight;
        }
        buffer_[static_cast<std::size_t>(n + 1)] = failure ? T(1) : T(0);
        comm_.sum(buffer_.data(), n + 2, how_);
        if (failure) std::rethrow_exception(failure);
        if (buffer_[static_cast<std::size_t>(n + 1)] != T(0))
            throw error("data-parallel step: " + std::to_string(static_cast<long>(buffer_[static_cast<std::size_t>(n + 1)])) +
                        " other rank(s) failed in the forward or backward pass (their own error is reported there)");
        std::copy_n(buffer_.data(), n, g);
        return buffer_[static_cast<std::size_t>(n)];
    }

    /// reduce_gradients, then the guards, clipping and optimizer step fit_binary applies, the same
    /// on every rank. Returns the global batch mean loss. Collective.
    template <class Optimizer, class LocalLoss>
    T step(tape_type& tape, Optimizer& optimizer, index global_count, double clip_norm, long step_index,
           LocalLoss&& local_loss) {
        const T loss = reduce_gradients(tape, global_count, std::forward<LocalLoss>(local_loss));
        check_finite_loss(loss, step_index);
        check_finite_gradients(model_, step_index);
        if (clip_norm > 0) clip_grad_norm(model_, static_cast<T>(clip_norm));
        optimizer.step(model_);
        return loss;
    }

    /// The mean of per-sample losses over `total` samples, each rank evaluating its shard:
    /// `shard_loss_sum(begin, count)` returns the SUM of losses over samples [begin, begin + count).
    /// Summed over ranks in rank order (a handful of numbers, so always the reproducible sum).
    template <class ShardLossSum>
    double mean_loss(index total, ShardLossSum&& shard_loss_sum) const {
        if (total <= 0) return NAN;
        const shard mine = shard_of(total, comm_.rank(), comm_.size());
        double sum = mine.count > 0 ? shard_loss_sum(mine.begin, mine.count) : 0.0;
        comm_.sum(&sum, 1, reduction::rank_ordered);
        return sum / static_cast<double>(total);
    }

private:
    M& model_;
    Communicator comm_;
    reduction how_;
    std::vector<T> buffer_;
};

struct DataParallelOptions {
    reduction how = reduction::allreduce;
};

namespace detail {
/// The epoch loop of fit_binary_data_parallel: fit_binary's
/// shuffling (same generator, same seed on every rank), guards, early stopping and best-weight
/// restore, with the step and the validation loss computed data-parallel. `batch_loss(tape, rows,
/// count)` returns the mean loss of the training samples rows[0..count) (indices into the training
/// set); `validation_sum(begin, count)` the summed loss of validation samples [begin, begin + count).
template <class M, class BatchLoss, class ValidationSum>
FitHistory fit_data_parallel(M& model, index train_n, index validation_n, Adam<typename M::scalar>& opt,
                             const FitOptions& o, const Communicator& comm, reduction how, BatchLoss&& batch_loss,
                             ValidationSum&& validation_sum) {
    using T = typename M::scalar;
    if (train_n == 0) throw config_error(o.name + ": empty training set");
    if (o.batch_size <= 0) throw config_error(o.name + ": batch size must be positive");
    const auto start_time = std::chrono::steady_clock::now();
    DataParallel<M> dp(model, comm, how);
    Tape<T, typename M::backend> tape(true, o.seed);
    Rng shuffle(o.seed ^ 0xa5a5a5a5ULL);
    std::vector<index> order(static_cast<std::size_t>(train_n));
    std::iota(order.begin(), order.end(), 0);
    std::vector<T> best(model.parameters(), model.parameters() + M::param_count);
    FitHistory h;
    long step = 0;
    int since_best = 0;
    std::ostream* log = comm.is_root() ? o.log : nullptr;
    for (int epoch = 0; epoch < o.max_epochs; ++epoch) {
        for (index i = train_n - 1; i > 0; --i)
            std::swap(order[static_cast<std::size_t>(i)], order[shuffle.below(static_cast<std::uint64_t>(i + 1))]);
        double epoch_loss = 0;
        for (index s = 0; s < train_n; s += o.batch_size) {
            const index count = std::min(o.batch_size, train_n - s);
            const index* rows = order.data() + s;
            const T loss = dp.step(tape, opt, count, o.clip_norm, step, [&](auto& t, index begin, index n) {
                return batch_loss(t, rows + begin, n);
            });
            epoch_loss += static_cast<double>(loss) * static_cast<double>(count);
            ++step;
        }
        h.train_loss.push_back(epoch_loss / static_cast<double>(train_n));
        const double val = validation_n ? dp.mean_loss(validation_n, validation_sum) : h.train_loss.back();
        h.validation_loss.push_back(val);
        if (val < h.best_validation_loss - 1e-7) {
            h.best_validation_loss = val;
            h.best_epoch = epoch;
            std::copy_n(model.parameters(), M::param_count, best.begin());
            since_best = 0;
        } else {
            ++since_best;
        }
        if (log)
            *log << "  [" << o.name << "] epoch " << (epoch + 1) << "/" << o.max_epochs << "  train loss "
                 << h.train_loss.back() << "  val loss " << val << (since_best == 0 ? " *" : "") << "  ("
                 << comm.size() << " ranks)\n"
                 << std::flush;
        if (since_best >= o.patience) break;
    }
    std::copy(best.begin(), best.end(), model.parameters());
    h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    return h;
}
}  // namespace detail

/// canary::fit_binary across the ranks of `comm`, for any batch source (BinaryDataset, the SRR
/// graph samples, ...): the same global batches (o.batch_size is the GLOBAL batch), the same
/// optimizer (Adam, or AdamW when o.weight_decay > 0), the same early stopping; every rank reads
/// the whole dataset but gathers only its shard of each batch. Every rank ends with the same (best)
/// weights. Collective: call on every rank with the same arguments.
template <class M, batch_source<typename M::scalar, typename M::backend> Train,
          batch_source<typename M::scalar, typename M::backend> Validation>
FitHistory fit_binary_data_parallel(M& model, const Train& train, const Validation& validation, const FitOptions& o,
                                    const Communicator& comm, const DataParallelOptions& dpo = {}) {
    using T = typename M::scalar;
    Adam<T> opt(static_cast<T>(o.learning_rate), T(0.9), T(0.999), T(1e-8),
                static_cast<T>(o.weight_decay > 0 ? o.weight_decay : o.l2), o.weight_decay > 0);
    using batch_type = decltype(train.batch(std::span<const index>{}));
    std::unique_ptr<batch_type> keep;  // the batch must outlive the backward pass in reduce_gradients
    auto batch_loss = [&](auto& tape, const index* rows, index count) {
        keep.reset();
        keep.reset(new batch_type(train.batch(std::span<const index>(rows, static_cast<std::size_t>(count)))));
        const Var<T> logits = model.forward(tape, keep->input(tape));
        return bce_with_logits(tape, logits, keep->labels(tape), static_cast<T>(o.pos_weight));
    };
    auto validation_sum = [&](index begin, index count) {
        return canary::detail::loss_sum(model, validation, begin, count, o.pos_weight, o.evaluation_batch_size);
    };
    return detail::fit_data_parallel(model, static_cast<index>(train.size()), static_cast<index>(validation.size()), opt,
                                     o, comm, dpo.how, batch_loss, validation_sum);
}

}  // namespace canary::dist

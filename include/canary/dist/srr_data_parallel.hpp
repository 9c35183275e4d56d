#pragma once
// Data-parallel training of the SRR graph models (canary/risk/srr.hpp): fit_srr across ranks.
// Kept apart from data_parallel.hpp so that users of fit_binary_data_parallel do not compile the
// graph pipeline.
#include <cstddef>
#include <memory>
#include <vector>

#include "canary/dist/data_parallel.hpp"
#include "canary/risk/srr.hpp"

namespace canary::dist {

/// canary::risk::fit_srr across the ranks of `comm` (snapshot or temporal SRR models): each rank
/// builds the graph batch (srr_batch) of its shard's days only. Collective.
template <class Net, class T, class B>
FitHistory fit_srr_data_parallel(Model<Net, T, B>& model, const graph::graph_sequence& g,
                                 const std::vector<std::size_t>& train_days, const std::vector<float>& train_labels,
                                 const std::vector<std::size_t>& validation_days,
                                 const std::vector<float>& validation_labels, std::size_t steps, const FitOptions& o,
                                 const Communicator& comm, const DataParallelOptions& dpo = {}) {
    if (train_days.size() != train_labels.size() || validation_days.size() != validation_labels.size())
        throw shape_error("fit_srr_data_parallel: days and labels differ in length");
    Adam<T> opt(static_cast<T>(o.learning_rate), T(0.9), T(0.999), T(1e-8), static_cast<T>(o.l2), false);
    std::vector<std::size_t> days;
    std::vector<T> y;
    std::vector<std::unique_ptr<risk::srr_batch<T>>> keep;  // the batch's inputs must outlive backward
    auto batch_loss = [&](auto& tape, const index* rows, index count) {
        days.clear();
        y.clear();
        for (index k = 0; k < count; ++k) {
            days.push_back(train_days[static_cast<std::size_t>(rows[k])]);
            y.push_back(static_cast<T>(train_labels[static_cast<std::size_t>(rows[k])]));
        }
        keep.clear();
        keep.push_back(std::make_unique<risk::srr_batch<T>>(g, days.data(), days.size(), steps));
        const Var<T> logit = model.forward(tape, keep.back()->template input<Net>(tape));
        return bce_with_logits(tape, logit, tape.input(y.data(), Shape{count, 1}), static_cast<T>(o.pos_weight));
    };
    auto validation_sum = [&](index begin, index count) {
        const auto b = static_cast<std::ptrdiff_t>(begin), e = static_cast<std::ptrdiff_t>(begin + count);
        const std::vector<std::size_t> part_days(validation_days.begin() + b, validation_days.begin() + e);
        const std::vector<float> part_labels(validation_labels.begin() + b, validation_labels.begin() + e);
        return risk::srr_loss(model, g, part_days, part_labels, steps, o.pos_weight) * static_cast<double>(count);
    };
    return detail::fit_data_parallel(model, static_cast<index>(train_days.size()),
                                     static_cast<index>(validation_days.size()), opt, o, comm, dpo.how, batch_loss,
                                     validation_sum);
}

}  // namespace canary::dist

#pragma once
// A GCN adjacency in device memory: uploads a NormalizedAdjacency (dense or CSR) once per batch of
// graphs and views it as the GcnAdjacency that GraphBatch / GraphSequenceBatch carry, so GCN layers
// of a Model<Net, T, Cuda> read it on the device. Host code only (any compiler + CUDA runtime).
#include "canary/backend/cuda/runtime.hpp"
#include "canary/core/adjacency.hpp"

namespace canary::cuda {

template <class T>
class DeviceAdjacency {
public:
    /// Uploads the adjacency `host` views (its arrays must stay valid only during the call).
    explicit DeviceAdjacency(const GcnAdjacency<T>& host) : graphs_(host.graphs), nodes_(host.nodes) {
        if (host.is_dense()) {
            dense_ = DeviceBuffer<T>(host.dense, graphs_ * nodes_ * nodes_);
        } else if (host.is_csr()) {
            const index rows = graphs_ * nodes_;
            const index nnz = host.row_ptr[rows];
            row_ptr_ = DeviceBuffer<index>(host.row_ptr, rows + 1);
            col_ = DeviceBuffer<index>(host.col, nnz);
            val_ = DeviceBuffer<T>(host.val, nnz);
        }
    }
    GcnAdjacency<T> view() const {
        if (dense_.size() > 0) return GcnAdjacency<T>{graphs_, nodes_, dense_.data(), nullptr, nullptr, nullptr};
        return GcnAdjacency<T>{graphs_, nodes_, nullptr, row_ptr_.data(), col_.data(), val_.data()};
    }

private:
    index graphs_, nodes_;
    DeviceBuffer<T> dense_;
    DeviceBuffer<index> row_ptr_, col_;
    DeviceBuffer<T> val_;
};

}  // namespace canary::cuda

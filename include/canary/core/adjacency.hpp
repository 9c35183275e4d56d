#pragma once
// The normalised graph adjacency that GCN layers consume, as a plain view of arrays. It sits in
// core/ because three rooms read it: the layers (graph_batch.hpp), the autodiff graph operations
// and the CUDA upload (backend/cuda/adjacency.hpp), and a header may include only its own room or
// rooms before it. Convention and normalisation: layers/graph_batch.hpp.
#include "canary/core/shape.hpp"

namespace canary {

/// A non-owning view of the GCN-normalised adjacency of `graphs` graphs with `nodes` nodes each.
/// Exactly one representation is set:
///   dense:  (graphs, nodes, nodes), dense[(b*nodes + i)*nodes + j] = m_b[i][j] (target-major);
///   CSR:    block-diagonal over graphs*nodes target rows; row r's entries are
///           col[row_ptr[r] .. row_ptr[r+1]) (global source node b*nodes + j) and val[...] (weights).
template <class T>
struct GcnAdjacency {
    index graphs = 0;
    index nodes = 0;
    const T* dense = nullptr;
    const index* row_ptr = nullptr;
    const index* col = nullptr;
    const T* val = nullptr;

    /// The adjacency is stored dense (graphs * nodes^2 values).
    bool is_dense() const noexcept { return dense != nullptr; }
    /// The adjacency is stored as compressed sparse rows.
    bool is_csr() const noexcept { return row_ptr != nullptr; }
    /// No adjacency is attached.
    bool empty() const noexcept { return !is_dense() && !is_csr(); }
};

}  // namespace canary

#pragma once
// canary_parity cases of the graph layers (torch references in tools/parity/cases_graph.py).
//   gcn               torch_geometric GCNConv(7, 32) (lin.weight, bias); x (N, 7), adj (N, N), y (N, 32)
//   gat               torch_geometric GATConv(7, 8, heads=4) (lin.weight, att_src, att_dst, bias);
//                     x (N, 7), adj (N, N), y (N, 32)
//   gat_mean          torch_geometric GATConv(7, 8, heads=3, concat=False); x (N, 7), adj (N, N), y (N, 8)
//   srr_snapshot_gat  gat1, gat2 (7 -> 4x16, 64 -> 4x16), mean over nodes, head Linear(64, 1);
//                     x (B, N, 7), adj (B, N, N), y (B, 1)
//   srr_snapshot_gnn  gcn1, gcn2 (7->64, 64->64), mean over nodes, head Linear(64, 1);
//                     x (B, N, 7), adj (B, N, N), y (B, 1)
//   srr_temporal_gnn  gcn1, gcn2 per graph, mean over nodes, gru nn.GRU(64, 64, batch_first=True),
//                     head Linear(64, 1) on the last hidden state; x (B, K, N, 7), adj (B, K, N, N), y (B, 1)
// adj[.., j, i] is the weight of the edge j -> i (torch_geometric's dense convention); the GAT
// cases read only which entries are non-zero.
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/srr.hpp"
#include "canary/testing/parity.hpp"

namespace canary::parity {

/// Runs a graph network on (x, adj): loads the weights, normalises adj once, backpropagates grad_y.
template <Layer Net, class T>
testing::ParityOutputs run_graph_parity(const testing::ParityArgs& args) {
    Model<Net, T> model(0);
    io::load_parameters(model, args.weights, args.weights_prefix);
    const Shape xs = args.shape_of("x"), as = args.shape_of("adj");
    const index graphs = xs.rank() == 3 ? xs[0] : 1, nodes = xs.rank() == 3 ? xs[1] : xs[0];
    if (as.numel() != graphs * nodes * nodes || as.cols() != nodes)
        throw tensor_error("adj", "has shape " + as.str() + " for node features " + xs.str());
    std::vector<T> x = args.template read<T>("x"), gx(x.size(), T(0));
    const std::vector<T> adj = args.template read<T>("adj");
    const auto norm = NormalizedAdjacency<T>::dense(adj.data(), graphs, nodes);
    Tape<T> tape(true);
    auto out = model.forward(tape, GraphBatch<T>{Var<T>{x.data(), gx.data(), xs, xs.cols()}, norm.view()});
    Var<T> y;
    if constexpr (std::is_same_v<decltype(out), Var<T>>) y = out;
    else y = out.x;
    return testing::backward_and_collect(args, tape, model, y, xs, gx);
}

/// Runs a graph-sequence network on (x (B, K, N, F), adj (B, K, N, N)): the adjacency of all B*K
/// graphs is normalised once (dense) and shared by the time-distributed encoder.
template <Layer Net, class T>
testing::ParityOutputs run_graph_sequence_parity(const testing::ParityArgs& args) {
    Model<Net, T> model(0);
    io::load_parameters(model, args.weights, args.weights_prefix);
    const Shape xs = args.shape_of("x"), as = args.shape_of("adj");
    if (xs.rank() != 4) throw tensor_error("x", "has shape " + xs.str() + ", expected (B, K, N, F)");
    const index graphs = xs[0] * xs[1], nodes = xs[2];
    if (as.numel() != graphs * nodes * nodes || as.cols() != nodes)
        throw tensor_error("adj", "has shape " + as.str() + " for node features " + xs.str());
    std::vector<T> x = args.template read<T>("x"), gx(x.size(), T(0));
    const std::vector<T> adj = args.template read<T>("adj");
    const auto norm = NormalizedAdjacency<T>::dense(adj.data(), graphs, nodes);
    Tape<T> tape(true);
    const Var<T> y = model.forward(tape, GraphSequenceBatch<T>{Var<T>{x.data(), gx.data(), xs, xs.cols()}, norm.view()});
    return testing::backward_and_collect(args, tape, model, y, xs, gx);
}

template <Layer Net>
void add_graph_network(testing::ParityRegistry& r, std::string name) {
    r.add(std::move(name), [](const testing::ParityArgs& a) {
        return a.double_precision() ? run_graph_parity<Net, double>(a) : run_graph_parity<Net, float>(a);
    });
}

inline void register_graph_cases(testing::ParityRegistry& r) {
    add_graph_network<GCNConv<7, 32>>(r, "gcn");
    add_graph_network<models::srr_snapshot_gnn<7, 64>>(r, "srr_snapshot_gnn");
    add_graph_network<GATConv<7, 8, 4>>(r, "gat");
    add_graph_network<GATConv<7, 8, 3, false>>(r, "gat_mean");
    add_graph_network<models::srr_snapshot_gat<7, 64, 4>>(r, "srr_snapshot_gat");
    r.add("srr_temporal_gnn", [](const testing::ParityArgs& a) {
        using Net = models::srr_temporal_gnn<7, 64>;
        return a.double_precision() ? run_graph_sequence_parity<Net, double>(a) : run_graph_sequence_parity<Net, float>(a);
    });
}

}  // namespace canary::parity

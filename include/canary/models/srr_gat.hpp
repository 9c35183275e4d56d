#pragma once
// srr_snapshot_gat: the snapshot model of canary/risk/srr.hpp (srr_snapshot_gnn) with its two
// GCNConv layers replaced by multi-head GATConv layers of the same widths, on the same graph batch
// (node features + normalised adjacency; the GAT layers read only its edge pattern):
//   GATConv(F -> H/Heads per head, Heads heads, concat) + ReLU, GATConv(H -> H/Heads, Heads, concat)
//   + ReLU, mean over nodes, Linear(H -> 1).
// With F = 7, H = 64, Heads = 4: gat1 7*64 + 2*64 + 64 = 640, gat2 64*64 + 2*64 + 64 = 4,288,
// head 65, 4,993 parameters (the GCN model's 4,737 plus 2*64 attention values per layer).
// torch names: gat1.lin.weight, gat1.att_src, gat1.att_dst, gat1.bias, gat2.*, head.weight, head.bias.
#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/gat_conv.hpp"
#include "canary/layers/graph_pool.hpp"
#include "canary/layers/sequential.hpp"
#include "canary/risk/srr.hpp"

namespace canary::risk {

template <index F = 7, index H = 64, index Heads = 4>
using srr_snapshot_gat = Sequential<Named<"gat1", GATConv<F, H / Heads, Heads>>, ReLU,
                                    Named<"gat2", GATConv<H, H / Heads, Heads>>, ReLU, GlobalMeanPool,
                                    Named<"head", Dense<H, 1>>>;

static_assert(srr_snapshot_gat<>::param_count == 4993, "srr_snapshot_gat: 640 + 4,288 + 65 parameters");

}  // namespace canary::risk

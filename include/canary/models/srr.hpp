#pragma once
// The "Systemic Risk Radar" graph models of arXiv 2512.17185 as type aliases.
//
// srr_snapshot_gnn: one day's graph -> crash logit.
//   GCNConv(F -> H) + ReLU, GCNConv(H -> H) + ReLU, mean over nodes, Linear(H -> 1).
// With F = 7 node features and H = 64 it has 4,737 parameters, the count the paper reports:
//   GCNConv(7, 64) 7*64 + 64 = 512, GCNConv(64, 64) 64*64 + 64 = 4,160, Linear(64, 1) 65.
// The paper's text describes 32-wide layers and a 32 -> 16 -> 1 MLP head instead
// (srr_snapshot_gnn_paper_text): 256 + 1,056 + 528 + 17 = 1,857 parameters, which does not match
// its reported count, so the 64-wide preset is the default.
//
// Input: a canary::GraphBatch (node features (graphs, nodes, F) + normalised adjacency); output:
// (graphs, 1) logits. torch names: gcn1.lin.weight, gcn1.bias, gcn2.lin.weight, gcn2.bias,
// head.weight, head.bias.
//
// srr_temporal_gnn: the last K graphs -> crash logit. The same two GCN layers and mean pool run on
// every graph of the sequence (TimeDistributed: one block batch of B*K graphs), the K embeddings go
// through GRU(H -> H) (batch_first) and Linear(H -> 1) reads the last hidden state. With F = 7 and
// H = 64: 512 + 4,160 + GRU 2 * (3*64*64 + 3*64) = 24,960 + 65 = 29,697 parameters, the paper's count.
// Input: a canary::GraphSequenceBatch (node features (B, K, N, F) + normalised adjacency of the B*K
// graphs, graph b*K + k = step k of sample b); output (B, 1). torch names: gcn1.*, gcn2.*,
// gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0, head.weight, head.bias.
// Details: docs/models/srr.md; the graph pipeline and batches: canary/models/srr_data.hpp.
#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/layers/gat_conv.hpp"
#include "canary/layers/gcn_conv.hpp"
#include "canary/layers/graph_pool.hpp"
#include "canary/layers/gru.hpp"
#include "canary/layers/pooling.hpp"
#include "canary/layers/time_distributed.hpp"
#include "canary/layers/sequential.hpp"

namespace canary::models {

template <index F = 7, index H = 64>
using srr_snapshot_gnn = Sequential<Named<"gcn1", GCNConv<F, H>>, ReLU, Named<"gcn2", GCNConv<H, H>>, ReLU,
                                    GlobalMeanPool, Named<"head", Dense<H, 1>>>;

static_assert(srr_snapshot_gnn<>::param_count == 4737, "the paper's snapshot GNN has 4,737 parameters");

/// The widths given in the paper's text: GCN 7->32->32, mean pool, MLP 32->16->1 (1,857 parameters).
/// torch names: gcn1.*, gcn2.*, head1.weight/bias, head2.weight/bias.
template <index F = 7>
using srr_snapshot_gnn_paper_text =
    Sequential<Named<"gcn1", GCNConv<F, 32>>, ReLU, Named<"gcn2", GCNConv<32, 32>>, ReLU, GlobalMeanPool,
               Named<"head1", Dense<32, 16>>, ReLU, Named<"head2", Dense<16, 1>>>;

static_assert(srr_snapshot_gnn_paper_text<>::param_count == 1857);

/// srr_snapshot_gat: srr_snapshot_gnn with its two
/// GCNConv layers replaced by multi-head GATConv layers of the same widths, on the same graph batch
/// (node features + normalised adjacency; the GAT layers read only its edge pattern):
///   GATConv(F -> H/Heads per head, Heads heads, concat) + ReLU, GATConv(H -> H/Heads, Heads, concat)
///   + ReLU, mean over nodes, Linear(H -> 1).
/// With F = 7, H = 64, Heads = 4: gat1 7*64 + 2*64 + 64 = 640, gat2 64*64 + 2*64 + 64 = 4,288,
/// head 65, 4,993 parameters (the GCN model's 4,737 plus 2*64 attention values per layer).
/// torch names: gat1.lin.weight, gat1.att_src, gat1.att_dst, gat1.bias, gat2.*, head.weight, head.bias.
template <index F = 7, index H = 64, index Heads = 4>
using srr_snapshot_gat = Sequential<Named<"gat1", GATConv<F, H / Heads, Heads>>, ReLU,
                                    Named<"gat2", GATConv<H, H / Heads, Heads>>, ReLU, GlobalMeanPool,
                                    Named<"head", Dense<H, 1>>>;

static_assert(srr_snapshot_gat<>::param_count == 4993, "srr_snapshot_gat: 640 + 4,288 + 65 parameters");

/// The per-graph encoder of the temporal model: GCN(F -> H) + ReLU, GCN(H -> H) + ReLU, mean over nodes.
template <index F, index H>
using srr_graph_encoder =
    Sequential<Named<"gcn1", GCNConv<F, H>>, ReLU, Named<"gcn2", GCNConv<H, H>>, ReLU, GlobalMeanPool>;

template <index F = 7, index H = 64>
using srr_temporal_gnn = Sequential<TimeDistributed<srr_graph_encoder<F, H>>, Named<"gru", GRU<H, H>>, LastStep,
                                    Named<"head", Dense<H, 1>>>;

static_assert(srr_temporal_gnn<>::param_count == 29697, "the paper's temporal GNN has 29,697 parameters");

/// The widths given in the paper's text (and the W2 benchmark shape): GCN 7->32->32, mean pool,
/// GRU(32 -> 32), MLP 32->16->ReLU->1: 256 + 1,056 + 6,336 + 528 + 17 = 8,193 parameters.
/// torch names: gcn1.*, gcn2.*, gru.*, head1.weight/bias, head2.weight/bias.
template <index F = 7>
using srr_temporal_gnn_paper_text =
    Sequential<TimeDistributed<srr_graph_encoder<F, 32>>, Named<"gru", GRU<32, 32>>, LastStep,
               Named<"head1", Dense<32, 16>>, ReLU, Named<"head2", Dense<16, 1>>>;

static_assert(srr_temporal_gnn_paper_text<>::param_count == 8193);

}  // namespace canary::models

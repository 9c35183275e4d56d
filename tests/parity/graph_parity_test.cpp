// GCNConv, srr_snapshot_gnn and srr_temporal_gnn against the plain-torch port of torch_geometric's GCNConv, and
// GATConv (heads concatenated or averaged) and srr_snapshot_gat against the port of its GATConv (checked
// against torch_geometric 2.5.3 itself when the fixtures were written), forward and backward: with and
// without existing self loops, isolated nodes, weighted asymmetric edges, several N and B, float and double.
#include "cases_graph.hpp"
#include "parity_fixtures.hpp"

TEST(Parity, GcnConv) {
    canary::testing::ParityRegistry r;
    canary::parity::register_graph_cases(r);
    canary::parity_test::expect_parity(r, "gcn", 4);
}

TEST(Parity, SrrSnapshotGnn) {
    canary::testing::ParityRegistry r;
    canary::parity::register_graph_cases(r);
    canary::parity_test::expect_parity(r, "srr_snapshot_gnn", 3);
}

TEST(Parity, SrrTemporalGnn) {
    canary::testing::ParityRegistry r;
    canary::parity::register_graph_cases(r);
    const double worst = canary::parity_test::expect_parity(r, "srr_temporal_gnn", 4);
    EXPECT_LT(worst, 1e-4);  // float32 tolerance of the suite, scaled by max(1, max abs(ref))
}

TEST(Parity, GatConvHeadsConcatenated) {
    canary::testing::ParityRegistry r;
    canary::parity::register_graph_cases(r);
    EXPECT_LT(canary::parity_test::expect_parity(r, "gat", 4), 1e-4);
}

TEST(Parity, GatConvHeadsAveraged) {
    canary::testing::ParityRegistry r;
    canary::parity::register_graph_cases(r);
    EXPECT_LT(canary::parity_test::expect_parity(r, "gat_mean", 3), 1e-4);
}

TEST(Parity, SrrSnapshotGat) {
    canary::testing::ParityRegistry r;
    canary::parity::register_graph_cases(r);
    EXPECT_LT(canary::parity_test::expect_parity(r, "srr_snapshot_gat", 3), 1e-4);
}

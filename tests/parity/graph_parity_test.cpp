// GCNConv, srr_snapshot_gnn and srr_temporal_gnn against the plain-torch port of torch_geometric's GCNConv, forward
// and backward: with and without existing self loops, isolated nodes, weighted asymmetric edges,
// several N and B, float and double.
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

// GCNConv (torch_geometric semantics), graph pooling and the srr_snapshot_gnn preset.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/srr.hpp"

using namespace canary;

namespace {

// A 4-node graph (source-major raw[j][i] = weight of j -> i): weighted asymmetric edges, an existing
// self loop of weight 2 on node 1, and node 3 isolated.
std::vector<double> small_graph() {
    std::vector<double> a(16, 0.0);
    a[0 * 4 + 1] = 0.5;  // 0 -> 1
    a[1 * 4 + 0] = 1.5;  // 1 -> 0
    a[1 * 4 + 2] = 1.0;  // 1 -> 2
    a[1 * 4 + 1] = 2.0;  // self loop kept with its weight
    return a;
}

std::vector<double> random_values(std::size_t n, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
    Rng rng(seed);
    std::vector<double> v(n);
    for (auto& x : v) x = rng.uniform(lo, hi);
    return v;
}

// Random raw adjacency for `graphs` graphs: some edges, some self loops, some isolated nodes.
std::vector<double> random_graphs(canary::index graphs, canary::index n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> a(static_cast<std::size_t>(graphs * n * n), 0.0);
    for (canary::index b = 0; b < graphs; ++b)
        for (canary::index j = 0; j < n; ++j)
            for (canary::index i = 0; i < n; ++i) {
                if (j == n - 1 || i == n - 1) continue;  // last node isolated
                if (rng.uniform() < 0.35) a[static_cast<std::size_t>((b * n + j) * n + i)] = rng.uniform(0.1, 2.0);
            }
    return a;
}

}  // namespace

TEST(GcnNormalize, MatchesHandComputedTorchGeometricNormalisation) {
    const auto raw = small_graph();
    Tape<double> tape(false);
    const auto adj = gcn_normalize_dense(tape, raw.data(), 1, 4);
    // Degrees at the target with remaining self loops: d0 = 1.5 + 1 = 2.5, d1 = 0.5 + 2 = 2.5,
    // d2 = 1 + 1 = 2, d3 = 1 (only its added loop).
    const double d[] = {2.5, 2.5, 2.0, 1.0};
    auto m = [&](int i, int j) { return adj.dense[i * 4 + j]; };
    EXPECT_NEAR(m(1, 0), 0.5 / std::sqrt(d[1] * d[0]), 1e-15);  // edge 0 -> 1 reaches node 1
    EXPECT_NEAR(m(0, 1), 1.5 / std::sqrt(d[0] * d[1]), 1e-15);
    EXPECT_NEAR(m(2, 1), 1.0 / std::sqrt(d[2] * d[1]), 1e-15);
    EXPECT_NEAR(m(1, 2), 0.0, 0.0);                              // no edge 2 -> 1
    EXPECT_NEAR(m(1, 1), 2.0 / d[1], 1e-15);                     // existing loop weight kept
    EXPECT_NEAR(m(0, 0), 1.0 / d[0], 1e-15);                     // missing loop added with 1
    EXPECT_NEAR(m(3, 3), 1.0, 1e-15);                            // isolated: only its own loop
}

TEST(GcnNormalize, DenseAndCsrAgreeAndNegativeDegreesThrow) {
    const auto raw = random_graphs(3, 6, 5);
    const auto dense = NormalizedAdjacency<double>::dense(raw.data(), 3, 6);
    const auto csr = NormalizedAdjacency<double>::csr_from_dense(raw.data(), 3, 6);
    const auto dv = dense.view(), cv = csr.view();
    ASSERT_TRUE(dv.is_dense());
    ASSERT_TRUE(cv.is_csr());
    std::vector<double> from_csr(3 * 6 * 6, 0.0);
    for (canary::index r = 0; r < 18; ++r)
        for (canary::index k = cv.row_ptr[r]; k < cv.row_ptr[r + 1]; ++k) {
            const canary::index b = r / 6, i = r % 6, j = cv.col[k] - b * 6;
            ASSERT_GE(j, 0);
            ASSERT_LT(j, 6);  // block-diagonal: sources stay inside their graph
            from_csr[static_cast<std::size_t>((b * 6 + i) * 6 + j)] += cv.val[k];
        }
    for (std::size_t k = 0; k < from_csr.size(); ++k) EXPECT_NEAR(from_csr[k], dv.dense[k], 1e-15) << k;
    std::vector<double> bad(4, 0.0);
    bad[1] = -3.0;
    EXPECT_THROW(NormalizedAdjacency<double>::dense(bad.data(), 1, 2), config_error);
}

TEST(GCNConv, ForwardIsNormalisedAggregationOfTransformedFeaturesPlusBias) {
    Model<GCNConv<2, 3>, double> m(3);
    double* p = m.parameters();
    for (int k = 0; k < 6; ++k) p[k] = 0.1 * (k + 1);  // lin.weight (3, 2)
    p[6] = 1.0, p[7] = -1.0, p[8] = 0.5;                // bias
    const auto raw = small_graph();
    Tape<double> tape(false);
    const auto adj = gcn_normalize_dense(tape, raw.data(), 1, 4);
    std::vector<double> x = {1, 2, -1, 0, 3, 1, 0.5, -2};
    const auto y = m.forward(tape, GraphBatch<double>{tape.input(x.data(), Shape{4, 2}), adj});
    ASSERT_EQ(y.x.shape, (Shape{4, 3}));
    for (int i = 0; i < 4; ++i)
        for (int o = 0; o < 3; ++o) {
            double expect = p[6 + o];
            for (int j = 0; j < 4; ++j) {
                const double h = p[o * 2] * x[j * 2] + p[o * 2 + 1] * x[j * 2 + 1];
                expect += adj.dense[i * 4 + j] * h;
            }
            EXPECT_NEAR(y.x(i, o), expect, 1e-14);
        }
    // The isolated node sees only itself: W x_3 + b.
    EXPECT_NEAR(y.x(3, 0), p[0] * 0.5 + p[1] * -2 + 1.0, 1e-14);
}

TEST(GCNConv, GlorotInitialisationAndTorchNames) {
    Model<Named<"conv", GCNConv<7, 32>>, float> m(11);
    const auto& ps = m.named_parameters();
    ASSERT_EQ(ps.size(), 2u);
    EXPECT_EQ(ps[0].name, "conv.lin.weight");
    EXPECT_EQ(ps[0].shape, (Shape{32, 7}));
    EXPECT_EQ(ps[1].name, "conv.bias");
    const float bound = std::sqrt(6.0f / 39.0f);
    float max_abs = 0;
    for (canary::index i = 0; i < 7 * 32; ++i) max_abs = std::max(max_abs, std::abs(m.parameters()[i]));
    EXPECT_LE(max_abs, bound);
    EXPECT_GT(max_abs, 0.8f * bound);
    for (canary::index i = 0; i < 32; ++i) EXPECT_EQ(m.parameters()[7 * 32 + i], 0.0f);
}

namespace {

// Gradient check of a GCN network on B graphs of N nodes through the dense or the CSR path.
template <class Net>
canary::testing::GradCheckReport check_graph_net(canary::index graphs, canary::index n, bool csr, bool rank2 = false) {
    constexpr canary::index F = Net::in_width;
    Model<Net, double> model(7);
    // Non-zero biases so that their gradients are exercised away from the initial point.
    for (canary::index i = 0; i < Net::param_count; ++i) model.parameters()[i] += 0.05 * std::sin(double(i));
    auto x = random_values(static_cast<std::size_t>(graphs * n * F), 9);
    std::vector<double> gx(x.size());
    const auto raw = random_graphs(graphs, n, 21);
    const auto adj = csr ? NormalizedAdjacency<double>::csr_from_dense(raw.data(), graphs, n)
                         : NormalizedAdjacency<double>::dense(raw.data(), graphs, n);
    std::vector<canary::testing::Probe> probes{{"x", x.data(), gx.data(), static_cast<canary::index>(x.size())},
                                               {"parameters", model.parameters(), model.gradients(), Net::param_count}};
    const Shape xs = rank2 ? Shape{n, F} : Shape{graphs, n, F};
    auto forward = [&](Tape<double>& tape) {
        auto out = model.forward(tape, GraphBatch<double>{Var<double>{x.data(), gx.data(), xs, F}, adj.view()});
        if constexpr (std::is_same_v<decltype(out), Var<double>>) return out;
        else return out.x;
    };
    return canary::testing::check_gradients(forward, std::span<canary::testing::Probe>(probes));
}

}  // namespace

TEST(GCNConv, GradientCheckDenseAndCsrWithSelfLoopsIsolatedNodesAndWeights) {
    using Net = Sequential<GCNConv<3, 4>, Tanh, GCNConv<4, 2>>;
    for (bool csr : {false, true}) {
        auto r = check_graph_net<Net>(2, 5, csr);
        EXPECT_TRUE(r.ok()) << (csr ? "csr " : "dense ") << r.str();
        auto one = check_graph_net<Net>(1, 4, csr, true);
        EXPECT_TRUE(one.ok()) << "single graph " << one.str();
    }
}

TEST(GCNConv, DenseAndCsrPathsGiveTheSameOutputsAndGradients) {
    using Net = Sequential<GCNConv<3, 5>, ReLU, GCNConv<5, 4>, GlobalMeanPool>;
    const canary::index graphs = 3, n = 7;
    const auto raw = random_graphs(graphs, n, 3);
    const auto x = random_values(static_cast<std::size_t>(graphs * n * 3), 4);
    std::vector<std::vector<double>> outs, grads;
    for (bool csr : {false, true}) {
        Model<Net, double> model(5);
        const auto adj = csr ? NormalizedAdjacency<double>::csr_from_dense(raw.data(), graphs, n)
                             : NormalizedAdjacency<double>::dense(raw.data(), graphs, n);
        Tape<double> tape(true);
        auto xv = tape.input(x.data(), Shape{graphs, n, 3}, true);
        auto y = model.forward(tape, GraphBatch<double>{xv, adj.view()});
        ASSERT_EQ(y.shape, (Shape{graphs, 4}));
        tape.backward(y);
        outs.emplace_back(y.val, y.val + y.numel());
        std::vector<double> g(model.gradients(), model.gradients() + Net::param_count);
        g.insert(g.end(), xv.adj, xv.adj + xv.numel());
        grads.push_back(g);
    }
    for (std::size_t k = 0; k < outs[0].size(); ++k) EXPECT_NEAR(outs[0][k], outs[1][k], 1e-13);
    for (std::size_t k = 0; k < grads[0].size(); ++k) EXPECT_NEAR(grads[0][k], grads[1][k], 1e-12);
}

TEST(GCNConv, ShapeMistakesThrowNamingTheLayer) {
    Model<GCNConv<3, 2>, float> m;
    Tape<float> tape(false);
    std::vector<float> raw(2 * 4 * 4, 0.0f), x(2 * 5 * 3, 0.0f);
    const auto adj = gcn_normalize_dense(tape, raw.data(), 2, 4);
    try {
        m.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{2, 5, 3}), adj});
        FAIL();
    } catch (const shape_error& e) {
        EXPECT_NE(std::string(e.what()).find("GCNConv<3, 2>"), std::string::npos) << e.what();
    }
    EXPECT_THROW(m.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{2, 5, 3}), GcnAdjacency<float>{}}),
                 shape_error);
}

TEST(GCNConv, SecondTrainingStepAllocatesNothing) {
    Model<models::srr_snapshot_gnn<>, float> model(1);
    const canary::index graphs = 4, n = 10;
    std::vector<float> raw(graphs * n * n, 0.0f), x(graphs * n * 7, 0.25f);
    for (canary::index k = 0; k < graphs * n * n; k += 7) raw[k] = 0.5f;
    Tape<float> tape(true);
    std::size_t after_first = 0;
    for (int step = 0; step < 3; ++step) {
        tape.reset();
        const auto adj = gcn_normalize_dense(tape, raw.data(), graphs, n);  // in tape scratch
        auto y = model.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{graphs, n, 7}), adj});
        auto loss = mean(tape, y);
        tape.backward(loss);
        if (step == 0) after_first = tape.system_allocations();
        // The first reset() coalesces blocks once; from then on the count is constant.
        if (step == 2) {
            EXPECT_LE(tape.system_allocations(), after_first + 1);
        }
    }
}

TEST(GraphPool, GradientChecksMeanSumMax) {
    for (auto s : {Shape{3, 5, 4}, Shape{6, 2}}) {
        auto mean_r = canary::testing::check_layer(GlobalMeanPool{}, s);
        EXPECT_TRUE(mean_r.ok()) << mean_r.str();
        auto sum_r = canary::testing::check_layer(GlobalSumPool{}, s);
        EXPECT_TRUE(sum_r.ok()) << sum_r.str();
        auto max_r = canary::testing::check_layer(GlobalMaxPool{}, s);
        EXPECT_TRUE(max_r.ok()) << max_r.str();
    }
}

TEST(GraphPool, ValuesAndMaxGradientGoesToTheFirstMaximum) {
    Tape<double> tape(true);
    double x[] = {1, 5, 3, 5, 3, -1,   // graph 0: nodes (1,5), (3,5), (3,-1)
                  0, 0, 2, 2, -4, 8};  // graph 1
    auto xv = tape.input(x, Shape{2, 3, 2}, true);
    auto mx = GlobalMaxPool{}.forward(tape, ParamSpan<double>{}, xv);
    auto mn = GlobalMeanPool{}.forward(tape, ParamSpan<double>{}, xv);
    auto sm = GlobalSumPool{}.forward(tape, ParamSpan<double>{}, xv);
    EXPECT_EQ(mx(0, 0), 3);
    EXPECT_EQ(mx(0, 1), 5);
    EXPECT_EQ(mx(1, 1), 8);
    EXPECT_DOUBLE_EQ(mn(0, 0), 7.0 / 3.0);
    EXPECT_DOUBLE_EQ(sm(1, 1), 10.0);
    tape.backward(mx);
    EXPECT_EQ(xv.grad(0, 1), 1.0);  // node 0 wins the tie 5 = 5
    EXPECT_EQ(xv.grad(1, 1), 0.0);
    EXPECT_EQ(xv.grad(1, 0), 1.0);  // the tie 3 = 3 in feature 0: node 1 first
    EXPECT_EQ(xv.grad(2, 0), 0.0);
}

TEST(SrrSnapshotGnn, ParameterCountNamesAndGradientCheck) {
    static_assert(models::srr_snapshot_gnn<>::param_count == 4737);
    static_assert(models::srr_snapshot_gnn_paper_text<>::param_count == 1857);
    Model<models::srr_snapshot_gnn<>, float> m;
    std::vector<std::string> names;
    for (const auto& p : m.named_parameters()) names.push_back(p.name);
    EXPECT_EQ(names, (std::vector<std::string>{"gcn1.lin.weight", "gcn1.bias", "gcn2.lin.weight", "gcn2.bias",
                                               "head.weight", "head.bias"}));
    auto r = check_graph_net<models::srr_snapshot_gnn<7, 6>>(3, 5, false);
    EXPECT_TRUE(r.ok()) << r.str();
    auto rc = check_graph_net<models::srr_snapshot_gnn_paper_text<>>(2, 4, true);
    EXPECT_TRUE(rc.ok()) << rc.str();
}

TEST(GCNConv, TwoThreadsGiveBitwiseTheSameOutputsAndGradients) {
    // 16 graphs of 48 nodes, width 32: large enough that each thread takes half of the graphs.
    using Net = Sequential<GCNConv<32, 32>, ReLU, GCNConv<32, 8>, GlobalMeanPool>;
    const canary::index graphs = 16, n = 48;
    const auto raw = random_graphs(graphs, n, 8);
    const auto x64 = random_values(static_cast<std::size_t>(graphs * n * 32), 9);
    const std::vector<float> x(x64.begin(), x64.end());
    std::vector<float> rawf(raw.begin(), raw.end());
    std::vector<std::vector<float>> outs, grads;
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        Model<Net, float> model(5);
        Tape<float> tape(true);
        const auto adj = gcn_normalize_dense(tape, rawf.data(), graphs, n);
        auto xv = tape.input(x.data(), Shape{graphs, n, 32}, true);
        auto y = model.forward(tape, GraphBatch<float>{xv, adj});
        tape.backward(y);
        outs.emplace_back(y.val, y.val + y.numel());
        std::vector<float> g(model.gradients(), model.gradients() + Net::param_count);
        g.insert(g.end(), xv.adj, xv.adj + xv.numel());
        grads.push_back(g);
    }
    set_num_threads(1);
    EXPECT_EQ(outs[0], outs[1]);
    EXPECT_EQ(grads[0], grads[1]);
}

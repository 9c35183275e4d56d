// GATConv (torch_geometric semantics) and the srr_snapshot_gat preset.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/srr.hpp"

using namespace canary;

namespace {

// A 4-node graph (source-major raw[j][i] = weight of j -> i): weighted asymmetric edges, an existing
// self loop on node 1 (GAT drops it and adds its own), and node 3 isolated.
std::vector<double> small_graph() {
    std::vector<double> a(16, 0.0);
    a[0 * 4 + 1] = 0.5;  // 0 -> 1
    a[1 * 4 + 0] = 1.5;  // 1 -> 0
    a[1 * 4 + 2] = 1.0;  // 1 -> 2
    a[2 * 4 + 0] = 3.0;  // 2 -> 0
    a[1 * 4 + 1] = 2.0;  // self loop
    return a;
}

std::vector<double> random_values(std::size_t n, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
    Rng rng(seed);
    std::vector<double> v(n);
    for (auto& x : v) x = rng.uniform(lo, hi);
    return v;
}

// Random raw adjacency for `graphs` graphs: some edges, some self loops, the last node isolated.
std::vector<double> random_graphs(canary::index graphs, canary::index n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> a(static_cast<std::size_t>(graphs * n * n), 0.0);
    for (canary::index b = 0; b < graphs; ++b)
        for (canary::index j = 0; j < n; ++j)
            for (canary::index i = 0; i < n; ++i) {
                if (j == n - 1 || i == n - 1) continue;
                if (rng.uniform() < 0.35) a[static_cast<std::size_t>((b * n + j) * n + i)] = rng.uniform(0.1, 2.0);
            }
    return a;
}

// GATConv written out per edge, straight from PyG's definition, for one graph of n nodes.
// p: the layer's flat parameters (lin.weight, att_src, att_dst, bias).
std::vector<double> reference_gat(const std::vector<double>& raw, const std::vector<double>& x, const double* p,
                                  int n, int in, int out, int heads, bool concat) {
    const int hc = heads * out, width = concat ? hc : out;
    const double* w = p;
    const double* as = p + hc * in;
    const double* ad = as + hc;
    const double* bias = ad + hc;
    std::vector<double> h(static_cast<std::size_t>(n * hc), 0.0);
    for (int r = 0; r < n; ++r)
        for (int o = 0; o < hc; ++o)
            for (int f = 0; f < in; ++f) h[r * hc + o] += w[o * in + f] * x[r * in + f];
    std::vector<double> y(static_cast<std::size_t>(n * width), 0.0);
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < heads; ++k) {
            std::vector<int> sources{i};  // remove_self_loops, then add_self_loops
            for (int j = 0; j < n; ++j)
                if (j != i && raw[j * n + i] != 0.0) sources.push_back(j);
            std::vector<double> e;
            for (int j : sources) {
                double s = 0.0;
                for (int c = 0; c < out; ++c) s += h[i * hc + k * out + c] * ad[k * out + c] + h[j * hc + k * out + c] * as[k * out + c];
                e.push_back(s > 0 ? s : 0.2 * s);
            }
            const double mx = *std::max_element(e.begin(), e.end());
            double z = 0.0;
            for (double& v : e) z += (v = std::exp(v - mx));
            for (std::size_t t = 0; t < sources.size(); ++t)
                for (int c = 0; c < out; ++c) {
                    const double m = e[t] / z * h[sources[t] * hc + k * out + c];
                    if (concat) y[i * width + k * out + c] += m;
                    else y[i * width + c] += m / heads;
                }
        }
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < width; ++c) y[i * width + c] += bias[c];
    return y;
}

template <class L>
void set_parameters(Model<L, double>& m, std::uint64_t seed) {
    const auto v = random_values(static_cast<std::size_t>(L::param_count), seed);
    std::copy(v.begin(), v.end(), m.parameters());
}

template <canary::index In, canary::index Out, canary::index Heads, bool Concat>
void expect_matches_reference() {
    using L = GATConv<In, Out, Heads, Concat>;
    Model<L, double> m;
    set_parameters(m, 3);
    const auto raw = small_graph();
    const auto x = random_values(4 * In, 4);
    Tape<double> tape(false);
    const auto adj = gcn_normalize_dense(tape, raw.data(), 1, 4);
    const auto y = m.forward(tape, GraphBatch<double>{tape.input(x.data(), Shape{4, In}), adj});
    ASSERT_EQ(y.x.shape, (Shape{4, L::out_width}));
    const auto expect = reference_gat(raw, x, m.parameters(), 4, int(In), int(Out), int(Heads), Concat);
    for (int i = 0; i < 4; ++i)
        for (int c = 0; c < int(L::out_width); ++c)
            EXPECT_NEAR(y.x(i, c), expect[i * L::out_width + c], 1e-13) << L{}.name() << " node " << i << " col " << c;
    // The isolated node attends only to itself (alpha = 1): y_3 = (W x_3) per head (or their mean) + bias.
    const double* p = m.parameters();
    for (int c = 0; c < int(L::out_width); ++c) {
        double v = 0.0;
        for (int k = 0; k < (Concat ? 1 : int(Heads)); ++k) {
            const int row = Concat ? c : k * int(Out) + c;
            for (int f = 0; f < int(In); ++f) v += p[row * In + f] * x[3 * In + f];
        }
        if (!Concat) v /= double(Heads);
        EXPECT_NEAR(y.x(3, c), v + p[L::param_specs[3].offset + c], 1e-13) << "isolated node, col " << c;
    }
}

}  // namespace

TEST(GATConv, ForwardMatchesAPerEdgeReferenceForHeadsAndConcatVariants) {
    expect_matches_reference<3, 2, 1, true>();
    expect_matches_reference<3, 2, 3, true>();
    expect_matches_reference<2, 4, 3, false>();
    expect_matches_reference<5, 3, 1, false>();
}

TEST(GATConv, ReadsOnlyThePatternOfDenseCsrOrRawAdjacency) {
    // The normalised GCN matrix (dense or CSR), a 0/1 target-major pattern without self loops and the
    // same pattern with different weights all describe the same edge set, so GAT gives the same output.
    using L = GATConv<3, 4, 2>;
    Model<L, double> m;
    set_parameters(m, 8);
    const canary::index graphs = 3, n = 6;
    const auto raw = random_graphs(graphs, n, 5);
    const auto x = random_values(static_cast<std::size_t>(graphs * n * 3), 6);
    std::vector<double> pattern(raw.size(), 0.0), reweighted(raw.size(), 0.0);
    for (canary::index b = 0; b < graphs; ++b)
        for (canary::index j = 0; j < n; ++j)
            for (canary::index i = 0; i < n; ++i) {
                const auto src = static_cast<std::size_t>((b * n + j) * n + i);
                const auto dst = static_cast<std::size_t>((b * n + i) * n + j);  // target-major
                if (raw[src] != 0.0 && i != j) pattern[dst] = 1.0;
                if (raw[src] != 0.0) reweighted[src] = 7.0 * raw[src] + 0.25;
            }
    const auto dense = NormalizedAdjacency<double>::dense(raw.data(), graphs, n);
    const auto csr = NormalizedAdjacency<double>::csr_from_dense(raw.data(), graphs, n);
    const auto heavy = NormalizedAdjacency<double>::dense(reweighted.data(), graphs, n);
    const GcnAdjacency<double> plain{graphs, n, pattern.data(), nullptr, nullptr, nullptr};
    std::vector<std::vector<double>> outs;
    for (const GcnAdjacency<double>& adj : {dense.view(), csr.view(), heavy.view(), plain}) {
        Tape<double> tape(false);
        const auto y = m.forward(tape, GraphBatch<double>{tape.input(x.data(), Shape{graphs, n, 3}), adj});
        outs.emplace_back(y.x.val, y.x.val + y.x.numel());
    }
    for (std::size_t v = 1; v < outs.size(); ++v)
        for (std::size_t k = 0; k < outs[0].size(); ++k) EXPECT_NEAR(outs[v][k], outs[0][k], 1e-14) << "variant " << v;
    // And the pattern matters: dropping every edge changes the output.
    std::vector<double> none(raw.size(), 0.0);
    const auto empty = NormalizedAdjacency<double>::dense(none.data(), graphs, n);
    Tape<double> tape(false);
    const auto y = m.forward(tape, GraphBatch<double>{tape.input(x.data(), Shape{graphs, n, 3}), empty.view()});
    double diff = 0.0;
    for (std::size_t k = 0; k < outs[0].size(); ++k) diff = std::max(diff, std::abs(y.x.val[k] - outs[0][k]));
    EXPECT_GT(diff, 1e-3);
}

TEST(GATConv, GlorotInitialisationAndTorchNames) {
    Model<Named<"conv", GATConv<7, 8, 4>>, float> m(11);
    const auto& ps = m.named_parameters();
    ASSERT_EQ(ps.size(), 4u);
    EXPECT_EQ(ps[0].name, "conv.lin.weight");
    EXPECT_EQ(ps[0].shape, (Shape{32, 7}));
    EXPECT_EQ(ps[1].name, "conv.att_src");
    EXPECT_EQ(ps[1].shape, (Shape{1, 4, 8}));
    EXPECT_EQ(ps[2].name, "conv.att_dst");
    EXPECT_EQ(ps[2].shape, (Shape{1, 4, 8}));
    EXPECT_EQ(ps[3].name, "conv.bias");
    EXPECT_EQ(ps[3].shape, (Shape{32}));
    static_assert(GATConv<7, 8, 4>::param_count == 7 * 32 + 32 + 32 + 32);
    static_assert(GATConv<7, 8, 4, false>::param_count == 7 * 32 + 32 + 32 + 8);
    static_assert(GATConv<7, 8, 4, false>::out_width == 8);
    auto max_abs = [&](canary::index first, canary::index count) {
        float v = 0;
        for (canary::index i = first; i < first + count; ++i) v = std::max(v, std::abs(m.parameters()[i]));
        return v;
    };
    const float w_bound = std::sqrt(6.0f / 39.0f), a_bound = std::sqrt(6.0f / 12.0f);
    EXPECT_LE(max_abs(0, 224), w_bound);
    EXPECT_GT(max_abs(0, 224), 0.8f * w_bound);
    EXPECT_LE(max_abs(224, 64), a_bound);
    EXPECT_GT(max_abs(224, 64), 0.7f * a_bound);
    EXPECT_EQ(max_abs(288, 32), 0.0f);
}

namespace {

// Gradient check of a graph network on B graphs of N nodes through the dense or the CSR path.
template <class Net>
canary::testing::GradCheckReport check_graph_net(canary::index graphs, canary::index n, bool csr, bool rank2 = false) {
    constexpr canary::index F = Net::in_width;
    Model<Net, double> model(7);
    // Non-zero biases and larger attention vectors so that scores spread over both LeakyReLU sides.
    for (canary::index i = 0; i < Net::param_count; ++i) model.parameters()[i] += 0.3 * std::sin(double(i));
    auto x = random_values(static_cast<std::size_t>(graphs * n * F), 9);
    std::vector<double> gx(x.size());
    const auto raw = random_graphs(graphs, n, 21);
    const auto adj = csr ? NormalizedAdjacency<double>::csr_from_dense(raw.data(), graphs, n)
                         : NormalizedAdjacency<double>::dense(raw.data(), graphs, n);
    std::vector<canary::testing::Probe> probes{{"x", x.data(), gx.data(), static_cast<canary::index>(x.size())},
                                               {"parameters", model.parameters(), model.gradients(), Net::param_count}};
    const Shape xs = rank2 ? Shape{n, F} : Shape{graphs, n, F};
    canary::testing::GradCheckOptions opt;
    opt.max_elements_per_tensor = 120;
    auto forward = [&](Tape<double>& tape) {
        auto out = model.forward(tape, GraphBatch<double>{Var<double>{x.data(), gx.data(), xs, F}, adj.view()});
        if constexpr (std::is_same_v<decltype(out), Var<double>>) return out;
        else return out.x;
    };
    return canary::testing::check_gradients(forward, std::span<canary::testing::Probe>(probes), opt);
}

}  // namespace

TEST(GATConv, GradientCheckDenseAndCsrHeadsConcatAndMean) {
    using Net = Sequential<GATConv<3, 4, 2>, Tanh, GATConv<8, 3, 3, false>>;
    for (bool csr : {false, true}) {
        auto r = check_graph_net<Net>(2, 5, csr);
        EXPECT_TRUE(r.ok()) << (csr ? "csr " : "dense ") << r.str();
        auto one = check_graph_net<Net>(1, 4, csr, true);
        EXPECT_TRUE(one.ok()) << "single graph " << one.str();
    }
    auto single_head = check_graph_net<Sequential<GATConv<4, 5>, GlobalMeanPool>>(3, 6, false);
    EXPECT_TRUE(single_head.ok()) << single_head.str();
    auto lone_node = check_graph_net<GATConv<2, 3, 2, false>>(2, 1, false);  // a 1-node graph: its self loop only
    EXPECT_TRUE(lone_node.ok()) << lone_node.str();
}

TEST(GATConv, ShapeMistakesThrowNamingTheLayer) {
    Model<GATConv<3, 2, 2>, float> m;
    Tape<float> tape(false);
    std::vector<float> raw(2 * 4 * 4, 0.0f), x(2 * 5 * 3, 0.0f);
    const auto adj = gcn_normalize_dense(tape, raw.data(), 2, 4);
    try {
        m.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{2, 5, 3}), adj});
        FAIL() << "5 nodes against a 4-node adjacency";
    } catch (const shape_error& e) {
        EXPECT_NE(std::string(e.what()).find("GATConv<3, 2>"), std::string::npos) << e.what();
    }
    EXPECT_THROW(m.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{2, 4, 3}), GcnAdjacency<float>{}}),
                 shape_error);
    std::vector<float> wide(2 * 4 * 5, 0.0f);
    EXPECT_THROW(m.forward(tape, GraphBatch<float>{tape.input(wide.data(), Shape{2, 4, 5}), adj}), shape_error);
    // The primitive checks its own extents: attention vectors of the wrong size.
    Tape<float> t2(false);
    std::vector<float> h(2 * 4 * 4, 0.0f), a(3, 0.0f);
    EXPECT_THROW(gat_attention(t2, adj, t2.input(h.data(), Shape{8, 4}), t2.input(a.data(), Shape{3}),
                               t2.input(a.data(), Shape{3}), 2, 2, true, 0.2f),
                 shape_error);
}

TEST(GATConv, SecondTrainingStepAllocatesNothing) {
    Model<models::srr_snapshot_gat<>, float> model(1);
    const canary::index graphs = 4, n = 10;
    std::vector<float> raw(graphs * n * n, 0.0f), x(graphs * n * 7, 0.25f);
    for (canary::index k = 0; k < graphs * n * n; k += 7) raw[k] = 0.5f;
    Tape<float> tape(true);
    std::size_t after_first = 0;
    for (int step = 0; step < 3; ++step) {
        tape.reset();
        const auto adj = gcn_normalize_dense(tape, raw.data(), graphs, n);
        auto y = model.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{graphs, n, 7}), adj});
        tape.backward(mean(tape, y));
        if (step == 0) after_first = tape.system_allocations();
        if (step == 2) {
            EXPECT_LE(tape.system_allocations(), after_first + 1);
        }
    }
}

TEST(SrrSnapshotGat, ParameterCountNamesAndGradientCheck) {
    static_assert(models::srr_snapshot_gat<>::param_count == 4993);
    Model<models::srr_snapshot_gat<>, float> m;
    std::vector<std::string> names;
    for (const auto& p : m.named_parameters()) names.push_back(p.name);
    EXPECT_EQ(names, (std::vector<std::string>{"gat1.lin.weight", "gat1.att_src", "gat1.att_dst", "gat1.bias",
                                               "gat2.lin.weight", "gat2.att_src", "gat2.att_dst", "gat2.bias",
                                               "head.weight", "head.bias"}));
    auto r = check_graph_net<models::srr_snapshot_gat<5, 6, 2>>(3, 5, false);
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(SrrSnapshotGat, TrainsOnATinySyntheticGraphBatch) {
    // Label: does the graph's hub (node 0, a source of every other node) carry a positive first
    // feature? Only attention to the hub's message separates the classes well.
    const canary::index graphs = 16, n = 6, F = 7;
    Rng rng(4);
    std::vector<float> x(static_cast<std::size_t>(graphs * n * F)), raw(static_cast<std::size_t>(graphs * n * n), 0.0f),
        labels(static_cast<std::size_t>(graphs));
    for (canary::index b = 0; b < graphs; ++b) {
        for (canary::index k = 0; k < n * F; ++k) x[static_cast<std::size_t>(b * n * F + k)] = float(rng.uniform(-1.0, 1.0));
        labels[static_cast<std::size_t>(b)] = b % 2 == 0 ? 1.0f : 0.0f;
        x[static_cast<std::size_t>(b * n * F)] = b % 2 == 0 ? 1.5f : -1.5f;
        for (canary::index i = 1; i < n; ++i) {
            raw[static_cast<std::size_t>((b * n + 0) * n + i)] = 1.0f;  // hub 0 -> i
            if (rng.uniform() < 0.3) raw[static_cast<std::size_t>((b * n + i) * n + (i % (n - 1)) + 1)] = 1.0f;
        }
    }
    const auto adj = NormalizedAdjacency<float>::dense(raw.data(), graphs, n);
    Model<models::srr_snapshot_gat<F, 16, 2>, float> model(3);
    Adam<float> opt(1e-2f);
    Tape<float> tape(true, 1);
    float first = 0.0f, last = 0.0f;
    for (int step = 0; step < 60; ++step) {
        tape.reset();
        auto logits = model.forward(tape, GraphBatch<float>{tape.input(x.data(), Shape{graphs, n, F}), adj.view()});
        auto loss = bce_with_logits(tape, logits, tape.input(labels.data(), Shape{graphs, 1}));
        tape.backward(loss);
        opt.step(model);
        (step == 0 ? first : last) = loss.val[0];
    }
    EXPECT_GT(first, 0.5f) << "the untrained model should not already separate the classes";
    EXPECT_LT(last, 0.5f * first) << "loss " << first << " -> " << last;
}

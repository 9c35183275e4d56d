// TimeDistributed over graph sequences and the srr_temporal_gnn preset: shapes, names, parameter
// counts, agreement with a per-graph loop, gradient checks (encoder alone and the whole model,
// dense and CSR adjacency) and loud shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/srr.hpp"
#include "canary/testing/gradient_check.hpp"

using namespace canary;

namespace {

std::vector<double> random_values(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> v(n);
    for (auto& x : v) x = rng.uniform(-1.0, 1.0);
    return v;
}

// Raw adjacency of `graphs` graphs of n nodes: symmetric-ish weighted edges, node n-1 isolated in odd graphs.
std::vector<double> random_graphs(canary::index graphs, canary::index n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> a(static_cast<std::size_t>(graphs * n * n), 0.0);
    for (canary::index b = 0; b < graphs; ++b)
        for (canary::index j = 0; j < n; ++j)
            for (canary::index i = 0; i < n; ++i) {
                if (i == j || (b % 2 == 1 && (i == n - 1 || j == n - 1))) continue;
                if (rng.uniform() < 0.4) a[static_cast<std::size_t>((b * n + j) * n + i)] = rng.uniform(0.5, 1.0);
            }
    return a;
}

NormalizedAdjacency<double> normalise(const std::vector<double>& raw, canary::index graphs, canary::index n, bool csr) {
    return csr ? NormalizedAdjacency<double>::csr_from_dense(raw.data(), graphs, n)
               : NormalizedAdjacency<double>::dense(raw.data(), graphs, n);
}

using SmallEncoder = models::srr_graph_encoder<3, 5>;
using SmallTemporal = models::srr_temporal_gnn<3, 5>;

}  // namespace

TEST(TimeDistributed, TemporalGnnHasThePapersCountAndTorchNames) {
    EXPECT_EQ(models::srr_temporal_gnn<>::param_count, 29697);
    EXPECT_EQ(models::srr_temporal_gnn_paper_text<>::param_count, 8193);
    Model<models::srr_temporal_gnn<>, float> m(1);
    std::vector<std::string> names;
    for (const auto& p : m.named_parameters()) names.push_back(p.name);
    const std::vector<std::string> expected{"gcn1.lin.weight", "gcn1.bias",       "gcn2.lin.weight",  "gcn2.bias",
                                            "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
                                            "head.weight",      "head.bias"};
    EXPECT_EQ(names, expected);
    EXPECT_EQ(m.parameter("gru.weight_ih_l0").shape, (Shape{192, 64}));
    const std::string summary = m.summary(Shape{2, 5, 30, 7});
    EXPECT_NE(summary.find("(2, 5, 64)"), std::string::npos) << summary;
    EXPECT_NE(summary.find("total parameters: 29697"), std::string::npos) << summary;
}

TEST(TimeDistributed, EqualsTheEncoderRunOnEachGraphSeparately) {
    const canary::index B = 3, K = 4, N = 6, F = 3;
    const auto raw = random_graphs(B * K, N, 3);
    const auto x = random_values(static_cast<std::size_t>(B * K * N * F), 4);
    Model<SmallEncoder, double> enc(5);
    Model<Sequential<TimeDistributed<SmallEncoder>>, double> td(5);
    ASSERT_EQ(SmallEncoder::param_count, decltype(td)::param_count);
    std::copy_n(enc.parameters(), SmallEncoder::param_count, td.parameters());
    for (bool csr : {false, true}) {
        const auto adj = normalise(raw, B * K, N, csr);
        Tape<double> tape(false);
        auto xv = const_cast<double*>(x.data());
        const Var<double> y = td.forward(tape, GraphSequenceBatch<double>{Var<double>{xv, nullptr, Shape{B, K, N, F}, F}, adj.view()});
        ASSERT_EQ(y.shape, (Shape{B, K, 5}));
        for (canary::index b = 0; b < B; ++b)
            for (canary::index k = 0; k < K; ++k) {
                const canary::index g = b * K + k;
                const auto one = normalise(std::vector<double>(raw.begin() + g * N * N, raw.begin() + (g + 1) * N * N), 1, N, csr);
                Tape<double> t1(false);
                const Var<double> e = enc.forward(t1, GraphBatch<double>{Var<double>{xv + g * N * F, nullptr, Shape{1, N, F}, F}, one.view()});
                for (canary::index d = 0; d < 5; ++d) EXPECT_NEAR(y.val[(b * K + k) * 5 + d], e(0, d), 1e-13) << b << k << d;
            }
    }
}

namespace {

template <class Net>
canary::testing::GradCheckReport check_sequence_net(canary::index B, canary::index K, canary::index N, bool csr) {
    constexpr canary::index F = Net::in_width;
    Model<Net, double> model(7);
    for (canary::index i = 0; i < Net::param_count; ++i) model.parameters()[i] += 0.05 * std::sin(double(i));
    auto x = random_values(static_cast<std::size_t>(B * K * N * F), 9);
    std::vector<double> gx(x.size());
    const auto raw = random_graphs(B * K, N, 21);
    const auto adj = normalise(raw, B * K, N, csr);
    std::vector<canary::testing::Probe> probes{{"x", x.data(), gx.data(), static_cast<canary::index>(x.size())},
                                               {"parameters", model.parameters(), model.gradients(), Net::param_count}};
    auto forward = [&](Tape<double>& tape) {
        return model.forward(tape, GraphSequenceBatch<double>{Var<double>{x.data(), gx.data(), Shape{B, K, N, F}, F}, adj.view()});
    };
    canary::testing::GradCheckOptions opt;
    opt.max_elements_per_tensor = 200;
    return canary::testing::check_gradients(forward, std::span<canary::testing::Probe>(probes), opt);
}

}  // namespace

TEST(TimeDistributed, GradientCheckOfTheGraphEncoderOverASequence) {
    for (bool csr : {false, true}) {
        const auto r = check_sequence_net<Sequential<TimeDistributed<SmallEncoder>>>(2, 3, 5, csr);
        EXPECT_TRUE(r.ok()) << (csr ? "csr " : "dense ") << r.str();
    }
}

TEST(TimeDistributed, GradientCheckOfTheWholeTemporalGnn) {
    for (bool csr : {false, true}) {
        const auto r = check_sequence_net<SmallTemporal>(2, 4, 5, csr);
        EXPECT_TRUE(r.ok()) << (csr ? "csr " : "dense ") << r.str();
        const auto one = check_sequence_net<SmallTemporal>(1, 1, 3, csr);  // one sample, one step
        EXPECT_TRUE(one.ok()) << "B = K = 1 " << one.str();
    }
    // The paper-text variant (MLP head) too.
    const auto r = check_sequence_net<models::srr_temporal_gnn_paper_text<2>>(2, 2, 4, false);
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(TimeDistributed, AcceptsAPlainSequenceTensor) {
    // TimeDistributed<Dense> on (B, K, F) equals Dense on (B*K, F).
    Model<Sequential<TimeDistributed<Dense<3, 2>>>, double> td(2);
    Model<Dense<3, 2>, double> dense(2);
    auto x = random_values(2 * 4 * 3, 8);
    Tape<double> tape(false);
    const Var<double> y = td.forward(tape, Var<double>{x.data(), nullptr, Shape{2, 4, 3}, 3});
    const Var<double> z = dense.forward(tape, Var<double>{x.data(), nullptr, Shape{8, 3}, 3});
    ASSERT_EQ(y.shape, (Shape{2, 4, 2}));
    for (canary::index i = 0; i < 16; ++i) EXPECT_NEAR(y.val[i], z.val[i], 1e-15);
}

TEST(TimeDistributed, WrongGraphCountOrWidthIsAShapeError) {
    Model<SmallTemporal, double> model(1);
    const canary::index B = 2, K = 3, N = 4;
    auto x = random_values(static_cast<std::size_t>(B * K * N * 3), 1);
    const auto raw = random_graphs(B * K - 1, N, 2);  // one graph short
    const auto adj = normalise(raw, B * K - 1, N, false);
    Tape<double> tape(false);
    try {
        model.forward(tape, GraphSequenceBatch<double>{Var<double>{x.data(), nullptr, Shape{B, K, N, 3}, 3}, adj.view()});
        FAIL() << "expected a shape_error";
    } catch (const shape_error& e) {
        EXPECT_NE(std::string(e.what()).find("batch * steps"), std::string::npos) << e.what();
    }
    const auto full = normalise(random_graphs(B * K, N, 2), B * K, N, false);
    EXPECT_THROW(model.forward(tape, GraphSequenceBatch<double>{Var<double>{x.data(), nullptr, Shape{B, K, N * 3}, N * 3}, full.view()}),
                 shape_error);  // rank 3: not a graph sequence
}

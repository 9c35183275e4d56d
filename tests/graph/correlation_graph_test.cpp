// Correlation graphs: rolling Pearson/Spearman, edge rules, MST, statistics, null density,
// multi-layer sequences, no look-ahead.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "canary/core/rng.hpp"
#include "canary/graph.hpp"

using namespace canary;
using namespace canary::graph;

namespace {

const double nan_v = std::numeric_limits<double>::quiet_NaN();

// Returns of 4 days (row 0 is the missing return of day 0) for the series used below.
matrix hand_returns() {
    matrix r(5, 4);
    r.row(0).setConstant(nan_v);
    const double x[] = {1, 2, 3, 4}, y[] = {1, 3, 2, 5}, a[] = {1, 2, 2, 3}, c[] = {0.01, 0.01, 0.01, 0.01};
    for (int t = 0; t < 4; ++t) {
        r(t + 1, 0) = x[t];
        r(t + 1, 1) = y[t];
        r(t + 1, 2) = a[t];
        r(t + 1, 3) = c[t];
    }
    return r;
}

data::price_panel random_panel(std::size_t days, std::size_t n, std::uint64_t seed) {
    data::price_panel p;
    Rng rng(seed);
    p.prices = xt::xtensor<double, 2>::from_shape({days, n});
    for (std::size_t i = 0; i < n; ++i) p.instruments.push_back("I" + std::to_string(i));
    for (std::size_t t = 0; t < days; ++t) {
        p.dates.push_back("2001-01-" + std::string(t + 1 < 10 ? "0" : "") + std::to_string(t + 1));
        const double market = 0.02 * rng.normal();
        for (std::size_t i = 0; i < n; ++i)
            p.prices(t, i) = t == 0 ? 100.0 : p.prices(t - 1, i) * std::exp(market + 0.01 * rng.normal());
    }
    return p;
}

// The 4-node correlation used for the MST, top-k and threshold examples.
correlation_window four_nodes() {
    correlation_window c;
    c.window = 7;
    c.rho.resize(4, 4);
    c.rho << 1.0, 0.9, 0.2, 0.1,  //
        0.9, 1.0, 0.7, -0.8,      //
        0.2, 0.7, 1.0, 0.6,       //
        0.1, -0.8, 0.6, 1.0;
    c.defined.assign(4, 1);
    return c;
}

}  // namespace

TEST(Correlation, PearsonAndSpearmanMatchHandComputedValues) {
    const matrix r = hand_returns();
    const auto p = window_correlation(r, 4, 4, correlation_method::pearson);
    EXPECT_NEAR(p.rho(0, 1), 5.5 / std::sqrt(43.75), 1e-12);
    EXPECT_NEAR(p.rho(1, 0), p.rho(0, 1), 0.0);
    const auto s = window_correlation(r, 4, 4, correlation_method::spearman);
    EXPECT_NEAR(s.rho(0, 1), 0.8, 1e-12);            // 1 - 6 * 2 / (4 * 15)
    EXPECT_NEAR(s.rho(0, 2), std::sqrt(0.9), 1e-12);  // ranks of a with a tie: 1, 2.5, 2.5, 4
    EXPECT_NEAR(s.rho(1, 2), 4.5 / std::sqrt(4.5 * 5.0), 1e-12);  // ranks 1, 3, 2, 4 against 1, 2.5, 2.5, 4
    EXPECT_EQ(s.rho(0, 0), 1.0);
}

TEST(Correlation, ConstantSeriesGivesNoCorrelationNoEdgesAndNoNaN) {
    const matrix r = hand_returns();
    for (auto m : {correlation_method::pearson, correlation_method::spearman}) {
        const auto c = window_correlation(r, 4, 4, m);
        EXPECT_FALSE(c.defined[3]);
        EXPECT_EQ(c.defined_count(), 3u);
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) EXPECT_FALSE(std::isnan(c.rho(i, j)));
        EXPECT_EQ(c.rho(3, 3), 0.0);
        for (const edge_rule& rule : {edge_rule{threshold_rule{0.01}}, edge_rule{top_k_rule{3}}, edge_rule{mst_rule{}}}) {
            const auto g = correlation_edges(c, rule);
            for (const auto& e : g.edges) EXPECT_NE(e.b, 3u);
        }
        const auto st = statistics(c, correlation_edges(c, threshold_rule{}), threshold_rule{}, m);
        EXPECT_FALSE(std::isnan(st.largest_eigenvalue_share));
        EXPECT_FALSE(std::isnan(st.mst_length));
    }
}

TEST(Correlation, WindowsThatReachDayZeroOrNonFiniteReturnsThrow) {
    const matrix r = hand_returns();
    EXPECT_THROW(window_correlation(r, 3, 4), config_error);  // would need the return of day 0
    matrix bad = r;
    bad(2, 1) = nan_v;
    EXPECT_THROW(window_correlation(bad, 4, 4), numeric_error);
}

TEST(Edges, ThresholdTopKAndWeights) {
    const auto c = four_nodes();
    const auto g = correlation_edges(c, threshold_rule{0.6});
    ASSERT_EQ(g.edge_count(), 4u);  // 0-1, 1-2, 1-3 (|-0.8|), 2-3 (exactly 0.6 counts)
    EXPECT_TRUE(g.has_edge(0, 1));
    EXPECT_TRUE(g.has_edge(3, 1));
    EXPECT_TRUE(g.has_edge(2, 3));
    EXPECT_FALSE(g.has_edge(0, 2));
    EXPECT_DOUBLE_EQ(g.edges[2].weight, 0.8);  // |rho| weighting, sorted (1, 3) after (1, 2)
    const auto unit = correlation_edges(c, threshold_rule{0.6}, edge_weighting::unit);
    for (const auto& e : unit.edges) EXPECT_EQ(e.weight, 1.0);
    // Top-1: 0 -> 1 (0.9), 1 -> 0 (0.9), 2 -> 1 (0.7), 3 -> 1 (|-0.8|); union of the choices.
    const auto k1 = correlation_edges(c, top_k_rule{1});
    EXPECT_EQ(k1.edges, (std::vector<edge>{{0, 1, 0.9}, {1, 2, 0.7}, {1, 3, 0.8}}));
    const auto k3 = correlation_edges(c, top_k_rule{3});
    EXPECT_EQ(k3.edge_count(), 6u);  // everybody's 3 neighbours: the complete graph
}

TEST(Edges, MinimumSpanningTreeOnMantegnaDistances) {
    const auto c = four_nodes();
    // d = sqrt(2 (1 - rho)): d01 = 0.447, d12 = 0.775, d23 = 0.894 beat every other pair.
    const auto g = correlation_edges(c, mst_rule{});
    EXPECT_EQ(g.edges, (std::vector<edge>{{0, 1, 0.9}, {1, 2, 0.7}, {2, 3, 0.6}}));
    EXPECT_NEAR(mst_length(c), std::sqrt(0.2) + std::sqrt(0.6) + std::sqrt(0.8), 1e-12);
}

TEST(Edges, UserEdgeListsAreValidated) {
    EXPECT_THROW(make_graph(3, {{0, 0, 1.0}}), config_error);
    EXPECT_THROW(make_graph(3, {{0, 3, 1.0}}), config_error);
    EXPECT_THROW(make_graph(3, {{0, 1, 1.0}, {1, 0, 2.0}}), config_error);
    const auto g = make_graph(3, {{2, 0, 0.5}, {1, 0, 1.0}});
    EXPECT_EQ(g.edges, (std::vector<edge>{{0, 1, 1.0}, {0, 2, 0.5}}));
}

TEST(Statistics, HandComputedGraph) {
    // Triangle 0-1-2, pendant 2-3, node 4 isolated.
    const auto g = make_graph(5, {{0, 1, 1}, {1, 2, 1}, {0, 2, 1}, {2, 3, 1}});
    const auto cl = local_clustering(g);
    EXPECT_DOUBLE_EQ(cl[0], 1.0);
    EXPECT_DOUBLE_EQ(cl[2], 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(cl[3], 0.0);
    const auto [count, largest] = connected_components_of(g);
    EXPECT_EQ(count, 2u);
    EXPECT_EQ(largest, 4u);
    correlation_window c;
    c.window = 7;
    c.rho = Eigen::MatrixXd::Identity(5, 5);
    c.defined.assign(5, 1);
    c.z = Eigen::MatrixXd::Zero(7, 5);  // unused when window >= N
    const auto s = statistics(c, g, threshold_rule{0.5}, correlation_method::spearman);
    EXPECT_DOUBLE_EQ(s.density, 0.4);
    EXPECT_DOUBLE_EQ(s.average_degree, 1.6);
    EXPECT_NEAR(s.average_clustering, 7.0 / 15.0, 1e-15);
    EXPECT_NEAR(s.largest_eigenvalue_share, 0.2, 1e-12);  // identity: all eigenvalues 1
    EXPECT_NEAR(s.mst_length, 4.0 * std::sqrt(2.0), 1e-12);
    EXPECT_NEAR(s.null_density, null_density(correlation_method::spearman, 7, 0.5), 0.0);
}

TEST(Statistics, LargestEigenvalueShareMatchesFullDecomposition) {
    for (std::size_t n : {3u, 9u}) {  // window 6: Gram trick for 9 series, direct for 3
        const auto panel = random_panel(12, n, 4 + n);
        const auto c = window_correlation(log_return_matrix(panel), 10, 6, correlation_method::pearson);
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c.rho);
        EXPECT_NEAR(largest_eigenvalue_share(c), es.eigenvalues().maxCoeff() / c.rho.trace(), 1e-12) << n;
    }
}

TEST(NullDensity, ExactSpearmanAndPearsonAgreeWithMonteCarlo) {
    EXPECT_DOUBLE_EQ(null_density(correlation_method::spearman, 3, 0.5), 1.0);  // rho in {+-1, +-0.5}
    EXPECT_NEAR(null_density(correlation_method::spearman, 7, 0.5), 1344.0 / 5040.0, 1e-15);
    Rng rng(99);
    const int trials = 200000;
    // Spearman, w = 7: random permutations.
    int hit = 0;
    for (int k = 0; k < trials; ++k) {
        int perm[7] = {0, 1, 2, 3, 4, 5, 6};
        for (int i = 6; i > 0; --i) std::swap(perm[i], perm[rng.below(static_cast<std::uint64_t>(i + 1))]);
        double s = 0;
        for (int i = 0; i < 7; ++i) s += (i - perm[i]) * (i - perm[i]);
        hit += std::abs(1.0 - 6.0 * s / (7.0 * 48.0)) >= 0.5 - 1e-12;
    }
    EXPECT_NEAR(null_density(correlation_method::spearman, 7, 0.5), double(hit) / trials, 0.005);
    // Pearson, w = 7, Gaussian returns.
    hit = 0;
    for (int k = 0; k < trials / 2; ++k) {
        double x[7], y[7], mx = 0, my = 0;
        for (int i = 0; i < 7; ++i) mx += (x[i] = rng.normal()), my += (y[i] = rng.normal());
        mx /= 7, my /= 7;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < 7; ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx), syy += (y[i] - my) * (y[i] - my);
        hit += std::abs(sxy / std::sqrt(sxx * syy)) >= 0.5;
    }
    EXPECT_NEAR(null_density(correlation_method::pearson, 7, 0.5), double(hit) / (trials / 2), 0.006);
    // Above the exact range Spearman uses the t approximation: close to Pearson's law.
    EXPECT_DOUBLE_EQ(null_density(correlation_method::spearman, 30, 0.5), null_density(correlation_method::pearson, 30, 0.5));
}

TEST(GraphSequence, NoLookAheadChangingLaterPricesNeverChangesEarlierGraphs) {
    auto panel = random_panel(30, 8, 7);
    for (const edge_rule& rule : {edge_rule{threshold_rule{}}, edge_rule{top_k_rule{2}}, edge_rule{mst_rule{}}}) {
        correlation_graph_options opt;
        opt.rule = rule;
        const auto before = build_correlation_graphs(panel, opt);
        auto changed = panel;
        const std::size_t t = 17;
        for (std::size_t s = t + 1; s < 30; ++s)
            for (std::size_t i = 0; i < 8; ++i) changed.prices(s, i) *= 1.0 + 0.3 * std::sin(double(s * 8 + i));
        const auto after = build_correlation_graphs(changed, opt);
        ASSERT_EQ(before.size(), after.size());
        EXPECT_EQ(before[0].day, 7u);  // first full window of 7 returns
        bool later_differs = false;
        for (std::size_t k = 0; k < before.size(); ++k) {
            if (before[k].day <= t) EXPECT_EQ(before[k].layers[0].edges, after[k].layers[0].edges) << before[k].date;
            else later_differs |= before[k].layers[0].edges != after[k].layers[0].edges;
        }
        EXPECT_TRUE(later_differs);  // the perturbation was strong enough to matter
    }
}

TEST(GraphSequence, LayersFeaturesWindowsAndBatching) {
    const auto panel = random_panel(20, 5, 3);
    auto seq = build_correlation_graphs(panel, correlation_graph_options{});
    ASSERT_EQ(seq.size(), 13u);  // days 7..19
    seq.add_sector_layer({{"I0", "tech"}, {"I1", "tech"}, {"I2", "bank"}, {"I3", "bank"}, {"I4", "tech"}});
    EXPECT_EQ(seq.layer_names(), (std::vector<std::string>{"correlation", "sector"}));
    EXPECT_EQ(seq[0].layers[1].edges, (std::vector<edge>{{0, 1, 1}, {0, 4, 1}, {1, 4, 1}, {2, 3, 1}}));
    seq.add_layer("supply", [](std::size_t day, const std::string&) { return make_graph(5, {{day % 5, (day + 1) % 5, 2.0}}); });
    EXPECT_TRUE(seq[1].layers[2].has_edge(3, 4));  // day 8
    EXPECT_THROW(seq.add_layer("bad", [](std::size_t, const std::string&) { return undirected_graph{5, {{1, 1, 1.0}}}; }),
                 config_error);
    EXPECT_THROW(seq.add_sector_layer({{"I0", "tech"}}), config_error);

    xt::xtensor<double, 3> feats = xt::xtensor<double, 3>::from_shape({20, 5, 2});
    for (std::size_t k = 0; k < feats.size(); ++k) feats.data()[k] = double(k);
    auto dates = panel.dates;
    dates[4] = "1999-01-01";
    EXPECT_THROW(seq.set_node_features(feats, dates), config_error);
    seq.set_node_features(feats, panel.dates);
    const auto w = seq.window(seq.position_of(12), 3);
    EXPECT_EQ(w, (std::vector<std::size_t>{3, 4, 5}));
    const auto x = seq.features<double>(w);
    EXPECT_EQ(x[0], feats(10, 0, 0));
    EXPECT_THROW(seq.window(1, 3), config_error);

    const std::vector<std::size_t> layers{0, 1};
    const auto dense = seq.adjacency<double>(w, layers, true), csr = seq.adjacency<double>(w, layers, false);
    const auto dv = dense.view(), cv = csr.view();
    std::vector<double> from_csr(3 * 25, 0.0);
    for (canary::index r = 0; r < 15; ++r)
        for (canary::index k = cv.row_ptr[r]; k < cv.row_ptr[r + 1]; ++k)
            from_csr[static_cast<std::size_t>(r * 5 + cv.col[k] % 5)] += cv.val[k];
    for (std::size_t k = 0; k < from_csr.size(); ++k) EXPECT_NEAR(from_csr[k], dv.dense[k], 1e-15);
}

TEST(Sectors, CsvParsingWithClearErrors) {
    const auto m = parse_sectors("Instrument, Sector\nAA,materials\n\nKO , staples\n", "s.csv");
    EXPECT_EQ(m.at("KO"), "staples");
    EXPECT_EQ(m.size(), 2u);
    try {
        parse_sectors("instrument,sector\nAA,materials\nKO\n", "s.csv");
        FAIL();
    } catch (const parse_error& e) {
        EXPECT_EQ(e.line(), 3u);
        EXPECT_NE(std::string(e.what()).find("s.csv"), std::string::npos);
    }
    try {
        parse_sectors("instrument,sector\nAA,materials\nAA,tech\n", "s.csv");
        FAIL();
    } catch (const parse_error& e) {
        EXPECT_EQ(e.line(), 3u);
        EXPECT_NE(std::string(e.what()).find("twice"), std::string::npos);
    }
    EXPECT_THROW(parse_sectors("name,group\n", "s.csv"), parse_error);
    EXPECT_THROW(parse_sectors("instrument,sector\nAA,\n", "s.csv"), parse_error);
    EXPECT_THROW(load_sectors("/nonexistent/sectors.csv"), io_error);
}

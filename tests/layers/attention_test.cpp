// TemporalAttention: hand-computed weights, the AttentionProbe and attend() accessors, gradient
// checks of the layer and of the weighted_time_sum primitive, shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "canary/canary.hpp"

using namespace canary;

TEST(TemporalAttention, ParameterNamesFollowTheTorchModule) {
    Model<TemporalAttention<6, 4>, float> m;
    const auto& p = m.named_parameters();
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0].name, "proj.weight");
    EXPECT_EQ(p[0].shape, (Shape{4, 6}));
    EXPECT_EQ(p[1].name, "proj.bias");
    EXPECT_EQ(p[2].name, "score.weight");
    EXPECT_EQ(p[2].shape, (Shape{1, 4}));
}

TEST(TemporalAttention, ZeroScoreWeightGivesTheMeanOverTime) {
    Model<TemporalAttention<2, 3>, double> m(1);
    std::fill(m.parameters() + 9, m.parameters() + 12, 0.0);  // score.weight = 0: all scores equal
    Tape<double> t(false);
    const double x[] = {1, 2, 3, 4, 5, 9};  // B = 1, T = 3, Dim = 2
    auto y = m.forward(t, t.input(x, {1, 3, 2}));
    ASSERT_EQ(y.shape, (Shape{1, 2}));
    EXPECT_NEAR(y.val[0], 3.0, 1e-12);
    EXPECT_NEAR(y.val[1], 5.0, 1e-12);
}

TEST(TemporalAttention, HandComputedWeightsAndProbe) {
    // Dim = AttnDim = 1: s_t = v tanh(w h_t + b), with w = 1, b = 0, v = 2.
    AttentionProbe probe;
    Model<TemporalAttention<1, 1>, double> m(0, TemporalAttention<1, 1>{&probe});
    m.parameters()[0] = 1.0;
    m.parameters()[1] = 0.0;
    m.parameters()[2] = 2.0;
    const double x[] = {0.5, -1.0, 2.0, /* b = 1 */ 0.0, 0.0, 1.0};
    Tape<double> t(false);
    auto y = m.forward(t, t.input(x, {2, 3, 1}));
    ASSERT_EQ(probe.batch(), 2);
    ASSERT_EQ(probe.time(), 3);
    EXPECT_EQ(probe.passes(), 1u);
    for (int b = 0; b < 2; ++b) {
        double e[3], z = 0, ctx = 0;
        for (int s = 0; s < 3; ++s) z += e[s] = std::exp(2.0 * std::tanh(x[b * 3 + s]));
        for (int s = 0; s < 3; ++s) {
            EXPECT_NEAR(probe(b, s), e[s] / z, 1e-12);
            ctx += e[s] / z * x[b * 3 + s];
        }
        EXPECT_NEAR(y.val[b], ctx, 1e-12);
    }
    // The probe's copy outlives the tape's memory.
    t.reset();
    EXPECT_NEAR(probe(1, 2), std::exp(2 * std::tanh(1.0)) / (2 + std::exp(2 * std::tanh(1.0))), 1e-12);
}

TEST(TemporalAttention, AttendReturnsContextAndAlphaAndProbeWorksInsideSequential) {
    using Net = Sequential<Conv1D<3, 4, 3>, TemporalAttention<4, 5>, Dense<4, 1>>;
    AttentionProbe probe;
    Model<Net, double> m(2, Net(Conv1D<3, 4, 3>{Padding::causal()}, TemporalAttention<4, 5>{&probe}, Dense<4, 1>{}));
    std::vector<double> x(2 * 6 * 3);
    Rng rng(4);
    for (auto& v : x) v = rng.uniform(-1, 1);
    Tape<double> t(true);
    auto y = m.forward(t, t.input(x.data(), {2, 6, 3}));
    EXPECT_EQ(y.shape, (Shape{2, 1}));
    ASSERT_EQ(probe.batch(), 2);
    ASSERT_EQ(probe.time(), 6);
    for (int b = 0; b < 2; ++b) {
        double row = 0;
        for (int s = 0; s < 6; ++s) row += probe(b, s);
        EXPECT_NEAR(row, 1.0, 1e-12);
    }
    // attend() on the same hidden sequence gives the same alpha as tape Vars.
    Tape<double> t2(false);
    auto h = m.get<0>().forward(t2, ParamSpan<double>{m.parameters(), nullptr, Conv1D<3, 4, 3>::param_count},
                                t2.input(x.data(), {2, 6, 3}));
    const auto out = m.get<1>().attend(
        t2, ParamSpan<double>{m.parameters() + Net::param_offset<1>(), nullptr, TemporalAttention<4, 5>::param_count}, h);
    EXPECT_EQ(out.alpha.shape, (Shape{2, 6}));
    EXPECT_EQ(out.context.shape, (Shape{2, 4}));
    for (int b = 0; b < 2; ++b)
        for (int s = 0; s < 6; ++s) EXPECT_NEAR(out.alpha(b, s), probe(b, s), 1e-15);
}

TEST(TemporalAttention, GradientChecks) {
    auto r = canary::testing::check_layer(TemporalAttention<4, 3>{}, Shape{2, 5, 4});
    EXPECT_TRUE(r.ok()) << r.str();
    auto r1 = canary::testing::check_layer(TemporalAttention<3, 6>{}, Shape{3, 1, 3});  // T = 1: alpha = 1
    EXPECT_TRUE(r1.ok()) << r1.str();
    using Net = Sequential<Conv1D<2, 4, 3, 1, 2>, Tanh, LayerNorm<4>, TemporalAttention<4, 3>, Dense<4, 2>>;
    auto rn = canary::testing::check_layer(
        Net(Conv1D<2, 4, 3, 1, 2>{Padding::same()}, Tanh{}, LayerNorm<4>{}, TemporalAttention<4, 3>{}, Dense<4, 2>{}),
        Shape{2, 7, 2});
    EXPECT_TRUE(rn.ok()) << rn.str();
}

TEST(TemporalAttention, WeightedTimeSumPrimitiveGradients) {
    std::vector<double> w(2 * 3), gw(6), x(2 * 3 * 4), gx(24);
    Rng rng(8);
    for (auto& v : w) v = rng.uniform(-1, 1);
    for (auto& v : x) v = rng.uniform(-1, 1);
    std::vector<canary::testing::Probe> probes{{"weights", w.data(), gw.data(), 6}, {"x", x.data(), gx.data(), 24}};
    auto r = canary::testing::check_gradients(
        [&](Tape<double>& t) {
            return weighted_time_sum(t, Var<double>{w.data(), gw.data(), Shape{2, 3}, 3},
                                     Var<double>{x.data(), gx.data(), Shape{2, 3, 4}, 4});
        },
        std::span<canary::testing::Probe>(probes));
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(TemporalAttention, ShapeErrorsNameTheLayer) {
    Model<TemporalAttention<4, 2>, float> m;
    Tape<float> t(false);
    std::vector<float> x(40, 0.0f);
    for (Shape bad : {Shape{2, 3, 5}, Shape{8, 4}, Shape{2, 0, 4}}) {
        try {
            m.forward(t, t.input(x.data(), bad));
            ADD_FAILURE() << bad.str();
        } catch (const shape_error& e) {
            EXPECT_NE(std::string(e.what()).find("TemporalAttention<4, 2>"), std::string::npos) << e.what();
        }
    }
}

TEST(TemporalAttention, SteadyStateStepAllocatesNothingEvenWithAProbe) {
    AttentionProbe probe;
    probe.reserve(3, 8);
    Model<TemporalAttention<4, 3>, float> m(0, TemporalAttention<4, 3>{&probe});
    std::vector<float> x(3 * 8 * 4, 0.5f);
    Tape<float> tape(true);
    std::size_t after_second = 0;
    const double* storage = nullptr;
    for (int step = 0; step < 4; ++step) {
        tape.reset();
        auto y = m.forward(tape, tape.input(x.data(), {3, 8, 4}, true));
        tape.backward(sum(tape, y));
        if (step == 0) storage = probe.values().data();
        if (step == 1) after_second = tape.system_allocations();
    }
    EXPECT_EQ(tape.system_allocations(), after_second);
    EXPECT_EQ(probe.values().data(), storage);  // no reallocation of the probe
    EXPECT_EQ(probe.passes(), 4u);
}

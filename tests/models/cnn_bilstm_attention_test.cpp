// models::cnn_bilstm_attention (arXiv 2502.06847): the type alias builds the paper's model with
// padding 1 by default, its parameter counts and torch names, shapes through every stage, the
// attention audit helpers and a gradient check of the whole model at small widths.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"

namespace {

using Net = canary::models::cnn_bilstm_attention<>;

static_assert(Net::param_count == 60193);
static_assert(Net::in_width == 16 && Net::out_width == 1);
static_assert(canary::models::cnn_bilstm_attention<6, 8, 8, 6>::param_count ==
              (6 * 8 * 3 + 8) + 2 * 4 * 8 * (8 + 8 + 2) + (6 * 16 + 6 + 6) + (16 + 1));

std::vector<float> random_windows(canary::index n, canary::index steps, std::uint64_t seed) {
    canary::Rng rng(seed);
    std::vector<float> x(static_cast<std::size_t>(n * steps * 16));
    for (auto& v : x) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    return x;
}

}  // namespace

TEST(CnnBiLstmAttention, DefaultConstructionPadsTheConvolutionByOne) {
    canary::Model<Net> model(3);
    const auto& conv = model.get<0>();
    EXPECT_EQ(conv.padding.kind, canary::Padding::Kind::symmetric);
    EXPECT_EQ(conv.padding.amount, 1);
    EXPECT_EQ(conv.output_length(60), 60);  // padding 1, kernel 3: the length is kept
}

TEST(CnnBiLstmAttention, ParameterCountsByLayer) {
    EXPECT_EQ(Net::param_offset<1>(), 16 * 32 * 3 + 32);
    EXPECT_EQ(Net::param_offset<4>() - Net::param_offset<3>(), 2 * 4 * 64 * (32 + 64 + 2));
    EXPECT_EQ(Net::param_offset<5>() - Net::param_offset<4>(), 64 * 128 + 64 + 64);
    EXPECT_EQ(Net::param_count - Net::param_offset<5>(), 129);
}

TEST(CnnBiLstmAttention, TorchParameterNamesInStateDictOrder) {
    canary::Model<Net> model(1);
    std::vector<std::string> names;
    for (const auto& p : model.named_parameters()) names.push_back(p.name);
    const std::vector<std::string> expected{
        "conv.weight",           "conv.bias",
        "lstm.weight_ih_l0",     "lstm.weight_hh_l0",
        "lstm.bias_ih_l0",       "lstm.bias_hh_l0",
        "lstm.weight_ih_l0_reverse", "lstm.weight_hh_l0_reverse",
        "lstm.bias_ih_l0_reverse",   "lstm.bias_hh_l0_reverse",
        "attn.proj.weight",      "attn.proj.bias",
        "attn.score.weight",     "head.weight",
        "head.bias"};
    EXPECT_EQ(names, expected);
    EXPECT_EQ(model.parameter("conv.weight").shape, (canary::Shape{32, 16, 3}));
    EXPECT_EQ(model.parameter("lstm.weight_ih_l0_reverse").shape, (canary::Shape{256, 32}));
    EXPECT_EQ(model.parameter("attn.proj.weight").shape, (canary::Shape{64, 128}));
    EXPECT_EQ(model.parameter("head.weight").shape, (canary::Shape{1, 128}));
}

TEST(CnnBiLstmAttention, SummaryShowsEveryStage) {
    canary::Model<Net> model(1);
    const std::string s = model.summary(canary::Shape{8, 60, 16});
    EXPECT_NE(s.find("conv: Conv1D<16, 32, 3>(padding=1)"), std::string::npos) << s;
    EXPECT_NE(s.find("(8, 60, 32)"), std::string::npos) << s;
    EXPECT_NE(s.find("(8, 30, 32)"), std::string::npos) << s;
    EXPECT_NE(s.find("lstm: Bidirectional<LSTM<32, 64>>"), std::string::npos) << s;
    EXPECT_NE(s.find("(8, 30, 128)"), std::string::npos) << s;
    EXPECT_NE(s.find("attn: TemporalAttention<128, 64>"), std::string::npos) << s;
    EXPECT_NE(s.find("(8, 1)"), std::string::npos) << s;
    EXPECT_NE(s.find("total parameters: 60193"), std::string::npos) << s;
}

TEST(CnnBiLstmAttention, ForwardShapesAndProbedAttentionForEvenAndOddLengths) {
    canary::Model<Net> model(5);
    canary::AttentionProbe probe;
    canary::models::attention_layer(model).probe = &probe;
    for (canary::index steps : {canary::index{60}, canary::index{7}, canary::index{2}}) {
        const auto x = random_windows(3, steps, 11);
        canary::Tape<float> tape(false);
        const auto y = model.forward(tape, tape.input(x.data(), canary::Shape{3, steps, 16}));
        ASSERT_EQ(y.shape, (canary::Shape{3, 1}));
        for (canary::index b = 0; b < 3; ++b) EXPECT_TRUE(std::isfinite(y.val[b]));
        ASSERT_EQ(probe.batch(), 3);
        ASSERT_EQ(probe.time(), steps / 2);
        for (canary::index b = 0; b < 3; ++b) {
            double sum = 0;
            for (canary::index t = 0; t < probe.time(); ++t) {
                EXPECT_GT(probe(b, t), 0.0);
                sum += probe(b, t);
            }
            EXPECT_NEAR(sum, 1.0, 1e-6);
        }
    }
}

TEST(CnnBiLstmAttention, TooShortWindowIsAShapeError) {
    canary::Model<Net> model(5);
    const auto x = random_windows(1, 1, 1);
    canary::Tape<float> tape(false);
    EXPECT_THROW(model.forward(tape, tape.input(x.data(), canary::Shape{1, 1, 16})), canary::shape_error);
}

TEST(CnnBiLstmAttention, AttentionWeightsHelperMatchesTheProbeAndRestoresIt) {
    canary::Model<Net> model(9);
    canary::AttentionProbe mine;
    canary::models::attention_layer(model).probe = &mine;
    const canary::index n = 5, steps = 9;
    const auto x = random_windows(n, steps, 4);
    // Batches of 2 exercise the batching; the result must equal one full-batch probe.
    const auto alpha = canary::models::attention_weights(model, x.data(), n, steps, 2);
    ASSERT_EQ(alpha.size(), static_cast<std::size_t>(n * (steps / 2)));
    EXPECT_EQ(canary::models::attention_layer(model).probe, &mine);
    EXPECT_EQ(mine.passes(), 0u);
    canary::Tape<float> tape(false);
    model.forward(tape, tape.input(x.data(), canary::Shape{n, steps, 16}));
    ASSERT_EQ(mine.passes(), 1u);
    for (canary::index b = 0; b < n; ++b)
        for (canary::index t = 0; t < steps / 2; ++t)
            EXPECT_NEAR(alpha[static_cast<std::size_t>(b * (steps / 2) + t)], mine(b, t), 1e-6);

    const auto day = canary::models::attention_per_day(alpha.data(), steps);
    ASSERT_EQ(day.size(), static_cast<std::size_t>(steps));
    EXPECT_DOUBLE_EQ(day[0], alpha[0] / 2);
    EXPECT_DOUBLE_EQ(day[1], alpha[0] / 2);
    EXPECT_DOUBLE_EQ(day[8], 0.0);  // odd length: the max pool drops the last day
    EXPECT_NEAR(std::accumulate(day.begin(), day.end(), 0.0), 1.0, 1e-6);
}

TEST(CnnBiLstmAttention, WholeModelGradientCheckAtSmallWidths) {
    using Small = canary::models::cnn_bilstm_attention<4, 5, 3, 4>;
    canary::testing::GradCheckOptions opt;
    opt.max_elements_per_tensor = 400;  // every parameter of the small model
    const auto even = canary::testing::check_layer(Small{}, canary::Shape{2, 6, 4}, opt);
    EXPECT_TRUE(even.ok(1e-6)) << even.str();
    const auto odd = canary::testing::check_layer(Small{}, canary::Shape{3, 5, 4}, opt);
    EXPECT_TRUE(odd.ok(1e-6)) << odd.str();
}

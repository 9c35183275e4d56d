#include <gtest/gtest.h>

#include "canary/canary.hpp"
#include "canary/layers/tcn.hpp"
#include "canary/layers/transformer_encoder.hpp"

using namespace canary;

TEST(TransformerEncoderLayer, GradientChecksPostAndPreNormReluAndGelu) {
    TransformerEncoderLayer<8, 2, 12> post;
    post.dropout = 0.0;
    auto r1 = canary::testing::check_layer(post, Shape{2, 4, 8});
    EXPECT_TRUE(r1.ok()) << r1.str();
    TransformerEncoderLayer<8, 4, 6, GELU> pre;
    pre.dropout = 0.2;  // the checker reseeds the tape, so the masks are fixed
    pre.norm_first = true;
    pre.causal = true;
    auto r2 = canary::testing::check_layer(pre, Shape{2, 3, 8});
    EXPECT_TRUE(r2.ok()) << r2.str();
}

TEST(TransformerEncoderLayer, TorchParameterNamesAndCount) {
    Model<TransformerEncoderLayer<64, 4, 128>> m;
    static_assert(TransformerEncoderLayer<64, 4, 128>::param_count ==
                  3 * 64 * 64 + 3 * 64 + 64 * 64 + 64 + 64 * 128 + 128 + 128 * 64 + 64 + 4 * 64);
    std::vector<std::string> names;
    for (const auto& p : m.named_parameters()) names.push_back(p.name);
    EXPECT_EQ(names.front(), "self_attn.in_proj_weight");
    EXPECT_EQ(names.back(), "norm2.bias");
    EXPECT_EQ(m.parameter("linear1.weight").shape, (Shape{128, 64}));
}

TEST(TCN, ReceptiveFieldCausalityAndGradients) {
    using Net = TCN<3, 3, 5, 5, 4>;
    static_assert(Net::receptive_field == 1 + 2 * 2 * 7);
    auto r = canary::testing::check_layer(Net{}, Shape{2, 9, 3});
    EXPECT_TRUE(r.ok()) << r.str();
    // Causality: output at t is unchanged when inputs after t change.
    Model<Net, double> m(4);
    std::vector<double> x(1 * 12 * 3);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.3 * static_cast<double>(i));
    Tape<double> tape(false);
    auto y1 = m.forward(tape, tape.input(x.data(), Shape{1, 12, 3}));
    std::vector<double> before(y1.val, y1.val + y1.numel());
    x[10 * 3 + 1] += 1.0;
    auto y2 = m.forward(tape, tape.input(x.data(), Shape{1, 12, 3}));
    for (canary::index i = 0; i < 10 * 4; ++i) EXPECT_EQ(y2.val[i], before[static_cast<std::size_t>(i)]);
    bool later_changed = false;
    for (canary::index i = 10 * 4; i < 12 * 4; ++i) later_changed = later_changed || y2.val[i] != before[static_cast<std::size_t>(i)];
    EXPECT_TRUE(later_changed);
    EXPECT_EQ(m.named_parameters().front().name, "network.0.conv1.weight");
}

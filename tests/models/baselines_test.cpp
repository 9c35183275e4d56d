// The papers' baselines (canary/models/baselines.hpp): parameter counts, shapes, exact gradients on
// the exact types, one Adam step lowering the loss, and the random forest's window features.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "canary/canary.hpp"
#include "canary/models/baselines.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"

// Parameter counts, at compile time (torch would report the same numbers for the same modules).
static_assert(canary::models::transformer_classifier::param_count ==
              (16 * 64 + 64) + 2 * (3 * 64 * 64 + 3 * 64 + 64 * 64 + 64 + 64 * 128 + 128 + 128 * 64 + 64 + 4 * 64) + 65);
static_assert(canary::models::tcn_classifier::param_count ==
              (32 * 16 * 3 + 32) + (32 * 32 * 3 + 32) + (32 * 16 + 32) + 2 * 2 * (32 * 32 * 3 + 32) + 33);
static_assert(canary::models::cnn_classifier::param_count == (32 * 16 * 3 + 32) + (32 * 32 * 3 + 32) + 33);
static_assert(canary::models::bilstm_classifier::param_count == 2 * (4 * 64 * (16 + 64) + 2 * 4 * 64) + (64 * 128 + 64 + 64) + 129);
static_assert(canary::models::bilstm_last::param_count == 2 * (4 * 64 * (16 + 64) + 2 * 4 * 64) + 129);

namespace {

std::vector<float> ramp(canary::index n, double phase) {
    std::vector<float> v(static_cast<std::size_t>(n));
    for (canary::index i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(std::sin(0.37 * double(i) + phase));
    return v;
}

template <class Net>
canary::Shape output_shape(canary::index batch, canary::index steps) {
    canary::Model<Net> model(3);
    const auto x = ramp(batch * steps * 16, 0.0);
    canary::Tape<float> tape(false);
    return model.forward(tape, tape.input(x.data(), canary::Shape{batch, steps, 16})).shape;
}

/// BCE loss of a fixed tiny batch (no dropout), one Adam step on it, and the loss again.
template <class Net>
std::pair<double, double> loss_before_after_one_step() {
    constexpr canary::index B = 6, T = 12;
    canary::Model<Net> model(11);
    const auto x = ramp(B * T * 16, 0.5);
    const std::vector<float> y{1, 0, 1, 0, 0, 1};
    canary::Tape<float> tape(true);
    tape.set_training(false);
    auto loss_of = [&] {
        tape.reset();
        auto logits = model.forward(tape, tape.input(x.data(), canary::Shape{B, T, 16}));
        return canary::bce_with_logits(tape, logits, tape.input(y.data(), canary::Shape{B, 1}));
    };
    auto loss = loss_of();
    const double before = loss.val[0];
    tape.backward(loss);
    canary::Adam<float> opt(1e-3f);
    opt.step(model);
    const double after = loss_of().val[0];
    return {before, after};
}

}  // namespace

TEST(Baselines, ShapesAreOneLogitPerWindow) {
    EXPECT_EQ(output_shape<canary::models::transformer_classifier>(3, 30), (canary::Shape{3, 1}));
    EXPECT_EQ(output_shape<canary::models::tcn_classifier>(3, 30), (canary::Shape{3, 1}));
    EXPECT_EQ(output_shape<canary::models::cnn_classifier>(3, 30), (canary::Shape{3, 1}));
    EXPECT_EQ(output_shape<canary::models::bilstm_classifier>(3, 30), (canary::Shape{3, 1}));
    EXPECT_EQ(output_shape<canary::models::bilstm_last>(3, 30), (canary::Shape{3, 1}));
}

TEST(Baselines, CnnDefaultConstructionPadsOneAndTcnSeesTwentyNineDays) {
    canary::Model<canary::models::cnn_classifier> cnn(1);
    EXPECT_EQ(cnn.net().get<0>().padding.amount, 1);
    EXPECT_EQ(cnn.net().get<3>().padding.amount, 1);
    EXPECT_EQ(cnn.net().get<0>().output_length(30), 30);  // padding 1 keeps the length (valid would give 28)
    static_assert(canary::TCN<16, 3, 32, 32, 32>::receptive_field == 29);
    EXPECT_EQ(canary::Model<canary::models::tcn_classifier>(1).net().get<0>().template get<2>().name(), "TemporalBlock<32, 32, k3, d4>");
}

TEST(Baselines, TorchStyleParameterNames) {
    canary::Model<canary::models::transformer_classifier> t(1);
    EXPECT_EQ(t.named_parameters().front().name, "input_proj.weight");
    EXPECT_EQ(t.parameter("encoder0.self_attn.in_proj_weight").shape, (canary::Shape{192, 64}));
    EXPECT_EQ(t.parameter("encoder1.norm2.bias").shape, (canary::Shape{64}));
    EXPECT_EQ(t.named_parameters().back().name, "head.bias");
    canary::Model<canary::models::cnn_classifier> c(1);
    EXPECT_EQ(c.parameter("conv2.weight").shape, (canary::Shape{32, 32, 3}));
    canary::Model<canary::models::tcn_classifier> n(1);
    EXPECT_EQ(n.named_parameters().front().name, "tcn.network.0.conv1.weight");
}

TEST(Baselines, OneAdamStepLowersTheLossOfEach) {
    auto check = [](const char* name, std::pair<double, double> r) {
        EXPECT_TRUE(std::isfinite(r.first)) << name;
        EXPECT_LT(r.second, r.first) << name << ": loss " << r.first << " -> " << r.second;
    };
    check("transformer_classifier", loss_before_after_one_step<canary::models::transformer_classifier>());
    check("tcn_classifier", loss_before_after_one_step<canary::models::tcn_classifier>());
    check("cnn_classifier", loss_before_after_one_step<canary::models::cnn_classifier>());
    check("bilstm_classifier", loss_before_after_one_step<canary::models::bilstm_classifier>());
    check("bilstm_last", loss_before_after_one_step<canary::models::bilstm_last>());
}

TEST(Baselines, GradientsOfTheExactTypesAreExact) {
    auto expect_ok = [](const char* name, const canary::testing::GradCheckReport& r) { EXPECT_TRUE(r.ok()) << name << ": " << r.str(); };
    expect_ok("transformer_classifier", canary::testing::check_layer(canary::models::transformer_classifier{}, canary::Shape{2, 5, 16}));
    expect_ok("tcn_classifier", canary::testing::check_layer(canary::models::tcn_classifier{}, canary::Shape{2, 7, 16}));
    expect_ok("cnn_classifier", canary::testing::check_layer(canary::models::cnn_classifier{}, canary::Shape{2, 6, 16}));
    expect_ok("bilstm_classifier", canary::testing::check_layer(canary::models::bilstm_classifier{}, canary::Shape{2, 4, 16}));
    expect_ok("bilstm_last", canary::testing::check_layer(canary::models::bilstm_last{}, canary::Shape{2, 4, 16}));
}

TEST(Baselines, ForestFeaturesAreLastMeanStdAndChange) {
    // Two windows of T = 3 days, F = 2 features.
    const std::vector<float> w{1, 10, 2, 20, 6, 30,   // window 0
                               0, 0,  0, 0,  0, -3};  // window 1
    const auto f = canary::models::forest_features(w.data(), 2, 3, 2);
    ASSERT_EQ(f.size(), 2u * 8u);
    const float mean0 = 3.0f, std0 = std::sqrt((4.0f + 1.0f + 9.0f) / 3.0f);
    const std::vector<float> want0{6, 30, mean0, 20, std0, std::sqrt(200.0f / 3.0f), 5, 20};
    for (std::size_t i = 0; i < 8; ++i) EXPECT_NEAR(f[i], want0[i], 1e-5) << i;
    EXPECT_FLOAT_EQ(f[8 + 1], -3.0f);   // last day
    EXPECT_FLOAT_EQ(f[8 + 3], -1.0f);   // mean
    EXPECT_FLOAT_EQ(f[8 + 7], -3.0f);   // change
    EXPECT_THROW(canary::models::forest_features(w.data(), 1, 0, 2), canary::shape_error);
    const std::vector<std::string> names{"a", "b"};
    const auto n = canary::models::forest_feature_names(names);
    ASSERT_EQ(n.size(), 8u);
    EXPECT_EQ(n[2], "a_mean");
    EXPECT_EQ(n[7], "b_change");
}

TEST(Baselines, EncoderDropoutKeepsTorchSemantics) {
    // The transformer's dropout (canary::detail::encoder_dropout): share zeroed ~ p, survivors
    // scaled by 1/(1-p), same seed same mask, identity outside training.
    std::vector<float> ones(100000, 1.0f);
    auto mask_of = [&](std::uint64_t seed, bool training) {
        canary::Tape<float> tape(training, seed);
        auto y = canary::detail::encoder_dropout(tape, 0.1, tape.input(ones.data(), canary::Shape{1000, 100}));
        return std::vector<float>(y.val, y.val + y.numel());
    };
    const auto a = mask_of(5, true), b = mask_of(5, true), c = mask_of(6, true), eval_mode = mask_of(5, false);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(eval_mode, ones);
    std::size_t zeros = 0;
    for (float v : a) {
        if (v == 0.0f) ++zeros;
        else EXPECT_FLOAT_EQ(v, 1.0f / 0.9f);
    }
    EXPECT_NEAR(double(zeros) / double(a.size()), 0.1, 0.005);  // 5 standard deviations
}

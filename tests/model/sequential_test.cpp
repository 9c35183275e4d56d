#include <gtest/gtest.h>

#include <sstream>

#include "canary/canary.hpp"

using namespace canary;

using Mlp = Sequential<Named<"fc1", Dense<6, 16>>, GELU, Dropout, Named<"fc2", Dense<16, 4>>, Tanh, Dense<4, 1>>;

static_assert(Layer<Mlp>);
static_assert(Mlp::param_count == 6 * 16 + 16 + 16 * 4 + 4 + 4 + 1);
static_assert(Mlp::in_width == 6 && Mlp::out_width == 1);
static_assert(Mlp::param_offset<3>() == 6 * 16 + 16);
static_assert(Sequential<ReLU, Dense<3, 2>>::in_width == 3, "width-preserving layers pass the first stated width");

TEST(Sequential, NamesFollowTorchStateDict) {
    Model<Mlp> m;
    std::vector<std::string> names;
    for (const auto& p : m.named_parameters()) names.push_back(p.name);
    EXPECT_EQ(names, (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "5.weight", "5.bias"}));
    EXPECT_EQ(m.parameter("fc2.weight").shape, (Shape{4, 16}));
    EXPECT_EQ(m.parameter("5.bias").offset, Mlp::param_count - 1);
    EXPECT_THROW(m.parameter("fc3.weight"), tensor_error);
}

TEST(Sequential, ForwardEqualsManualComposition) {
    Model<Mlp, double> m(5);
    Model<Dense<6, 16>, double> d1;
    Model<Dense<16, 4>, double> d2;
    Model<Dense<4, 1>, double> d3;
    std::copy_n(m.parameters(), 112, d1.parameters());
    std::copy_n(m.parameters() + 112, 68, d2.parameters());
    std::copy_n(m.parameters() + 180, 5, d3.parameters());
    Tape<double> t(false);
    std::vector<double> x(18);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(double(i));
    auto X = t.input(x.data(), {3, 6});
    auto y = m.forward(t, X);
    auto manual = d3.forward(t, eval(t, tanh(d2.forward(t, eval(t, gelu(d1.forward(t, X)))))));
    ASSERT_EQ(y.shape, (Shape{3, 1}));
    for (canary::index i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(y.val[i], manual.val[i]);
}

TEST(Sequential, GradientCheckThroughTheWholeStack) {
    auto r = canary::testing::check_layer(Mlp{}, Shape{4, 6});
    EXPECT_TRUE(r.ok()) << r.str();
}

TEST(Sequential, GetGivesMutableLayerAccess) {
    Model<Mlp> m;
    m.get<2>().p = 0.1;
    EXPECT_DOUBLE_EQ(m.net().get<2>().p, 0.1);
}

TEST(Sequential, SummaryListsLayersShapesAndCounts) {
    Model<Mlp> m;
    const std::string s = m.summary(Shape{8, 6});
    EXPECT_NE(s.find("fc1: Dense<6, 16>"), std::string::npos) << s;
    EXPECT_NE(s.find("(8, 16)"), std::string::npos) << s;
    EXPECT_NE(s.find("(8, 1)"), std::string::npos) << s;
    EXPECT_NE(s.find("total parameters: 185"), std::string::npos) << s;
    std::ostringstream os;
    os << m;
    EXPECT_NE(os.str().find("(*, 4)"), std::string::npos) << os.str();
}

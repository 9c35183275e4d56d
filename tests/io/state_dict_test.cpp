#include <gtest/gtest.h>

#include <filesystem>

#include "canary/canary.hpp"
#include "canary/io/state_dict.hpp"

using namespace canary;
using Net = Sequential<Named<"fc", Dense<3, 4>>, ReLU, Named<"head", Dense<4, 1>>>;

namespace {
std::filesystem::path temp_file(const char* name) {
    auto dir = std::filesystem::temp_directory_path() / "canary_state_dict_test";
    std::filesystem::create_directories(dir);
    return dir / name;
}
}  // namespace

TEST(StateDict, RoundTripFloatAndDouble) {
    Model<Net> a(1), b(2);
    const auto path = temp_file("roundtrip.safetensors");
    io::save_state_dict(a, path);
    io::load_state_dict(b, path);
    for (canary::index i = 0; i < Net::param_count; ++i) EXPECT_EQ(a.parameters()[i], b.parameters()[i]);
    Model<Net, double> d(3);
    io::load_state_dict(d, path);  // F32 file into a double model: exact widening
    EXPECT_EQ(d.parameters()[5], static_cast<double>(a.parameters()[5]));
    auto file = io::safetensors::load(path);
    EXPECT_EQ(file.names(), (std::vector<std::string>{"fc.bias", "fc.weight", "head.bias", "head.weight"}));
    EXPECT_EQ(file.at("fc.weight").shape, (std::vector<std::int64_t>{4, 3}));
}

TEST(StateDict, MissingUnexpectedAndMisshapedTensorsAreNamed) {
    Model<Net> m(1);
    const float before = m.parameters()[0];
    io::safetensors full;
    io::put_parameters(m, full);

    io::safetensors missing = full;
    missing.erase("head.bias");
    try {
        io::load_parameters(m, missing);
        FAIL();
    } catch (const tensor_error& e) {
        EXPECT_EQ(e.tensor(), "head.bias");
    }

    io::safetensors extra = full;
    extra.put<float>("head.scale", {1}, std::vector<float>{1.0f});
    try {
        io::load_parameters(m, extra);
        FAIL();
    } catch (const tensor_error& e) {
        EXPECT_EQ(e.tensor(), "head.scale");
    }

    io::safetensors wrong = full;
    wrong.erase("fc.weight");
    wrong.put<float>("fc.weight", {3, 4}, std::vector<float>(12, 0.5f));  // transposed shape
    try {
        io::load_parameters(m, wrong);
        FAIL();
    } catch (const canary::error& e) {
        EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos) << e.what();
    }
    EXPECT_EQ(m.parameters()[0], before) << "a failed load must leave the model unchanged";
}

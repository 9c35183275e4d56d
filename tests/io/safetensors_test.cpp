// Tests of the safetensors byte-level format: round trips, the reference layout, reading a file
// written by tools/safetensors_np.py, conversions on read, every validation error, atomic saves.
#include "canary/io/safetensors.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using canary::io::dtype;
using canary::io::safetensors;
using canary::io::tensor_entry;

bool has_substring(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The exception of type Error that `action` throws, or nullopt (and a test failure) if it throws
// none. Any other exception type escapes and fails the test on its own.
template <class Error, class Action>
std::optional<Error> caught(Action&& action) {
    try {
        action();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "expected exception was not thrown";
    return std::nullopt;
}

std::vector<std::byte> read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

void write_bytes(const fs::path& file, const std::vector<std::byte>& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A hand-made file: `header_length` (default: the header's size), the header text, then
// `data_size` bytes of data (counting 0, 1, 2, ...).
std::vector<std::byte> raw_file(const std::string& header, std::size_t data_size,
                                std::optional<std::uint64_t> header_length = std::nullopt) {
    const std::uint64_t length = header_length.value_or(header.size());
    std::vector<std::byte> bytes(8);
    std::memcpy(bytes.data(), &length, 8);
    for (char c : header) bytes.push_back(static_cast<std::byte>(c));
    for (std::size_t i = 0; i < data_size; ++i) bytes.push_back(static_cast<std::byte>(i));
    return bytes;
}

std::vector<std::int64_t> shape(std::initializer_list<std::int64_t> extents) { return extents; }

class safetensors_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device entropy;
        folder_ = fs::temp_directory_path() / ("canary_safetensors_test_" + std::to_string(entropy()));
        fs::create_directories(folder_);
    }
    void TearDown() override { fs::remove_all(folder_); }

    fs::path file(const std::string& name) const { return folder_ / name; }

    std::vector<std::string> folder_listing() const {
        std::vector<std::string> names;
        for (const auto& item : fs::directory_iterator(folder_)) names.push_back(item.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    // Writes `bytes` to a file, loads it, and returns the io_error that loading must throw.
    std::optional<canary::io_error> load_error(const std::vector<std::byte>& bytes) {
        const fs::path path = file("bad.safetensors");
        write_bytes(path, bytes);
        auto error = caught<canary::io_error>([&] { safetensors::load(path); });
        if (error) {
            EXPECT_EQ(error->file(), path.string());
            EXPECT_PRED2(has_substring, error->what(), path.string());
        }
        return error;
    }

    fs::path folder_;
};

const fs::path np_fixture = fs::path(CANARY_FIXTURE_DIR) / "io" / "np_written.safetensors";

// ---- round trips --------------------------------------------------------------------------

TEST_F(safetensors_test, round_trip_keeps_every_dtype_shape_and_value) {
    const std::vector<float> weight = {0.5f, -1.25f, 3e-8f, std::numeric_limits<float>::max(), -0.0f, 7.0f};
    const std::vector<double> scalar = {M_PI};
    const std::vector<std::int64_t> steps = {std::numeric_limits<std::int64_t>::min(), 0, 42};
    safetensors out;
    out.put("layer.weight", shape({2, 3}), weight);
    out.put("scalar", {}, scalar);
    out.put("steps", shape({3}), steps);
    out.put("empty", shape({0, 4}), std::vector<float>{});
    out.put("empty_1d", shape({0}), std::vector<std::int64_t>{});
    const fs::path path = file("round.safetensors");
    out.save(path);

    const safetensors in = safetensors::load(path);
    EXPECT_EQ(in.source(), path.string());
    EXPECT_EQ(in.names(), (std::vector<std::string>{"empty", "empty_1d", "layer.weight", "scalar", "steps"}));
    for (const std::string& name : out.names()) EXPECT_EQ(in.at(name), out.at(name)) << name;

    EXPECT_EQ(in.read<float>("layer.weight", {2, 3}), weight);
    EXPECT_EQ(in.at("scalar").type, dtype::f64);
    EXPECT_TRUE(in.at("scalar").shape.empty());
    EXPECT_EQ(in.at("scalar").numel(), 1);
    EXPECT_EQ(in.read<double>("scalar"), scalar);
    EXPECT_EQ(in.read<std::int64_t>("steps", {3}), steps);
    EXPECT_EQ(in.at("empty").shape, shape({0, 4}));
    EXPECT_EQ(in.at("empty").numel(), 0);
    EXPECT_TRUE(in.read<float>("empty", {0, 4}).empty());
    EXPECT_TRUE(in.read<std::int64_t>("empty_1d").empty());
    EXPECT_TRUE(std::signbit(in.read<float>("layer.weight")[4]));  // -0.0 survives bit for bit
}

TEST_F(safetensors_test, metadata_round_trips_and_is_omitted_when_empty) {
    safetensors out;
    out.put("w", shape({1}), std::vector<float>{1.0f});
    out.metadata()["format"] = "pt";
    out.metadata()["note"] = "quotes \" and unicode \xc3\xa9 survive";
    const fs::path path = file("meta.safetensors");
    out.save(path);
    const safetensors in = safetensors::load(path);
    EXPECT_EQ(in.metadata(), out.metadata());

    safetensors plain;
    plain.put("w", shape({1}), std::vector<float>{1.0f});
    const auto bytes = plain.serialize();
    const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    EXPECT_FALSE(has_substring(text, "__metadata__"));
}

TEST_F(safetensors_test, an_empty_file_object_round_trips) {
    const fs::path path = file("nothing.safetensors");
    safetensors{}.save(path);
    const safetensors in = safetensors::load(path);
    EXPECT_EQ(in.size(), 0u);
    EXPECT_TRUE(in.names().empty());
}

// ---- layout -------------------------------------------------------------------------------

TEST_F(safetensors_test, serialize_pads_header_to_8_bytes_and_orders_widest_dtype_first) {
    safetensors st;
    st.put("a_bytes", shape({3}), std::vector<std::uint8_t>{1, 2, 3});
    st.put("b_floats", shape({1}), std::vector<float>{1.0f});
    st.put("c_longs", shape({1}), std::vector<std::int64_t>{5});
    st.put("d_doubles", shape({1}), std::vector<double>{2.0});
    st.put("e_longs", shape({1}), std::vector<std::int64_t>{6});
    const auto bytes = st.serialize();
    std::uint64_t header_length = 0;
    std::memcpy(&header_length, bytes.data(), 8);
    EXPECT_EQ(header_length % 8, 0u);
    const std::string header(reinterpret_cast<const char*>(bytes.data() + 8), header_length);
    EXPECT_EQ(header.find_last_not_of(' '), header.find_last_of('}'));
    // I64 (names sorted), then F64, then F32, then U8, as the reference writer lays them out.
    EXPECT_PRED2(has_substring, header, R"("c_longs":{"dtype":"I64","shape":[1],"data_offsets":[0,8]})");
    EXPECT_PRED2(has_substring, header, R"("e_longs":{"dtype":"I64","shape":[1],"data_offsets":[8,16]})");
    EXPECT_PRED2(has_substring, header, R"("d_doubles":{"dtype":"F64","shape":[1],"data_offsets":[16,24]})");
    EXPECT_PRED2(has_substring, header, R"("b_floats":{"dtype":"F32","shape":[1],"data_offsets":[24,28]})");
    EXPECT_PRED2(has_substring, header, R"("a_bytes":{"dtype":"U8","shape":[3],"data_offsets":[28,31]})");
    EXPECT_EQ(bytes.size(), 8 + header_length + 31);
}

// ---- interchange with tools/safetensors_np.py --------------------------------------------
// The fixture was made from the repository root by:
//   /usr/bin/python3 -c '
//   import sys; sys.path.insert(0, "tools"); import numpy as np; from safetensors_np import save_file
//   save_file({
//       "linear.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5,
//       "linear.bias": np.array([1e-3, -2.5e10, 0.1], np.float64),
//       "steps": np.array([[-(2**40), 7]], np.int64),
//       "counts": np.array([-3, 2**31 - 1], np.int32),
//       "small": np.array([-128, 127], np.int8),
//       "medium": np.array([-32768, 1234], np.int16),
//       "pixels": np.array([0, 255, 9], np.uint8),
//       "mask": np.array([True, False, True]),
//       "half": np.array([1.0, -2.5, 65504.0, 2.0**-24, 0.0], np.float16),
//       "scalar": np.array(3.25, np.float64),
//       "empty": np.zeros((0, 3), np.float32),
//   }, "tests/fixtures/io/np_written.safetensors",
//      metadata={"format": "pt", "writer": "tools/safetensors_np.py"})'

TEST_F(safetensors_test, reads_a_file_written_by_the_numpy_tool) {
    const safetensors st = safetensors::load(np_fixture);
    EXPECT_EQ(st.names(), (std::vector<std::string>{"counts", "empty", "half", "linear.bias", "linear.weight", "mask",
                                                    "medium", "pixels", "scalar", "small", "steps"}));
    EXPECT_EQ(st.metadata(), (std::map<std::string, std::string>{{"format", "pt"},
                                                                 {"writer", "tools/safetensors_np.py"}}));
    EXPECT_EQ(st.read<float>("linear.weight", {2, 3}), (std::vector<float>{-0.5f, -0.25f, 0.0f, 0.25f, 0.5f, 0.75f}));
    EXPECT_EQ(st.read<double>("linear.bias", {3}), (std::vector<double>{1e-3, -2.5e10, 0.1}));
    EXPECT_EQ(st.read<float>("linear.bias"), (std::vector<float>{1e-3f, -2.5e10f, 0.1f}));  // rounds to nearest
    EXPECT_EQ(st.read<std::int64_t>("steps", {1, 2}), (std::vector<std::int64_t>{-(std::int64_t{1} << 40), 7}));
    EXPECT_EQ(st.read<double>("steps"), (std::vector<double>{-1099511627776.0, 7.0}));
    EXPECT_EQ(st.read<std::int32_t>("counts"), (std::vector<std::int32_t>{-3, 2147483647}));
    EXPECT_EQ(st.read<double>("counts"), (std::vector<double>{-3.0, 2147483647.0}));
    EXPECT_EQ(st.read<std::int8_t>("small"), (std::vector<std::int8_t>{-128, 127}));
    EXPECT_EQ(st.read<float>("medium"), (std::vector<float>{-32768.0f, 1234.0f}));
    EXPECT_EQ(st.read<std::uint8_t>("pixels"), (std::vector<std::uint8_t>{0, 255, 9}));
    EXPECT_EQ(st.at("mask").type, dtype::boolean);
    EXPECT_EQ(st.read<float>("mask"), (std::vector<float>{1.0f, 0.0f, 1.0f}));
    EXPECT_EQ(st.read<std::uint8_t>("mask"), (std::vector<std::uint8_t>{1, 0, 1}));
    EXPECT_EQ(st.at("half").type, dtype::f16);
    EXPECT_EQ(st.read<double>("half"), (std::vector<double>{1.0, -2.5, 65504.0, std::ldexp(1.0, -24), 0.0}));
    EXPECT_EQ(st.read<double>("scalar"), (std::vector<double>{3.25}));
    EXPECT_EQ(st.at("empty").shape, shape({0, 3}));
}

TEST_F(safetensors_test, rewriting_the_numpy_tool_file_gives_the_same_bytes) {
    // Both writers follow the reference layout, so the bytes agree exactly: a strong check of
    // header field order, tensor order, padding and offsets.
    const safetensors st = safetensors::load(np_fixture);
    EXPECT_EQ(st.serialize(), read_bytes(np_fixture));
}

// ---- conversions on read ------------------------------------------------------------------

TEST_F(safetensors_test, every_half_precision_bit_pattern_decodes_exactly) {
    for (std::uint32_t bits = 0; bits < 0x10000u; ++bits) {
        const auto half = static_cast<std::uint16_t>(bits);
        const float decoded = canary::io::detail::half_to_float(half);
        const int exponent = (bits >> 10) & 0x1F;
        const int mantissa = bits & 0x3FF;
        const double sign = (bits & 0x8000u) != 0 ? -1.0 : 1.0;
        if (exponent == 0x1F) {
            if (mantissa == 0) EXPECT_EQ(decoded, sign * INFINITY) << bits;
            else EXPECT_TRUE(std::isnan(decoded)) << bits;
        } else {
            const double expected = exponent == 0 ? sign * std::ldexp(mantissa, -24)
                                                  : sign * std::ldexp(1024 + mantissa, exponent - 25);
            ASSERT_EQ(static_cast<double>(decoded), expected) << bits;
            ASSERT_EQ(std::signbit(decoded), sign < 0) << bits;
        }
    }
}

TEST_F(safetensors_test, bfloat16_and_bool_entries_decode) {
    safetensors st;
    // bfloat16 of 1.0 is 0x3F80, of -2.0 is 0xC000; stored little-endian.
    st.insert("bf", tensor_entry{dtype::bf16, shape({2}), {std::byte{0x80}, std::byte{0x3F}, std::byte{0x00}, std::byte{0xC0}}});
    EXPECT_EQ(st.read<float>("bf"), (std::vector<float>{1.0f, -2.0f}));
    st.insert("flag", tensor_entry{dtype::boolean, shape({2}), {std::byte{1}, std::byte{2}}});
    const auto error = caught<canary::tensor_error>([&] { st.read<float>("flag"); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->tensor(), "flag");
    EXPECT_PRED2(has_substring, error->what(), "element 1 (2)");
}

TEST_F(safetensors_test, lossy_integer_and_range_conversions_are_refused) {
    safetensors st;
    const std::int64_t beyond_double = (std::int64_t{1} << 53) + 1;
    st.put("big", shape({2}), std::vector<std::int64_t>{1, beyond_double});
    st.put("limit", shape({1}), std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::max()});
    st.put("mid", shape({1}), std::vector<std::int32_t>{(1 << 24) + 1});
    st.put("huge", shape({1}), std::vector<double>{1e300});
    st.put("real", shape({1}), std::vector<float>{1.5f});

    const auto big = caught<canary::tensor_error>([&] { st.read<double>("big"); });
    ASSERT_TRUE(big);
    EXPECT_EQ(big->tensor(), "big");
    EXPECT_PRED2(has_substring, big->what(), "element 1 (9007199254740993)");
    EXPECT_PRED2(has_substring, big->what(), "double");
    EXPECT_THROW(st.read<double>("limit"), canary::tensor_error);  // 2^63-1 rounds to 2^63
    EXPECT_EQ(st.read<std::int64_t>("big")[1], beyond_double);
    EXPECT_EQ(st.read<double>("mid")[0], double((1 << 24) + 1));
    EXPECT_THROW(st.read<float>("mid"), canary::tensor_error);
    EXPECT_THROW(st.read<std::int16_t>("mid"), canary::tensor_error);
    EXPECT_THROW(st.read<float>("huge"), canary::tensor_error);
    const auto truncation = caught<canary::tensor_error>([&] { st.read<std::int64_t>("real"); });
    ASSERT_TRUE(truncation);
    EXPECT_PRED2(has_substring, truncation->what(), "F32");
}

TEST_F(safetensors_test, non_finite_values_pass_through) {
    safetensors st;
    st.put("x", shape({3}), std::vector<double>{INFINITY, -INFINITY, NAN});
    const auto values = st.read<float>("x");
    EXPECT_EQ(values[0], INFINITY);
    EXPECT_EQ(values[1], -INFINITY);
    EXPECT_TRUE(std::isnan(values[2]));
}

// ---- lookup and shape errors --------------------------------------------------------------

TEST_F(safetensors_test, missing_tensor_names_the_tensor_and_the_file) {
    const safetensors st = safetensors::load(np_fixture);
    EXPECT_FALSE(st.contains("lstm.weight_ih_l0"));
    EXPECT_TRUE(st.contains("linear.weight"));
    const auto error = caught<canary::tensor_error>([&] { st.at("lstm.weight_ih_l0"); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->tensor(), "lstm.weight_ih_l0");
    EXPECT_PRED2(has_substring, error->what(), np_fixture.string());
    EXPECT_PRED2(has_substring, error->what(), "linear.weight");  // lists what is there
    EXPECT_THROW(st.read<float>("lstm.weight_ih_l0"), canary::tensor_error);
}

TEST_F(safetensors_test, shape_mismatch_on_read_names_tensor_file_and_both_shapes) {
    const safetensors st = safetensors::load(np_fixture);
    const std::array<std::int64_t, 2> expected = {3, 2};
    const auto error = caught<canary::tensor_error>([&] { st.read<float>("linear.weight", expected); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->tensor(), "linear.weight");
    EXPECT_PRED2(has_substring, error->what(), "[3, 2]");
    EXPECT_PRED2(has_substring, error->what(), "[2, 3]");
    EXPECT_PRED2(has_substring, error->what(), np_fixture.string());
    EXPECT_THROW(st.read<double>("scalar", {1}), canary::tensor_error);
}

TEST_F(safetensors_test, put_and_insert_reject_bad_tensors_and_add_nothing) {
    safetensors st;
    st.put("w", shape({2}), std::vector<float>{1, 2});
    const auto count = caught<canary::tensor_error>([&] { st.put("v", shape({2, 2}), std::vector<float>{1, 2, 3}); });
    ASSERT_TRUE(count);
    EXPECT_EQ(count->tensor(), "v");
    EXPECT_PRED2(has_substring, count->what(), "[2, 2]");
    EXPECT_THROW(st.put("v", shape({-1}), std::vector<float>{}), canary::tensor_error);
    EXPECT_THROW(st.put("w", shape({2}), std::vector<float>{3, 4}), canary::tensor_error);  // duplicate
    EXPECT_THROW(st.put("__metadata__", shape({1}), std::vector<float>{1}), canary::tensor_error);
    EXPECT_THROW(st.insert("h", tensor_entry{dtype::f16, shape({2}), std::vector<std::byte>(3)}), canary::tensor_error);
    EXPECT_EQ(st.names(), std::vector<std::string>{"w"});
    EXPECT_EQ(st.read<float>("w"), (std::vector<float>{1, 2}));
    EXPECT_TRUE(st.erase("w"));
    EXPECT_FALSE(st.erase("w"));
    st.put("w", shape({1}), std::vector<float>{5});  // replacing is erase, then put
    EXPECT_EQ(st.read<float>("w"), std::vector<float>{5});
}

// ---- validation on load -------------------------------------------------------------------

TEST_F(safetensors_test, missing_file_is_an_io_error) {
    const auto error = caught<canary::io_error>([&] { safetensors::load(file("absent.safetensors")); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->file(), file("absent.safetensors").string());
}

TEST_F(safetensors_test, file_shorter_than_the_length_field_is_rejected) {
    const auto error = load_error(std::vector<std::byte>(5));
    ASSERT_TRUE(error);
    EXPECT_PRED2(has_substring, error->what(), "too short");
}

TEST_F(safetensors_test, corrupt_header_length_is_rejected) {
    const std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    auto past_end = load_error(raw_file(header, 4, header.size() + 5));
    ASSERT_TRUE(past_end);
    EXPECT_PRED2(has_substring, past_end->what(), "past the end");
    auto huge = load_error(raw_file(header, 4, std::uint64_t{1} << 62));
    ASSERT_TRUE(huge);
    EXPECT_PRED2(has_substring, huge->what(), "exceeds");
    // One byte too short: the JSON loses its closing brace.
    EXPECT_TRUE(load_error(raw_file(header, 4, header.size() - 1)));
}

TEST_F(safetensors_test, truncated_data_names_the_tensor_that_runs_off_the_end) {
    safetensors st;
    st.put("first", shape({2}), std::vector<double>{1, 2});
    st.put("second", shape({4}), std::vector<float>{1, 2, 3, 4});
    auto bytes = st.serialize();
    bytes.erase(bytes.end() - 3, bytes.end());
    const auto error = load_error(bytes);
    ASSERT_TRUE(error);
    EXPECT_PRED2(has_substring, error->what(), "tensor 'second'");
    EXPECT_PRED2(has_substring, error->what(), "past the end");
}

TEST_F(safetensors_test, malformed_json_is_rejected) {
    const auto bad = load_error(raw_file(R"({"w":{"dtype":"F32",)", 0));
    ASSERT_TRUE(bad);
    EXPECT_PRED2(has_substring, bad->what(), "not valid JSON");
    const auto not_object = load_error(raw_file("[1, 2]  ", 0));
    ASSERT_TRUE(not_object);
    EXPECT_PRED2(has_substring, not_object->what(), "not a JSON object");
    EXPECT_TRUE(load_error(raw_file("{\"w\":\xff}", 0)));  // not UTF-8
    const std::string hidden_garbage("{}\0garbage", 10);
    const auto nul = load_error(raw_file(hidden_garbage, 0));
    ASSERT_TRUE(nul);
    EXPECT_PRED2(has_substring, nul->what(), "NUL");
}

TEST_F(safetensors_test, unknown_dtype_names_the_tensor_and_the_dtype) {
    const auto error = load_error(raw_file(R"({"q":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", 2));
    ASSERT_TRUE(error);
    EXPECT_PRED2(has_substring, error->what(), "tensor 'q'");
    EXPECT_PRED2(has_substring, error->what(), "F8_E4M3");
    EXPECT_TRUE(load_error(raw_file(R"({"q":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", 4)));
    EXPECT_TRUE(load_error(raw_file(R"({"q":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", 4)));
}

TEST_F(safetensors_test, bad_shapes_and_missing_fields_name_the_tensor) {
    for (const std::string header : {
             R"({"s":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
             R"({"s":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})",
             R"({"s":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})",
             R"({"s":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
             R"({"s":{"dtype":"F32","data_offsets":[0,4]}})",
             R"({"s":{"shape":[1],"data_offsets":[0,4]}})",
             R"({"s":{"dtype":"F32","shape":[1]}})",
             R"({"s":[1,2,3]})",
         }) {
        const auto error = load_error(raw_file(header, 4));
        ASSERT_TRUE(error) << header;
        EXPECT_PRED2(has_substring, error->what(), "tensor 's'");
    }
}

TEST_F(safetensors_test, bad_offsets_name_the_tensor) {
    for (const std::string header : {
             R"({"o":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})",   // out of range
             R"({"o":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})",    // too small for the shape
             R"({"o":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})",    // reversed
             R"({"o":{"dtype":"F32","shape":[1],"data_offsets":[0]}})",      // not a pair
             R"({"o":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}})",   // negative
             R"({"o":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",    // gap before it
         }) {
        const auto error = load_error(raw_file(header, 8));
        ASSERT_TRUE(error) << header;
        EXPECT_PRED2(has_substring, error->what(), "tensor 'o'");
    }
}

TEST_F(safetensors_test, overlapping_tensors_are_rejected_naming_both) {
    const auto error = load_error(raw_file(
        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
        8));
    ASSERT_TRUE(error);
    EXPECT_PRED2(has_substring, error->what(), "tensor 'b'");
    EXPECT_PRED2(has_substring, error->what(), "overlap tensor 'a'");
}

TEST_F(safetensors_test, bytes_not_covered_by_any_tensor_are_rejected) {
    const auto error = load_error(raw_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 6));
    ASSERT_TRUE(error);
    EXPECT_PRED2(has_substring, error->what(), "2 bytes after");
}

TEST_F(safetensors_test, duplicate_tensor_names_are_rejected) {
    const auto error = load_error(raw_file(
        R"({"d":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"d":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
        2));
    ASSERT_TRUE(error);
    EXPECT_PRED2(has_substring, error->what(), "tensor 'd'");
    EXPECT_PRED2(has_substring, error->what(), "twice");
    EXPECT_TRUE(load_error(raw_file(R"({"d":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}})", 1)));
}

TEST_F(safetensors_test, metadata_must_map_strings_to_strings) {
    const auto error = load_error(raw_file(R"({"__metadata__":{"epoch":3}})", 0));
    ASSERT_TRUE(error);
    EXPECT_PRED2(has_substring, error->what(), "epoch");
    EXPECT_TRUE(load_error(raw_file(R"({"__metadata__":["a"]})", 0)));
}

TEST_F(safetensors_test, header_padding_and_any_tensor_order_are_accepted) {
    // Tensors listed out of data order, header padded with spaces, an unknown field in an entry:
    // all accepted, as by the reference reader.
    const auto bytes = raw_file(
        R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6],"extra":"ignored"},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}      )",
        6);
    const fs::path path = file("padded.safetensors");
    write_bytes(path, bytes);
    const safetensors st = safetensors::load(path);
    EXPECT_EQ(st.read<std::int32_t>("a"), std::vector<std::int32_t>{0x03020100});
    EXPECT_EQ(st.read<std::uint8_t>("b", {2}), (std::vector<std::uint8_t>{4, 5}));
}

// ---- atomic save --------------------------------------------------------------------------

TEST_F(safetensors_test, save_replaces_an_existing_file_whole_and_leaves_no_temporary) {
    const fs::path path = file("model.safetensors");
    safetensors big;
    big.put("w", shape({1000}), std::vector<double>(1000, 1.0));
    big.save(path);
    safetensors small;
    small.put("v", shape({2}), std::vector<float>{3, 4});
    small.save(path);

    EXPECT_EQ(folder_listing(), std::vector<std::string>{"model.safetensors"});
    EXPECT_EQ(read_bytes(path), small.serialize());  // no tail of the bigger file left
    const safetensors in = safetensors::load(path);
    EXPECT_EQ(in.names(), std::vector<std::string>{"v"});
}

TEST_F(safetensors_test, failed_save_throws_naming_the_file_and_leaves_nothing_behind) {
    // A non-empty folder sits where the file should go, so the final rename must fail.
    const fs::path path = file("occupied.safetensors");
    fs::create_directories(path / "inside");
    safetensors st;
    st.put("w", shape({1}), std::vector<float>{1});
    const auto error = caught<canary::io_error>([&] { st.save(path); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->file(), path.string());
    EXPECT_EQ(folder_listing(), std::vector<std::string>{"occupied.safetensors"});

    const fs::path nowhere = file("no_such_folder") / "x.safetensors";
    const auto missing_folder = caught<canary::io_error>([&] { st.save(nowhere); });
    ASSERT_TRUE(missing_folder);
    EXPECT_EQ(missing_folder->file(), nowhere.string());
    EXPECT_FALSE(fs::exists(nowhere));
}

TEST_F(safetensors_test, dtype_names_and_sizes) {
    EXPECT_EQ(canary::io::to_string(dtype::bf16), "BF16");
    EXPECT_EQ(canary::io::to_string(dtype::boolean), "BOOL");
    EXPECT_EQ(canary::io::size_of(dtype::f16), 2u);
    EXPECT_EQ(canary::io::size_of(dtype::i64), 8u);
    EXPECT_EQ(canary::io::dtype_from_string("I16"), dtype::i16);
    EXPECT_FALSE(canary::io::dtype_from_string("U16").has_value());
    static_assert(canary::io::dtype_of<std::uint8_t> == dtype::u8);
    static_assert(canary::io::dtype_of<double> == dtype::f64);
}

}  // namespace

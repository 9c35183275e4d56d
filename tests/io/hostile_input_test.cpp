// Hostile files found by fuzzing and by hand (issue 17): every one must end in a canary::error with
// a short message, never in another exception type, a crash or a message that echoes megabytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "canary/graph/multilayer.hpp"
#include "canary/io/safetensors.hpp"

namespace {

using canary::io::safetensors;

std::vector<std::byte> file_with_header(const std::string& header, std::size_t data_bytes = 0) {
    std::vector<std::byte> bytes(8 + header.size() + data_bytes);
    const std::uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, 8);
    std::memcpy(bytes.data() + 8, header.data(), header.size());
    return bytes;
}

// The message of the canary::error that parsing `header` throws ("" and a failure when none).
std::string safetensors_error(const std::string& header, std::size_t data_bytes = 0) {
    const auto bytes = file_with_header(header, data_bytes);
    try {
        (void)safetensors::parse(bytes, "hostile.safetensors");
    } catch (const canary::error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no canary::error for header " << header.substr(0, 200);
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(HostileSafetensors, NumberBeyondDoubleIsACanaryErrorSayingOutOfRange) {
    // nlohmann throws out_of_range (not parse_error) for these; it used to escape.
    for (const std::string header : {R"({"a":1e400})", R"({"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}})",
                                     R"({"__metadata__":{"k":"v"},"x":-1e999})"}) {
        const std::string message = safetensors_error(header, 4);
        EXPECT_TRUE(contains(message, "out of range")) << message;
        EXPECT_TRUE(contains(message, "hostile.safetensors")) << message;
    }
}

TEST(HostileSafetensors, ExtentAboveInt64IsReportedAsOutOfRange) {
    const std::string message =
        safetensors_error(R"({"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}})", 4);
    EXPECT_TRUE(contains(message, "out of range")) << message;
}

TEST(HostileSafetensors, MessagesQuoteAtMostAShortPieceOfAHugeField) {
    const std::string huge(1'000'000, 'x');
    const std::vector<std::string> headers = {
        R"({")" + huge + R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})",         // name, bad size
        R"({"w":{"dtype":")" + huge + R"(","shape":[1],"data_offsets":[0,4]}})",            // dtype
        R"({"__metadata__":{")" + huge + R"(":1}})",                                         // metadata key
        R"({"w":{"dtype":"F32","shape":[)" + std::string(200000, '1') + "," + "-1" + R"(],"data_offsets":[0,4]}})",
        R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4)" + std::string(500000, ' ') + ",7]}})",
        R"({"w":)" + huge + "}",                                                             // invalid literal
    };
    for (const std::string& header : headers) {
        const std::string message = safetensors_error(header, 4);
        EXPECT_LT(message.size(), 600u) << message.substr(0, 300);
        EXPECT_FALSE(message.empty());
    }
}

TEST(HostileSafetensors, DeepNestingIsRefusedWithoutCrashing) {
    const std::string deep = R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    const std::string message = safetensors_error(deep);
    EXPECT_FALSE(message.empty());
}

TEST(QuoteForMessage, CutsAtACharacterBoundaryAndHidesControlCharacters) {
    // 79 ASCII bytes, then a two-byte character straddling the 80-byte limit: it is left out whole.
    const std::string field = std::string(79, 'a') + "\xC3\xA9" + "tail";
    EXPECT_EQ(canary::io::quote_for_message(field), "'" + std::string(79, 'a') + "...'");
    EXPECT_EQ(canary::io::quote_for_message(std::string("a\0b\nc", 5)), "'a?b?c'");
    EXPECT_EQ(canary::io::quote_for_message(std::string(80, 'z')), "'" + std::string(80, 'z') + "'");
}

TEST(HostileSectors, QuotedCommaStaysInsideItsField) {
    const auto sectors = canary::graph::parse_sectors("instrument,sector\n\"A,Inc\",\"materials, basic\"\n", "s.csv");
    ASSERT_EQ(sectors.size(), 1u);
    EXPECT_EQ(sectors.at("A,Inc"), "materials, basic");
}

TEST(HostileSectors, ByteOrderMarkIsSkipped) {
    const auto sectors = canary::graph::parse_sectors("\xEF\xBB\xBFinstrument,sector\r\nKO,staples\r\n", "s.csv");
    EXPECT_EQ(sectors.at("KO"), "staples");
}

TEST(HostileSectors, WrongHeaderSaysWhatWasFound) {
    try {
        canary::graph::parse_sectors("ticker,industry\nKO,staples\n", "s.csv");
        FAIL();
    } catch (const canary::parse_error& e) {
        EXPECT_EQ(e.line(), 1u);
        EXPECT_TRUE(contains(e.what(), "'ticker'")) << e.what();
        EXPECT_TRUE(contains(e.what(), "'industry'")) << e.what();
    }
}

TEST(HostileSectors, NulByteInANameIsRefusedWithItsPlace) {
    const std::string text = std::string("instrument,sector\nK") + '\0' + "O,staples\n";
    try {
        canary::graph::parse_sectors(text, "s.csv");
        FAIL();
    } catch (const canary::parse_error& e) {
        EXPECT_EQ(e.line(), 2u);
        EXPECT_EQ(e.column(), 2u);
        EXPECT_TRUE(contains(e.what(), "NUL")) << e.what();
    }
}

TEST(HostileSectors, BareCarriageReturnsAreNamed) {
    try {
        canary::graph::parse_sectors("instrument,sector\rKO,staples\r", "s.csv");
        FAIL();
    } catch (const canary::parse_error& e) {
        EXPECT_TRUE(contains(e.what(), "bare CR")) << e.what();
    }
}

TEST(HostileSectors, HugeHeaderFieldIsQuotedShort) {
    const std::string text = std::string(500000, 'z') + ",sector\nKO,staples\n";
    try {
        canary::graph::parse_sectors(text, "s.csv");
        FAIL();
    } catch (const canary::parse_error& e) {
        EXPECT_LT(std::string(e.what()).size(), 300u);
    }
}

}  // namespace

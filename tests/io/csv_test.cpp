#include "canary/io/csv.hpp"

#include <gtest/gtest.h>

#include <string>

using canary::io::csv_reader;
using canary::io::csv_record;

namespace {
std::vector<csv_record> read(std::string_view text) { return csv_reader(text, "t.csv").read_all(); }

std::string error_of(std::string_view text) {
    try {
        (void)read(text);
    } catch (const canary::parse_error& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST(Csv, QuotedFieldsKeepDelimitersQuotesAndLineBreaks) {
    const auto r = read("a,\"A,Inc\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].fields, (std::vector<std::string>{"a", "A,Inc", "say \"hi\""}));
    EXPECT_EQ(r[1].fields, (std::vector<std::string>{"two\nlines", "x", ""}));
    EXPECT_EQ(r[0].line, 1u);
    EXPECT_EQ(r[1].line, 2u);
    EXPECT_TRUE(r[1].quoted[0]);
    EXPECT_FALSE(r[1].quoted[2]);
    EXPECT_EQ(r[0].columns, (std::vector<std::size_t>{1, 3, 11}));
}

TEST(Csv, BomIsSkippedAndBlankLinesIgnored) {
    const auto r = read("\xEF\xBB\xBFname,v\n\n\r\nx,1");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].fields[0], "name");
    EXPECT_EQ(r[0].columns[0], 1u);
    EXPECT_EQ(r[1].line, 4u);
}

TEST(Csv, RefusesWhatRfc4180DoesNot) {
    EXPECT_NE(error_of("a,b\rc,d\r").find("bare CR"), std::string::npos);
    EXPECT_NE(error_of(std::string("a,b\nc\0d,e\n", 10)).find("line 2, column 2: NUL"), std::string::npos);
    EXPECT_NE(error_of("a,\"open\n").find("line 1, column 3: a quoted field that is never closed"), std::string::npos);
    EXPECT_NE(error_of("a,\"x\"y\n").find("text after the closing quote"), std::string::npos);
    EXPECT_NE(error_of("a,b\"c\n").find("double quote inside an unquoted field"), std::string::npos);
}

TEST(Csv, SizesAreBoundedAndMessagesShort) {
    canary::io::csv_options o;
    o.max_fields = 3;
    EXPECT_THROW(csv_reader("a,b,c,d\n", "t", o).read_all(), canary::parse_error);
    o = {};
    o.max_field_bytes = 10;
    EXPECT_THROW(csv_reader("0123456789ab\n", "t", o).read_all(), canary::parse_error);
    const std::string huge(100000, 'x');
    const std::string message = error_of("a," + huge + "\"\n");
    EXPECT_FALSE(message.empty());
    EXPECT_LT(message.size(), 300u);
    EXPECT_EQ(canary::io::quote_for_message(std::string(3, '\0')), "'\?\?\?'");
}

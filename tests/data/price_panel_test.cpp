// Loading price CSVs: the real SPISECTOR panel under each missing-value policy, and every kind of
// malformed input, checking the exception type, the line, the column and the named column.
#include <canary/data/price_panel.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace cd = canary::data;

namespace {

const std::string spisector = std::string(CANARY_DATA_DIR) + "/rmetrics_spisector_daily_1999_2008.csv";

std::size_t find_date(const cd::price_panel& p, const std::string& date) {
    for (std::size_t t = 0; t < p.days(); ++t)
        if (p.dates[t] == date) return t;
    return p.days();
}

// Runs the loader on `text` and returns the parse_error it must throw.
canary::parse_error parse_failure(const std::string& text, const cd::load_options& options = {}) {
    try {
        cd::load_prices_from_string(text, "prices.csv", options);
    } catch (const canary::parse_error& e) {
        return e;
    }
    ADD_FAILURE() << "no parse_error for:\n" << text;
    return canary::parse_error("none", 0, 0, "none");
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST(LoadPrices, SpisectorForwardFillKeepsEverything) {
    cd::load_report report;
    const cd::price_panel p = cd::load_prices(spisector, {}, report);
    ASSERT_EQ(p.days(), 2216u);
    ASSERT_EQ(p.instrument_count(), 10u);
    EXPECT_EQ(p.instruments.front(), "SPI");
    EXPECT_EQ(p.instruments.back(), "TECH");
    EXPECT_EQ(p.dates.front(), "1999-12-30");
    EXPECT_EQ(p.dates.back(), "2008-10-17");
    EXPECT_EQ(report.rows_read, 2216u);
    EXPECT_EQ(report.missing_values, 17u);
    EXPECT_EQ(report.filled_values, 17u);
    EXPECT_TRUE(report.dropped_instruments.empty());
    ASSERT_EQ(report.filled.size(), 2u);
    EXPECT_EQ(report.filled[0].name, "SPI");
    EXPECT_EQ(report.filled[0].values, 16u);
    EXPECT_EQ(report.filled[0].longest_gap, 4u);  // 2008-10-02 .. 2008-10-07
    EXPECT_EQ(report.filled[1].name, "BASI");
    EXPECT_EQ(report.filled[1].values, 1u);
    for (double v : p.prices) EXPECT_TRUE(std::isfinite(v) && v > 0);
    // BASI on 2002-01-29 is missing in the file: it carries the previous day's level.
    const std::size_t t = find_date(p, "2002-01-29");
    ASSERT_LT(t, p.days());
    EXPECT_EQ(p.prices(t, 1), p.prices(t - 1, 1));
    EXPECT_EQ(p.prices(t, 0), 859.9);  // SPI that day is present
    EXPECT_NE(report.summary().find("forward-filled 17"), std::string::npos);
}

TEST(LoadPrices, SpisectorDropInstrumentRemovesSpiAndBasi) {
    cd::load_options o;
    o.missing = cd::missing_policy::drop_instrument;
    cd::load_report report;
    const cd::price_panel p = cd::load_prices(spisector, o, report);
    EXPECT_EQ(p.days(), 2216u);
    ASSERT_EQ(p.instrument_count(), 8u);
    EXPECT_EQ(p.instruments.front(), "INDU");
    ASSERT_EQ(report.dropped_instruments.size(), 2u);
    EXPECT_EQ(report.dropped_instruments[0].name, "SPI");
    EXPECT_EQ(report.dropped_instruments[1].name, "BASI");
}

TEST(LoadPrices, SpisectorDropDayRemovesSeventeenDays) {
    cd::load_options o;
    o.missing = cd::missing_policy::drop_day;
    cd::load_report report;
    const cd::price_panel p = cd::load_prices(spisector, o, report);
    EXPECT_EQ(p.days(), 2216u - 17u);
    EXPECT_EQ(p.instrument_count(), 10u);
    EXPECT_EQ(report.dropped_days.size(), 17u);
    EXPECT_EQ(report.dropped_days.front(), "2002-01-29");
    EXPECT_EQ(find_date(p, "2002-01-29"), p.days());
}

TEST(LoadPrices, SpisectorErrorPolicyPointsAtFirstGap) {
    cd::load_options o;
    o.missing = cd::missing_policy::error;
    try {
        cd::load_prices(spisector, o);
        FAIL() << "expected parse_error";
    } catch (const canary::parse_error& e) {
        EXPECT_EQ(e.line(), 523u);  // 2002-01-29
        EXPECT_EQ(e.column(), 3u);
        EXPECT_TRUE(contains(e.what(), "'BASI'")) << e.what();
    }
}

TEST(LoadPrices, ColumnSubsetKeepsRequestedOrder) {
    cd::load_options o;
    o.columns = {"TECH", "INDU"};
    cd::load_report report;
    const cd::price_panel p = cd::load_prices(spisector, o, report);
    ASSERT_EQ(p.instrument_count(), 2u);
    EXPECT_EQ(p.instruments[0], "TECH");
    EXPECT_EQ(p.instruments[1], "INDU");
    EXPECT_EQ(p.prices(1, 0), 983.18);
    EXPECT_EQ(p.prices(1, 1), 966.81);
    EXPECT_EQ(report.missing_values, 0u);  // SPI and BASI gaps are not in the selection
}

TEST(LoadPrices, UnknownColumnIsNamed) {
    cd::load_options o;
    o.columns = {"SPI", "NOPE"};
    try {
        cd::load_prices(spisector, o);
        FAIL();
    } catch (const canary::config_error& e) {
        EXPECT_TRUE(contains(e.what(), "'NOPE'")) << e.what();
    }
}

TEST(LoadPrices, OtherRealPanelsLoad) {
    const auto dj = cd::load_prices(std::string(CANARY_DATA_DIR) + "/rmetrics_dowjones30_daily_1990_2001.csv");
    EXPECT_EQ(dj.days(), 2529u);
    EXPECT_EQ(dj.instrument_count(), 30u);
    const auto swx = cd::load_prices(std::string(CANARY_DATA_DIR) + "/rmetrics_swx_daily_2000_2007.csv");
    EXPECT_EQ(swx.days(), 1917u);
    EXPECT_EQ(swx.instrument_count(), 6u);
}

TEST(LoadPrices, MissingFileIsIoError) {
    EXPECT_THROW(cd::load_prices("/nonexistent/prices.csv"), canary::io_error);
}

TEST(LoadPricesText, CrlfBomAndTrailingNewlines) {
    const std::string text = "\xEF\xBB\xBF" "date,A,B\r\n2020-01-01,1,2\r\n2020-01-02,1.5,2.5\r\n\r\n";
    const auto p = cd::load_prices_from_string(text);
    ASSERT_EQ(p.days(), 2u);
    EXPECT_EQ(p.dates[1], "2020-01-02");
    EXPECT_EQ(p.instruments[1], "B");
    EXPECT_EQ(p.prices(1, 1), 2.5);
    const auto q = cd::load_prices_from_string("date,A\n2020-01-01,1\n2020-01-02,2");  // no final newline
    EXPECT_EQ(q.prices(1, 0), 2.0);
}

TEST(LoadPricesText, QuotedFieldsAndPlusSign) {
    const auto p = cd::load_prices_from_string("\"date\",\"A\"\n\"2020-01-01\",\"1.5\"\n2020-01-02, +2 \n");
    EXPECT_EQ(p.instruments[0], "A");
    EXPECT_EQ(p.dates[0], "2020-01-01");
    EXPECT_EQ(p.prices(0, 0), 1.5);
    EXPECT_EQ(p.prices(1, 0), 2.0);
}

TEST(LoadPricesText, UnparsableNumber) {
    const auto e = parse_failure("date,SPI,BASI,INDU\n2020-01-01,1,2,3\n2020-01-02,1,2,abc\n");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 4u);
    EXPECT_EQ(std::string(e.what()), "prices.csv: line 3, column 4: 'abc' is not a number (column 'INDU')");
    EXPECT_EQ(e.file(), "prices.csv");
}

TEST(LoadPricesText, TrailingGarbageAfterNumber) {
    const auto e = parse_failure("date,A\n2020-01-01,1.5x\n2020-01-02,1\n");
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.column(), 2u);
    EXPECT_TRUE(contains(e.what(), "(column 'A')"));
}

TEST(LoadPricesText, NonPositiveAndNonFinitePrices) {
    auto e = parse_failure("date,A,B\n2020-01-01,1,0\n2020-01-02,1,1\n");
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.column(), 3u);
    EXPECT_TRUE(contains(e.what(), "not positive (column 'B')")) << e.what();
    e = parse_failure("date,A,B\n2020-01-01,1,1\n2020-01-02,-3,1\n");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 2u);
    EXPECT_TRUE(contains(e.what(), "(column 'A')"));
    e = parse_failure("date,A,B\n2020-01-01,1,1\n2020-01-02,1,inf\n");
    EXPECT_EQ(e.column(), 3u);
    EXPECT_TRUE(contains(e.what(), "(column 'B')"));
}

TEST(LoadPricesText, BadDates) {
    for (const char* bad : {"2020-1-02", "2020/01/02", "2020-13-01", "2021-02-29", "2020-04-31", "x"}) {
        const auto e = parse_failure(std::string("date,A\n2020-01-01,1\n") + bad + ",2\n");
        EXPECT_EQ(e.line(), 3u) << bad;
        EXPECT_EQ(e.column(), 1u) << bad;
        EXPECT_TRUE(contains(e.what(), "(column 'date')")) << e.what();
    }
    // 2020 is a leap year, so its 29 February is fine.
    EXPECT_EQ(cd::load_prices_from_string("date,A\n2020-02-28,1\n2020-02-29,2\n").days(), 2u);
}

TEST(LoadPricesText, DuplicateAndUnsortedDates) {
    auto e = parse_failure("date,A\n2020-01-01,1\n2020-01-02,1\n2020-01-02,1\n");
    EXPECT_EQ(e.line(), 4u);
    EXPECT_EQ(e.column(), 1u);
    EXPECT_TRUE(contains(e.what(), "duplicate date")) << e.what();
    EXPECT_TRUE(contains(e.what(), "line 3")) << e.what();
    e = parse_failure("date,A\n2020-01-03,1\n2020-01-02,1\n");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 1u);
    EXPECT_TRUE(contains(e.what(), "must ascend (column 'date')")) << e.what();
}

TEST(LoadPricesText, WrongFieldCount) {
    auto e = parse_failure("date,A,B\n2020-01-01,1,2\n2020-01-02,1\n");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 0u);
    EXPECT_TRUE(contains(e.what(), "expected 3 fields")) << e.what();
    e = parse_failure("date,A,B\n2020-01-01,1,2,3\n2020-01-02,1,2\n");
    EXPECT_EQ(e.line(), 2u);
    EXPECT_TRUE(contains(e.what(), "found 4")) << e.what();
    e = parse_failure("date,A\n2020-01-01,1\n\n2020-01-03,1\n");  // a hole inside the data
    EXPECT_EQ(e.line(), 3u);
}

TEST(LoadPricesText, HeaderProblems) {
    auto e = parse_failure("date,A,,B\n2020-01-01,1,2,3\n2020-01-02,1,2,3\n");
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.column(), 3u);
    EXPECT_TRUE(contains(e.what(), "empty column name"));
    e = parse_failure("date,A,B,A\n2020-01-01,1,2,3\n2020-01-02,1,2,3\n");
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.column(), 4u);
    EXPECT_TRUE(contains(e.what(), "duplicate column name 'A'")) << e.what();
    e = parse_failure("day,A\n2020-01-01,1\n2020-01-02,1\n");
    EXPECT_EQ(e.column(), 1u);
    e = parse_failure("");
    EXPECT_EQ(e.line(), 1u);
}

TEST(LoadPricesText, EntirelyEmptyColumn) {
    const auto e = parse_failure("date,A,B\n2020-01-01,1,\n2020-01-02,1,\n");
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.column(), 3u);
    EXPECT_TRUE(contains(e.what(), "the column is entirely empty (column 'B')")) << e.what();
}

TEST(LoadPricesText, TooFewRows) {
    cd::load_options o;
    o.min_rows = 3;
    const auto e = parse_failure("date,A\n2020-01-01,1\n2020-01-02,2\n", o);
    EXPECT_TRUE(contains(e.what(), "only 2 data rows, at least 3")) << e.what();
    EXPECT_THROW(cd::load_prices_from_string("date,A\n"), canary::parse_error);
}

TEST(LoadPricesText, ForwardFillLimitAndLeadingGap) {
    // A: one gap of 2 (filled); B: gap of 3 > limit 2 (dropped); C: missing on the first day (dropped).
    const std::string text =
        "date,A,B,C\n"
        "2020-01-01,1,10,\n"
        "2020-01-02,,11,5\n"
        "2020-01-03,,,5\n"
        "2020-01-06,4,,5\n"
        "2020-01-07,5,,5\n"
        "2020-01-08,6,12,5\n";
    cd::load_options o;
    o.forward_fill_limit = 2;
    cd::load_report report;
    const auto p = cd::load_prices_from_string(text, "gaps.csv", o, report);
    ASSERT_EQ(p.instrument_count(), 1u);
    EXPECT_EQ(p.instruments[0], "A");
    EXPECT_EQ(p.prices(1, 0), 1.0);
    EXPECT_EQ(p.prices(2, 0), 1.0);
    EXPECT_EQ(p.prices(3, 0), 4.0);
    EXPECT_EQ(report.missing_values, 6u);
    EXPECT_EQ(report.filled_values, 2u);
    ASSERT_EQ(report.dropped_instruments.size(), 2u);
    EXPECT_EQ(report.dropped_instruments[0].name, "B");
    EXPECT_TRUE(contains(report.dropped_instruments[0].reason, "gap of 3 days from 2020-01-03"));
    EXPECT_EQ(report.dropped_instruments[1].name, "C");
    EXPECT_TRUE(contains(report.dropped_instruments[1].reason, "missing at the start"));
    // With the limit raised to 3, B survives and is filled with 11.
    o.forward_fill_limit = 3;
    const auto q = cd::load_prices_from_string(text, "gaps.csv", o);
    ASSERT_EQ(q.instrument_count(), 2u);
    EXPECT_EQ(q.prices(4, 1), 11.0);
}

TEST(LoadPricesText, NothingLeftIsIoError) {
    cd::load_options o;
    o.missing = cd::missing_policy::drop_instrument;
    EXPECT_THROW(cd::load_prices_from_string("date,A\n2020-01-01,1\n2020-01-02,\n", "x.csv", o), canary::io_error);
    o.missing = cd::missing_policy::drop_day;
    EXPECT_THROW(cd::load_prices_from_string("date,A\n2020-01-01,1\n2020-01-02,\n", "x.csv", o), canary::io_error);
}

TEST(PricePanel, ColumnLookup) {
    const auto p = cd::load_prices_from_string("date,A,B\n2020-01-01,1,2\n2020-01-02,3,4\n");
    const auto b = p.column("B");
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b(1), 4.0);
    EXPECT_THROW(p.index_of("C"), canary::config_error);
}

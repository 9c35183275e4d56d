// End-to-end: runs `canary-risk credit` on a synthetic loan CSV (quoted fields, missing values, a
// yes/no target that needs --bad) and on the embedded German Credit data with few epochs, checks
// the output files, their columns and value ranges, and that bad input gives one clear error line.
#include <gtest/gtest.h>

#include "../support/program_run.hpp"
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "canary/core/rng.hpp"
#include "canary/io/csv.hpp"

namespace fs = std::filesystem;

namespace {

using canary_test::ProgramRun;
using canary_test::slurp;

/// A CSV file as header -> column of fields.
std::map<std::string, std::vector<std::string>> read_csv(const fs::path& p, std::vector<std::string>* header = nullptr) {
    const std::string text = slurp(p);
    canary::io::csv_reader reader(text, p.string());
    auto records = reader.read_all();
    std::map<std::string, std::vector<std::string>> cols;
    if (records.empty()) return cols;
    if (header) *header = records[0].fields;
    for (std::size_t r = 1; r < records.size(); ++r)
        for (std::size_t j = 0; j < records[0].fields.size() && j < records[r].fields.size(); ++j)
            cols[records[0].fields[j]].push_back(records[r].fields[j]);
    return cols;
}

/// 400 applicants: bad (target "yes") more likely with high utilisation and for renters.
std::string synthetic_loans() {
    canary::Rng rng(42);
    std::ostringstream s;
    s << "loan_id,utilisation,income,home,purpose,default\n";
    const char* homes[] = {"own", "rent", "mortgage"};
    for (int i = 0; i < 400; ++i) {
        const double u = rng.uniform(), income = 20000 + 60000 * rng.uniform();
        const std::size_t h = rng.below(3);
        const bool bad = rng.uniform() < 1 / (1 + std::exp(-(-2 + 3 * u + (h == 1 ? 0.8 : 0.0))));
        s << "L" << i << "," << u << "," << (i % 25 == 0 ? std::string("") : std::to_string(income)) << "," << homes[h] << ","
          << (i % 2 ? "\"car, used\"" : "\"home \"\"improvement\"\"\"") << "," << (bad ? "yes" : "no") << "\n";
    }
    return s.str();
}

class CreditCli : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(canary_test::canary_risk_program())) << "build canary-risk first; looked for " << canary_test::canary_risk_program();
        dir_ = fs::temp_directory_path() / ("canary_credit_e2e_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

void check_outputs(const fs::path& out) {
    std::vector<std::string> header;
    auto table = read_csv(out / "credit.csv", &header);
    EXPECT_EQ(header, (std::vector<std::string>{"model", "auroc_mean", "auroc_sd", "gini", "ks", "ap", "brier_calibrated",
                                                "delta_auroc_vs_scorecard", "p_value_vs_scorecard"}));
    const auto& models = table["model"];
    for (const char* m : {"scorecard", "mlp", "sdae", "sdae_reconstruction", "base_rate", "always_good"})
        EXPECT_NE(std::find(models.begin(), models.end(), m), models.end()) << m;
    for (std::size_t r = 0; r < models.size(); ++r) {
        const double auroc = std::stod(table["auroc_mean"][r]), brier = std::stod(table["brier_calibrated"][r]);
        const double ks = std::stod(table["ks"][r]);
        EXPECT_GE(auroc, 0.0) << models[r];
        EXPECT_LE(auroc, 1.0) << models[r];
        EXPECT_GE(brier, 0.0) << models[r];
        EXPECT_LE(brier, 1.0) << models[r];
        EXPECT_GE(ks, 0.0) << models[r];
        EXPECT_LE(ks, 1.0) << models[r];
        if (models[r] != "scorecard") {
            const double p = std::stod(table["p_value_vs_scorecard"][r]);
            EXPECT_GE(p, 0.0);
            EXPECT_LE(p, 1.0);
        }
    }
    std::vector<std::string> sc_header, reason_header;
    auto card = read_csv(out / "scorecard.csv", &sc_header);
    EXPECT_EQ(sc_header, (std::vector<std::string>{"attribute", "bin", "woe", "points", "coefficient"}));
    ASSERT_FALSE(card["attribute"].empty());
    EXPECT_EQ(card["attribute"][0], "(base points)");
    auto reasons = read_csv(out / "reasons.csv", &reason_header);
    EXPECT_EQ(reason_header, (std::vector<std::string>{"model", "line", "probability_bad", "rank", "attribute", "value",
                                                       "contribution", "unit"}));
    EXPECT_FALSE(reasons["model"].empty());
    for (const auto& c : reasons["contribution"]) EXPECT_GT(std::stod(c), 0.0);
    EXPECT_TRUE(fs::exists(out / "credit.md"));
    EXPECT_TRUE(fs::exists(out / "attributes.csv"));
    EXPECT_TRUE(fs::exists(out / "predictions.csv"));
}

}  // namespace

TEST_F(CreditCli, SyntheticLoansWithQuotedFieldsMissingValuesAndExplicitBadLabel) {
    const fs::path csv = dir_ / "loans.csv", out = dir_ / "out";
    std::ofstream(csv) << synthetic_loans();
    const auto r = canary_test::run_canary_risk("credit --data '" + csv.string() + "' --target default --bad yes --out '" + out.string() +
                           "' --seeds 1 --folds 2 --epochs 5 --patience 3 --models scorecard,mlp,sdae --no-plots",
                       dir_);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    check_outputs(out);
    const std::string md = slurp(out / "credit.md");
    EXPECT_NE(md.find("dropped 'loan_id'"), std::string::npos) << md;  // an identifier, not an attribute
    EXPECT_NE(md.find("'income' (numeric): 16 missing values"), std::string::npos) << md;
    // purpose: quoted labels with a comma and doubled quotes inside, read as one categorical attribute.
    EXPECT_NE(md.find("| purpose | categorical"), std::string::npos) << md;
}

TEST_F(CreditCli, GermanCreditDefaultsWithFewEpochs) {
    const fs::path out = dir_ / "out";
    const auto r = canary_test::run_canary_risk("credit --out '" + out.string() + "' --seeds 1 --folds 2 --epochs 5 --patience 3", dir_);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    check_outputs(out);
    EXPECT_TRUE(fs::exists(out / "plots" / "roc.gp"));  // scripts are written with or without gnuplot
    EXPECT_TRUE(fs::exists(out / "plots" / "ks.gp"));
    EXPECT_TRUE(fs::exists(out / "plots" / "reliability.gp"));
    auto table = read_csv(out / "credit.csv");
    // Deterministic: the same arguments give the same table.
    const auto again = canary_test::run_canary_risk("credit --out '" + (dir_ / "again").string() + "' --seeds 1 --folds 2 --epochs 5 --patience 3 --no-plots", dir_);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(slurp(out / "credit.csv"), slurp(dir_ / "again" / "credit.csv"));
    // The scorecard must find the well-known signal in German Credit (checking account, duration...).
    EXPECT_GT(std::stod(table["auroc_mean"][0]), 0.68);
    EXPECT_EQ(table["model"][0], "scorecard");
}

TEST_F(CreditCli, BadInputGivesOneErrorLine) {
    const fs::path csv = dir_ / "loans.csv";
    std::ofstream(csv) << synthetic_loans();
    auto r = canary_test::run_canary_risk("credit --data '" + csv.string() + "' --target default --out '" + (dir_ / "o").string() + "'", dir_);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("pass --bad LABEL"), std::string::npos) << r.err;
    r = canary_test::run_canary_risk("credit --data '" + csv.string() + "' --target nope --out '" + (dir_ / "o").string() + "'", dir_);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("target column 'nope' is not in the header"), std::string::npos) << r.err;

    // 12 bads cannot fill 5 folds' validation splits.
    std::string tiny = "x,default\n";
    for (int i = 0; i < 60; ++i) tiny += std::to_string(i) + "," + (i % 5 ? "no" : "yes") + "\n";
    std::ofstream(dir_ / "tiny.csv") << tiny;
    r = canary_test::run_canary_risk("credit --data '" + (dir_ / "tiny.csv").string() + "' --target default --bad yes --out '" + (dir_ / "o").string() + "'", dir_);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("too few for --folds 5"), std::string::npos) << r.err;

    std::string text = synthetic_loans();
    const std::size_t line5 = [&] {
        std::size_t p = 0;
        for (int i = 0; i < 4; ++i) p = text.find('\n', p) + 1;
        return p;
    }();
    text.insert(text.find(',', line5) + 1, "x");  // "x0.123" in the utilisation column of line 5
    std::ofstream(csv) << text;
    r = canary_test::run_canary_risk("credit --data '" + csv.string() + "' --target default --bad yes --out '" + (dir_ / "o").string() + "'", dir_);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("line 5, column"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("utilisation"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// End-to-end: `canary-risk study` on the embedded S&P 500 panel (small settings: two cheap models,
// two seeds, few epochs) and on a single-instrument market; checks the output contract (study.csv
// columns, crises.csv, one row per signal and episode), the honesty rows, that graph models are
// skipped with a message on one instrument, and that a bad crises file is one clear error.
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

namespace fs = std::filesystem;

namespace {

using canary_test::ProgramRun;
using canary_test::slurp;

std::vector<std::map<std::string, std::string>> read_csv(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header;
    std::stringstream hs(line);
    for (std::string f; std::getline(hs, f, ',');) header.push_back(f);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        std::map<std::string, std::string> row;
        std::stringstream ls(line);
        std::size_t k = 0;
        std::string f;
        while (std::getline(ls, f, ',')) row[header.at(k++)] = f;
        rows.push_back(row);
    }
    return rows;
}

class Study : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(canary_test::canary_risk_program())) << canary_test::canary_risk_program();
        dir_ = fs::temp_directory_path() / ("canary_study_e2e_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

}  // namespace

TEST_F(Study, ThreeCrisisPanelWritesTheContract) {
    const ProgramRun r = canary_test::run_canary_risk("study --index SP500 --models logistic,mlp --seeds 2 --epochs 3 --bootstrap 100 --jobs 2 "
                      "--no-plots --out '" + (dir_ / "out").string() + "'", dir_);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    const auto rows = read_csv(dir_ / "out" / "study.csv");
    ASSERT_FALSE(rows.empty());
    for (const char* column : {"signal", "episode", "seeds", "auroc_mean", "auroc_sd", "ap_mean", "brier_calibrated",
                               "delta_auroc_vs_logistic", "p_value_vs_logistic", "warned", "lead_days",
                               "false_alarms_per_year"})
        EXPECT_TRUE(rows[0].count(column)) << column;
    std::map<std::string, std::size_t> per_episode;
    bool saw_mlp_two_seeds = false, saw_always = false;
    for (const auto& row : rows) {
        ++per_episode[row.at("episode")];
        if (row.at("signal") == "mlp" && row.at("seeds") == "2") saw_mlp_two_seeds = true;
        if (row.at("signal") == "always-positive") {
            saw_always = true;
            EXPECT_EQ(row.at("auroc_mean"), row.at("episode") == "pooled" ? row.at("auroc_mean") : "0.5");
            // Always on pays for every calm day.
            if (!row.at("false_alarm_days_per_year").empty()) {
                EXPECT_NEAR(std::stod(row.at("false_alarm_days_per_year")), 252.0, 1e-6);
            }
        }
        if (!row.at("auroc_mean").empty()) {
            const double a = std::stod(row.at("auroc_mean"));
            EXPECT_GE(a, 0.0);
            EXPECT_LE(a, 1.0);
        }
    }
    EXPECT_TRUE(saw_mlp_two_seeds);
    EXPECT_TRUE(saw_always);
    EXPECT_TRUE(per_episode.count("pooled"));
    EXPECT_GE(per_episode.size(), 3u);  // at least two crises and the pooled row
    const std::string crises = slurp(dir_ / "out" / "crises.csv");
    EXPECT_EQ(crises.rfind("name,peak,trough,drawdown,test_start,test_end,train_days", 0), 0u) << crises;
    EXPECT_NE(crises.find("2020-02-19"), std::string::npos) << crises;  // COVID's peak on the S&P 500
    EXPECT_TRUE(fs::exists(dir_ / "out" / "study.md"));
}

TEST_F(Study, SingleInstrumentMarketRunsAndSkipsGraphModels) {
    const ProgramRun r = canary_test::run_canary_risk("study --data data/skfolio_sp500_index_daily_1990_2022.csv --models logistic,srr_snapshot_gnn "
                      "--seeds 1 --epochs 2 --bootstrap 50 --no-plots --out '" + (dir_ / "out").string() + "'", dir_);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("reference: the only instrument, SP500"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("[srr_snapshot_gnn] skipped"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(dir_ / "out" / "study.csv"));
}

TEST_F(Study, BadCrisesFileIsOneClearError) {
    std::ofstream(dir_ / "bad.csv") << "name,peak,trough\nX,2000-03-24,yesterday\n";
    const ProgramRun r = canary_test::run_canary_risk("study --index SP500 --models logistic --seeds 1 --crises '" + (dir_ / "bad.csv").string() +
                      "' --no-plots --out '" + (dir_ / "out").string() + "'", dir_);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("bad.csv: line 2, column 14"), std::string::npos) << r.err;
}

namespace {
/// The lines of `file` whose first field (the date) is at most `last`, header kept.
void truncate_csv(const fs::path& from, const fs::path& to, const std::string& last) {
    std::ifstream in(from);
    std::ofstream out(to);
    std::string line;
    std::getline(in, line);
    out << line << "\n";
    while (std::getline(in, line))
        if (line.substr(0, 10) <= last) out << line << "\n";
}

std::map<std::string, std::string> predictions_by_key(const fs::path& file) {
    std::map<std::string, std::string> out;
    for (const auto& row : read_csv(file))
        out[row.at("fold") + "|" + row.at("date") + "|" + row.at("signal")] =
            row.at("score") + "|" + row.at("calibrated") + "|" + row.at("alarm");
    return out;
}
}  // namespace

// No look-ahead across the protocols: cutting every price after the COVID trough changes no
// prediction, calibrated probability or alarm of any day both runs score (market features,
// scalers, indicators, graph window choice, thresholds and calibration all read the past only).
TEST_F(Study, CuttingTheFutureChangesNoPrediction) {
    const fs::path data = CANARY_DATA_DIR;
    truncate_csv(data / "skfolio_sp500_20stocks_daily_1990_2022.csv", dir_ / "stocks.csv", "2020-03-23");
    truncate_csv(data / "skfolio_sp500_index_daily_1990_2022.csv", dir_ / "index.csv", "2020-03-23");
    std::ofstream(dir_ / "covid.csv") << "name,peak,trough\nCOVID-19,2020-02-19,2020-03-23\n";
    for (const std::string protocol : {"crises", "walkforward"}) {
        const std::string common = " --index SP500 --protocol " + protocol + " --crises '" + (dir_ / "covid.csv").string() +
                                   "' --models " + (protocol == "crises" ? "logistic,mlp" : "logistic") +
                                   " --seeds 1 --epochs 2 --bootstrap 20 --no-plots --out ";
        const ProgramRun full = canary_test::run_canary_risk("study" + common + "'" + (dir_ / "full").string() + "'", dir_);
        ASSERT_EQ(full.code, 0) << full.err;
        const ProgramRun cut = canary_test::run_canary_risk("study --data '" + (dir_ / "stocks.csv").string() + "," + (dir_ / "index.csv").string() + "'" +
                                common + "'" + (dir_ / "cut").string() + "'", dir_);
        ASSERT_EQ(cut.code, 0) << cut.err;
        const auto a = predictions_by_key(dir_ / "full" / "predictions.csv");
        const auto b = predictions_by_key(dir_ / "cut" / "predictions.csv");
        std::size_t shared = 0;
        for (const auto& [key, value] : b) {
            const auto it = a.find(key);
            if (it == a.end()) continue;
            ++shared;
            // Equal up to rounding: a covariance over a window of a shorter returns matrix may be
            // summed in another order (observed: one value in the 10th digit), never more.
            auto fields = [](const std::string& v) {
                std::vector<std::string> f;
                std::stringstream ss(v);
                for (std::string x; std::getline(ss, x, '|');) f.push_back(x);
                while (f.size() < 3) f.push_back("");
                return f;
            };
            const auto x = fields(it->second), y = fields(value);
            for (std::size_t k = 0; k < 2; ++k) {
                if (x[k].empty() || y[k].empty()) {
                    EXPECT_EQ(x[k], y[k]) << protocol << " " << key;
                    continue;
                }
                const double u = std::stod(x[k]), w = std::stod(y[k]);
                EXPECT_NEAR(u, w, 1e-8 * std::max(1.0, std::abs(u))) << protocol << " " << key;
            }
            EXPECT_EQ(x[2], y[2]) << protocol << " " << key;  // the alarm
        }
        EXPECT_GT(shared, 200u) << protocol;
    }
}

// A market without an evaluable crisis (the Dow Jones 30 of 1990-2000 never fell 20%) falls back to
// walk-forward and still writes its tables; one whose label has no positive day says so and how to
// change the label, in one error line.
TEST_F(Study, MarketWithoutACrisisFallsBackToWalkForward) {
    ProgramRun r = canary_test::run_canary_risk("study --data data/rmetrics_dowjones30_daily_1990_2001.csv --models logistic "
                                                "--seeds 1 --bootstrap 50 --no-plots --out '" + (dir_ / "dj").string() + "'", dir_);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("falling back to --protocol walkforward"), std::string::npos) << r.out;
    EXPECT_NE(slurp(dir_ / "dj" / "study.md").find("Protocol: **walkforward**"), std::string::npos);
    r = canary_test::run_canary_risk("study --data data/rmetrics_swx_daily_2000_2007.csv --models logistic --seeds 1 "
                                     "--no-plots --out '" + (dir_ / "swx").string() + "'", dir_);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("0 of 1808 labelled days are crash-ahead days"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("smaller --drawdown"), std::string::npos) << r.err;
}

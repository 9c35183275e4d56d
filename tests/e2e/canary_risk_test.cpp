// End-to-end: runs the built canary-risk program on a synthetic CSV and on the embedded SPISECTOR
// data (2 epochs), checks its output files and the honesty rows, that --config repeats a run
// exactly, and that bad input gives one clear error line and a non-zero exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "canary/core/rng.hpp"

namespace fs = std::filesystem;

namespace {

// The program sits in <build>/tools/, this test in <build>/tests/; CANARY_RISK overrides.
fs::path program() {
    if (const char* env = std::getenv("CANARY_RISK")) return env;
    return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" / "canary-risk";
}

struct ProgramRun {
    int code = -1;
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

ProgramRun run(const std::string& arguments, const fs::path& scratch) {
    const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
    const std::string command = "'" + program().string() + "' " + arguments + " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    ProgramRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

class CanaryRisk : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(program())) << "build canary-risk first (cmake --build build --target canary-risk); looked for "
                                           << program();
        dir_ = fs::temp_directory_path() / ("canary_risk_e2e_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

// 900 days of 4 random walks sharing a market factor, with a 15% crash every 120 days, so that
// training, validation and test each contain crash-ahead days.
fs::path write_synthetic_csv(const fs::path& dir) {
    canary::Rng rng(42);
    std::ostringstream csv;
    csv << "date,A,B,C,D\n";
    double level[4] = {100, 80, 120, 60};
    for (int t = 0; t < 900; ++t) {
        const int year = 2001 + t / 300, day = t % 300;
        char date[16];
        std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, 1 + day / 25, 1 + day % 25);
        const bool crashing = t % 120 >= 100 && t % 120 < 108;
        const double market = (crashing ? -0.02 : 0.0005) + 0.008 * rng.normal();
        csv << date;
        for (double& p : level) {
            p *= std::exp(market + 0.006 * rng.normal());
            csv << "," << p;
        }
        csv << "\n";
    }
    const fs::path path = dir / "synthetic.csv";
    std::ofstream(path) << csv.str();
    return path;
}

void expect_outputs(const fs::path& out) {
    for (const char* f : {"table.md", "table.csv", "predictions.csv", "lead_times.csv", "config.json",
                          "permutation_importance.csv", "logistic.safetensors"})
        EXPECT_TRUE(fs::exists(out / f)) << f;
    const std::string table = slurp(out / "table.md");
    for (const char* row : {"| logistic |", "| base-rate |", "| always-positive |", "| turbulence |", "| absorption-ratio |"})
        EXPECT_NE(table.find(row), std::string::npos) << row << " missing from\n" << table;
    EXPECT_NE(table.find("95% CI"), std::string::npos);
    EXPECT_NE(slurp(out / "table.csv").find("auroc_lo,auroc_hi"), std::string::npos);
}

int line_count(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

TEST_F(CanaryRisk, SyntheticCsvRunsEndToEnd) {
    const fs::path csv = write_synthetic_csv(dir_);
    const fs::path out = dir_ / "out";
    // --models mlp only: logistic regression must still appear, as an honesty row.
    const ProgramRun r = run("compare --data '" + csv.string() + "' --index '' --models mlp --epochs 2 --bootstrap 50 "
                      "--indicator-window 60 --out '" + out.string() + "'",
                      dir_);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    expect_outputs(out);
    EXPECT_NE(slurp(out / "table.md").find("| logistic | honesty |"), std::string::npos);
    EXPECT_TRUE(fs::exists(out / "mlp.safetensors"));
    EXPECT_TRUE(fs::exists(out / "saliency_mlp.csv"));
    EXPECT_TRUE(fs::exists(out / "plots" / "timeline.gp"));  // scripts are written with or without gnuplot
    EXPECT_TRUE(fs::exists(out / "plots" / "roc.dat"));
    if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
        EXPECT_GT(fs::file_size(out / "plots" / "timeline.png"), 1000u);
        EXPECT_TRUE(fs::exists(out / "plots" / "saliency_mlp.png"));
    }
    EXPECT_NE(r.out.find("epoch 2/2"), std::string::npos);  // the progress line per epoch
}

TEST_F(CanaryRisk, SpisectorTwoEpochsAndConfigRepeatsTheRun) {
    const fs::path out = dir_ / "out", again = dir_ / "again";
    const ProgramRun r = run(std::string("compare --data '") + CANARY_DATA_DIR + "/rmetrics_spisector_daily_1999_2008.csv' --index SPI "
                      "--models logistic,mlp,cnn_classifier,srr_snapshot_gnn --epochs 2 --bootstrap 50 --threshold usefulness --mu 0.7 --no-plots --out '" + out.string() + "'",
                      dir_);
    ASSERT_EQ(r.code, 0) << r.err;
    expect_outputs(out);
    EXPECT_FALSE(fs::exists(out / "plots"));
    const std::string config = slurp(out / "config.json");
    EXPECT_NE(config.find("\"threshold\": \"usefulness\""), std::string::npos) << config;
    EXPECT_NE(config.find("\"seed\": 7"), std::string::npos);
    const ProgramRun rerun = run("compare --config '" + (out / "config.json").string() + "' --out '" + again.string() + "'", dir_);
    ASSERT_EQ(rerun.code, 0) << rerun.err;
    EXPECT_EQ(slurp(out / "predictions.csv"), slurp(again / "predictions.csv"));
    EXPECT_EQ(slurp(out / "table.csv"), slurp(again / "table.csv"));
}

TEST_F(CanaryRisk, BadInputGivesOneClearErrorLine) {
    struct Case {
        std::string arguments, message;
    };
    const std::string data = std::string(" --data '") + CANARY_DATA_DIR + "/rmetrics_spisector_daily_1999_2008.csv'";
    for (const Case& c : {Case{"compare --data /no/such/prices.csv", "no such data file"},
                          Case{"compare --models logistic,cnn" + data, "unknown model 'cnn'"},
                          Case{"compare --bogus 3" + data, "--bogus"},
                          Case{"compare --threshold best_on_test" + data, "unknown threshold rule"},
                          Case{"compare --mu 2" + data, "--mu"},
                          Case{"compare --config /no/such/config.json", "cannot open configuration file"},
                          Case{"", "subcommand"}}) {
        const ProgramRun r = run(c.arguments + " --out '" + (dir_ / "bad").string() + "'", dir_);
        EXPECT_NE(r.code, 0) << c.arguments;
        EXPECT_EQ(line_count(r.err), 1) << c.arguments << ":\n" << r.err;
        EXPECT_NE(r.err.find("canary-risk: "), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.arguments << ":\n" << r.err;
    }
}

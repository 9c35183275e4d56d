// canary::dist without MPI (or as one process): the job scheduler's ordering, saving, resuming and
// failure reporting, shard boundaries, and the one-process data-parallel trainer equalling
// fit_binary bit for bit. The multi-process behaviour is tested under mpiexec in tests/mpi/.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "canary/dist/bytes.hpp"
#include "canary/dist/data_parallel.hpp"
#include "canary/dist/job_scheduler.hpp"
#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/model/model.hpp"

namespace {

using namespace canary;
using canary::index;  // not strings.h's index()
namespace fs = std::filesystem;

std::string result_of(std::size_t i) { return "job " + std::to_string(i) + std::string(i % 3, '\0') + "|" + std::to_string(i * i); }

struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("canary-jobs-" + std::to_string(rd()) + std::to_string(rd()));
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

TEST(JobScheduler, ReturnsEveryResultInJobOrder) {
    const auto results = dist::run_jobs(7, result_of);
    ASSERT_EQ(results.size(), 7u);
    for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(results[i], result_of(i)) << i;
    EXPECT_TRUE(dist::run_jobs(0, result_of).empty());
}

TEST(JobScheduler, AFailedRunSavesFinishedJobsAndTheRerunComputesOnlyTheMissingOnes) {
    TempDir dir;
    dist::JobOptions o;
    o.resume_directory = dir.path;
    std::vector<std::size_t> computed;
    auto failing = [&](std::size_t i) -> std::string {
        if (i == 4) throw numeric_error("loss is NaN at step 3");
        computed.push_back(i);
        return result_of(i);
    };
    try {
        dist::run_jobs(9, failing, {}, o);
        FAIL() << "the failing job must end the run";
    } catch (const dist::job_error& e) {
        EXPECT_EQ(e.job(), 4u);
        EXPECT_EQ(e.key(), "job-000004");
        EXPECT_NE(std::string(e.what()).find("job 4 (job-000004) failed on rank 0: loss is NaN at step 3"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(computed, (std::vector<std::size_t>{0, 1, 2, 3}));
    for (std::size_t i = 0; i < 4; ++i) EXPECT_TRUE(fs::exists(dir.path / ("job-00000" + std::to_string(i) + ".result")));
    EXPECT_FALSE(fs::exists(dir.path / "job-000004.result"));

    computed.clear();
    const auto results = dist::run_jobs(9, [&](std::size_t i) { computed.push_back(i); return result_of(i); }, {}, o);
    EXPECT_EQ(computed, (std::vector<std::size_t>{4, 5, 6, 7, 8}));
    ASSERT_EQ(results.size(), 9u);
    for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(results[i], result_of(i)) << "bytes of job " << i;

    computed.clear();
    EXPECT_EQ(dist::run_jobs(9, [&](std::size_t i) { computed.push_back(i); return result_of(i); }, {}, o), results);
    EXPECT_TRUE(computed.empty()) << "a complete directory recomputes nothing";
    for (const auto& entry : fs::directory_iterator(dir.path))
        EXPECT_EQ(entry.path().extension(), ".result") << "no temporary left behind: " << entry.path();
}

TEST(JobScheduler, KeysNameFilesAndErrorsAndMustBeFileNames) {
    TempDir dir;
    dist::JobOptions o;
    o.resume_directory = dir.path;
    o.job_key = [](std::size_t i) { return "dow-2008-seed" + std::to_string(i); };
    try {
        dist::run_jobs(3, [](std::size_t i) -> std::string { if (i == 2) throw config_error("bad window"); return "r"; }, {}, o);
        FAIL();
    } catch (const dist::job_error& e) {
        EXPECT_EQ(e.key(), "dow-2008-seed2");
    }
    EXPECT_TRUE(fs::exists(dir.path / "dow-2008-seed1.result"));
    o.job_key = [](std::size_t) { return std::string("../escape"); };
    EXPECT_THROW(dist::run_jobs(1, result_of, {}, o), config_error);
    o.job_key = [](std::size_t i) { return "seed" + std::to_string(i % 2); };
    EXPECT_THROW(dist::run_jobs(3, result_of, {}, o), config_error) << "two jobs may not share a result file";
}

TEST(Environment, WithoutMpiIsOneProcess) {
    int argc = 1;
    char name[] = "test";
    char* args[] = {name, nullptr};
    char** argv = args;
    const dist::Environment env(argc, argv);
    EXPECT_EQ(env.world().size(), 1);
    EXPECT_EQ(env.world().rank(), 0);
    EXPECT_FALSE(env.world().uses_mpi());
    double x[2] = {1.5, -2};
    env.world().sum(x, 2, dist::reduction::rank_ordered);  // one process: the sum over ranks is itself
    EXPECT_EQ(x[0], 1.5);
    EXPECT_EQ(x[1], -2);
}

TEST(Bytes, RoundTripExactlyAndRejectTruncation) {
    const std::vector<double> scores{0.1, 1.0 / 3.0, -0.0, 5e-324, std::numeric_limits<double>::infinity()};
    dist::byte_writer w;
    w.put_string("skipped: only one class");
    w.put_doubles(scores);
    w.put_doubles({});
    w.put_double(std::nan(""));
    w.put_u64(42);
    const std::string bytes = std::move(w).str();
    dist::byte_reader r(bytes, "job-000003.result");
    EXPECT_EQ(r.get_string(), "skipped: only one class");
    const std::vector<double> back = r.get_doubles();
    ASSERT_EQ(back.size(), scores.size());
    EXPECT_EQ(std::memcmp(back.data(), scores.data(), scores.size() * sizeof(double)), 0) << "bit for bit";
    EXPECT_TRUE(r.get_doubles().empty());
    EXPECT_TRUE(std::isnan(r.get_double()));
    EXPECT_EQ(r.get_u64(), 42u);
    EXPECT_NO_THROW(r.expect_end());

    dist::byte_reader cut(std::string_view(bytes).substr(0, 40), "job-000003.result");
    cut.get_string();
    try {
        cut.get_doubles();
        FAIL() << "a truncated list must throw";
    } catch (const io_error& e) {
        EXPECT_EQ(e.file(), "job-000003.result");
        EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
    dist::byte_reader extra(bytes, "x");
    extra.get_string();
    EXPECT_THROW(extra.expect_end(), io_error);
}

TEST(Shards, AreContiguousInRankOrderAndCoverTheBatch) {
    for (index total : {0, 1, 5, 32, 33}) {
        for (int ranks : {1, 2, 3, 7}) {
            index next = 0;
            for (int r = 0; r < ranks; ++r) {
                const dist::shard s = dist::shard_of(total, r, ranks);
                EXPECT_EQ(s.begin, next);
                EXPECT_LE(s.count, total / ranks + 1);
                EXPECT_GE(s.count, total / ranks);
                next += s.count;
            }
            EXPECT_EQ(next, total);
        }
    }
    EXPECT_EQ(dist::shard_of(32, 2, 3).begin, 22);
    EXPECT_EQ(dist::shard_of(32, 2, 3).count, 10);
}

using Net = Sequential<Dense<5, 12>, Tanh, Dense<12, 1>>;

TEST(DataParallel, OneProcessEqualsFitBinaryBitForBit) {
    Rng rng(11);
    const index n = 75, f = 5;
    std::vector<double> x(static_cast<std::size_t>(n * f)), y(static_cast<std::size_t>(n));
    for (auto& v : x) v = rng.normal();
    for (index i = 0; i < n; ++i) y[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(i * f)] + 0.3 * rng.normal() > 0 ? 1 : 0;
    const BinaryDataset<double> all(x, y, Shape{f});
    const BinaryDataset<double> train = all.rows(0, 60), validation = all.rows(60, 15);
    FitOptions o;
    o.max_epochs = 6;
    o.batch_size = 16;
    o.learning_rate = 0.01;
    o.seed = 5;
    Model<Net, double> reference(3), parallel(3);
    const FitHistory a = fit_binary(reference, train, validation, o);
    const FitHistory b = dist::fit_binary_data_parallel(parallel, train, validation, o, dist::Communicator{});
    EXPECT_EQ(a.train_loss, b.train_loss);
    EXPECT_EQ(a.best_epoch, b.best_epoch);
    for (index i = 0; i < Net::param_count; ++i) ASSERT_EQ(reference.parameters()[i], parallel.parameters()[i]) << i;
    Model<Net, double> fresh(3);
    double moved = 0;
    for (index i = 0; i < Net::param_count; ++i) moved = std::max(moved, std::abs(fresh.parameters()[i] - parallel.parameters()[i]));
    EXPECT_GT(moved, 1e-3) << "training must change the weights";
}

}  // namespace

// canary::dist::run_jobs across processes (run by ctest at 1, 2 and 3 ranks): the same results in
// the same order as one process, every job computed exactly once, and a failed run resumed with
// only the missing jobs recomputed.
#include <gtest/gtest.h>
#include <mpi.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "canary/dist/job_scheduler.hpp"
#include "mpi_gtest_main.hpp"

namespace {

using namespace canary;
namespace fs = std::filesystem;

std::string result_of(std::size_t i) {
    std::string bytes = "job " + std::to_string(i) + ":";
    for (std::size_t k = 0; k < 50 + 400 * (i % 4); ++k) bytes.push_back(static_cast<char>((i * 31 + k * 7) % 256));
    return bytes;
}

int sum_over_ranks(int value) {
    int total = 0;
    MPI_Allreduce(&value, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return total;
}

/// A fresh directory named by rank 0, the same path on every rank (one node: a shared file system).
fs::path shared_temp_dir() {
    char name[256] = {};
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        std::random_device rd;
        const std::string p = (fs::temp_directory_path() / ("canary-mpi-jobs-" + std::to_string(rd()) + std::to_string(rd()))).string();
        p.copy(name, sizeof(name) - 1);
    }
    MPI_Bcast(name, sizeof(name), MPI_CHAR, 0, MPI_COMM_WORLD);
    return fs::path(name);
}

TEST(RunJobs, SameResultsInJobOrderEachJobComputedOnce) {
    const dist::Communicator comm(MPI_COMM_WORLD);
    const std::size_t count = 23;
    int computed_here = 0;
    const auto results = dist::run_jobs(count, [&](std::size_t i) {
        ++computed_here;
        std::this_thread::sleep_for(std::chrono::milliseconds(2 + static_cast<int>(i % 5)));  // uneven jobs
        return result_of(i);
    }, comm);
    EXPECT_EQ(sum_over_ranks(computed_here), static_cast<int>(count));
    if (comm.is_root()) {
        ASSERT_EQ(results.size(), count);
        for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(results[i], result_of(i)) << "job " << i;
    } else {
        EXPECT_TRUE(results.empty());
        EXPECT_GT(computed_here, 0) << "every worker rank takes part";
    }
}

TEST(RunJobs, FailedRunSavesWhatFinishedAndResumeComputesOnlyTheRest) {
    const dist::Communicator comm(MPI_COMM_WORLD);
    const fs::path dir = shared_temp_dir();
    dist::JobOptions o;
    o.resume_directory = dir;
    const std::size_t count = 17, bad = 9;
    int computed_here = 0;
    try {
        dist::run_jobs(count, [&](std::size_t i) -> std::string {
            std::this_thread::sleep_for(std::chrono::milliseconds(3));
            if (i == bad) throw numeric_error("loss is NaN at step 12");
            ++computed_here;
            return result_of(i);
        }, comm, o);
        ADD_FAILURE() << "the failing job must end the run on every rank";
    } catch (const dist::job_error& e) {
        EXPECT_EQ(e.job(), bad);
        EXPECT_EQ(e.key(), "job-000009");
        EXPECT_NE(std::string(e.what()).find("loss is NaN at step 12"), std::string::npos) << e.what();
    }
    const int first_run = sum_over_ranks(computed_here);
    MPI_Barrier(MPI_COMM_WORLD);
    int saved = 0;
    if (comm.is_root()) {
        for (std::size_t i = 0; i < count; ++i) saved += fs::exists(dist::detail::result_path(o, dist::detail::default_job_key(i)));
        EXPECT_EQ(saved, first_run) << "every finished job is saved, none more";
        EXPECT_FALSE(fs::exists(dist::detail::result_path(o, "job-000009")));
        EXPECT_LT(saved, static_cast<int>(count));
    }
    MPI_Bcast(&saved, 1, MPI_INT, 0, MPI_COMM_WORLD);

    int recomputed_saved_job = 0;
    computed_here = 0;
    const auto results = dist::run_jobs(count, [&](std::size_t i) {
        ++computed_here;
        recomputed_saved_job += fs::exists(dist::detail::result_path(o, dist::detail::default_job_key(i)));
        return result_of(i);
    }, comm, o);
    EXPECT_EQ(sum_over_ranks(recomputed_saved_job), 0);
    EXPECT_EQ(sum_over_ranks(computed_here), static_cast<int>(count) - saved);
    if (comm.is_root()) {
        ASSERT_EQ(results.size(), count);
        for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(results[i], result_of(i)) << "job " << i;
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

TEST(RunJobs, AJobThatThrowsOnAWorkerIsNamedWithItsRankOnEveryRank) {
    const dist::Communicator comm(MPI_COMM_WORLD);
    const int culprit = comm.size() - 1;
    try {
        dist::run_jobs(12, [&](std::size_t i) -> std::string {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            if (comm.rank() == culprit) throw config_error("window of job " + std::to_string(i) + " too short");
            return result_of(i);
        }, comm);
        ADD_FAILURE() << "no job_error";
    } catch (const dist::job_error& e) {
        EXPECT_EQ(e.rank(), culprit);
        EXPECT_NE(std::string(e.what()).find("window of job " + std::to_string(e.job()) + " too short"), std::string::npos)
            << e.what();
    }
}

}  // namespace

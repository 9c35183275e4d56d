#pragma once
// main() for the MPI tests: MPI_Init_thread (FUNNELED, so rank 0 of the job scheduler may compute
// on a thread of its own), gtest on every rank (only rank 0 prints), and a non-zero exit status
// on every rank when any rank failed a test.
#include <gtest/gtest.h>
#include <mpi.h>

int main(int argc, char** argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    ::testing::InitGoogleTest(&argc, argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank != 0) {
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        delete listeners.Release(listeners.default_result_printer());
    }
    int failed = RUN_ALL_TESTS() != 0 ? 1 : 0, any_failed = 0;
    MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any_failed && failed) std::fprintf(stderr, "rank %d: some tests failed\n", rank);
    MPI_Finalize();
    return any_failed;
}

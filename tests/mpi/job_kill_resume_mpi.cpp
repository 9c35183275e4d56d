// A study killed mid-way and rerun recomputes only the missing jobs, with the same bytes:
//   job_kill_resume_mpi kill <dir> <rank>   rank <rank> dies (_exit, as under kill -9) in its third
//                                           job; mpiexec ends the run with an error (rank 0, the
//                                           master: at once; a worker: once the others are done)
//   job_kill_resume_mpi resume <dir>  the rerun: every job result present and right, and no job
//                                     whose result was saved by the killed run computed again
// Run in this order by tests/mpi/kill_resume.cmake (ctest job_kill_resume_np3).
#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "canary/dist/job_scheduler.hpp"

namespace fs = std::filesystem;

static std::string result_of(std::size_t i) {
    std::string bytes = "cell " + std::to_string(i) + "\n";
    for (std::size_t k = 0; k < 100 + 37 * i; ++k) bytes.push_back(static_cast<char>((i * 13 + k * 5) % 256));
    return bytes;
}

int main(int argc, char** argv) {
    const canary::dist::Environment mpi(argc, argv);  // MPI_Init_thread(FUNNELED) ... MPI_Finalize
    if (argc < 3) {
        std::fprintf(stderr, "usage: job_kill_resume_mpi kill <dir> <rank> | resume <dir>\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const std::string mode = argv[1];
    const canary::dist::Communicator& comm = mpi.world();
    canary::dist::JobOptions options;
    options.resume_directory = argv[2];
    options.job_key = [](std::size_t i) { return "cell-" + std::to_string(i); };
    const std::size_t count = 24;
    int status = 0;
    if (mode == "kill") {
        const int victim = argc > 3 ? std::atoi(argv[3]) : 0;
        int started = 0;
        canary::dist::run_jobs(count, [&](std::size_t i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (comm.rank() == victim && ++started == 3) _exit(9);
            return result_of(i);
        }, comm, options);
        std::fprintf(stderr, "kill: the run finished, but a rank should have died\n");
        status = 1;
    } else {
        int computed = 0, recomputed = 0;
        const auto results = canary::dist::run_jobs(count, [&](std::size_t i) {
            ++computed;
            recomputed += fs::exists(fs::path(argv[2]) / ("cell-" + std::to_string(i) + ".result"));
            return result_of(i);
        }, comm, options);
        int total_computed = 0, total_recomputed = 0;
        MPI_Reduce(&computed, &total_computed, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(&recomputed, &total_recomputed, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
        if (comm.is_root()) {
            std::printf("resume: %d of %zu jobs computed again, %d of them already saved\n", total_computed, count,
                        total_recomputed);
            if (total_recomputed != 0 || total_computed == 0 || total_computed == static_cast<int>(count)) status = 1;
            for (std::size_t i = 0; i < count; ++i) {
                std::ifstream in(fs::path(argv[2]) / ("cell-" + std::to_string(i) + ".result"), std::ios::binary);
                std::ostringstream saved;
                saved << in.rdbuf();
                if (results[i] != result_of(i) || saved.str() != result_of(i)) {
                    std::fprintf(stderr, "resume: job %zu has different bytes\n", i);
                    status = 1;
                }
            }
        }
        MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    return status;
}

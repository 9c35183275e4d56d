#pragma once
// Dynamic scheduling of independent jobs (e.g. the trainings of a study: market x crisis x seed x
// model) over the ranks of a Communicator, with results saved as they finish so that a killed run
// can resume (docs/distributed.md).
//
//   std::vector<std::string> results = dist::run_jobs(count, job, comm, options);
//
// job(i) computes job i and returns its result as a byte string. On rank 0 run_jobs returns the
// results of all jobs in job order (index i holds job i's bytes), whatever rank computed them and
// in whatever order they finished; on the other ranks it returns an empty vector. Jobs must be
// deterministic functions of their index (a job's seed comes from its index, never from the rank
// or the time), which makes the results, and anything written from them, the same at any rank
// count.
//
// Protocol. Rank 0 is the master and also a worker: its main thread answers requests while one
// more thread of its own computes jobs. Every other rank asks rank 0 for a job, computes it, and
// sends back the result together with the request for the next one ("dynamic scheduling": a fast
// rank simply asks more often). Jobs are handed out in ascending index order. Rank 0 alone writes
// result files and reads them back on resume, so the workers need no shared file system. Waiting
// ranks poll with short sleeps instead of blocking in MPI (Open MPI's blocking calls spin a core,
// which would slow down the ranks that compute on an oversubscribed node). Rank 0 works only when
// MPI was initialised with at least MPI_THREAD_FUNNELED (MPI_Init_thread); otherwise it is a pure
// master and K ranks give K - 1 workers.
//
// Resume. With options.resume_directory set, each finished job's result is written there
// atomically (canary::io::atomic_write: temporary, fsync, rename, fsync folder) as soon as rank 0 receives it, as
// <key>.result with key = options.job_key(i) ("job-000017" by default). A job whose file exists is
// not recomputed: its bytes are read back. So a run killed at any moment, rerun with the same
// directory, recomputes only the jobs that had not finished.
//
// Failure. A job that throws stops the hand-out of new jobs; the jobs already running finish and
// are saved; then run_jobs throws dist::job_error naming the job (index, key, rank, message) on
// every rank. A rerun with the same resume directory retries only the missing jobs.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/dist/communicator.hpp"
#include "canary/io/text_file.hpp"

namespace canary::dist {

/// A job of run_jobs threw (or its result could not be saved).
class job_error : public error {
public:
    job_error(std::size_t job, std::string key, int rank, const std::string& what)
        : error("job " + std::to_string(job) + " (" + key + ") failed on rank " + std::to_string(rank) + ": " + what),
          job_(job), key_(std::move(key)), rank_(rank) {}
    std::size_t job() const noexcept { return job_; }
    const std::string& key() const noexcept { return key_; }
    int rank() const noexcept { return rank_; }

private:
    std::size_t job_;
    std::string key_;
    int rank_;
};

struct JobOptions {
    /// Where finished results are saved and looked up (created if missing); empty: no saving.
    std::filesystem::path resume_directory;
    /// A stable, file-name-safe name of job i ([A-Za-z0-9._-]+), used for its result file and in
    /// error messages. Name jobs by what they are (e.g. "dow-2008-seed3-srr") when the job list can
    /// change between runs, so that a resumed result is never attached to a different job.
    std::function<std::string(std::size_t)> job_key;
    std::ostream* log = nullptr;  ///< one line per finished job (rank 0) when set
};

namespace detail {

inline std::string default_job_key(std::size_t i) {
    std::ostringstream os;
    os << "job-" << std::setw(6) << std::setfill('0') << i;
    return os.str();
}

inline std::string checked_key(const JobOptions& o, std::size_t i) {
    std::string key = o.job_key ? o.job_key(i) : default_job_key(i);
    const bool safe = !key.empty() && key != "." && key != ".." &&
                      std::all_of(key.begin(), key.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                 c == '.' || c == '_' || c == '-';
                      });
    if (!safe) throw config_error("run_jobs: job " + std::to_string(i) + " has key '" + key +
                                  "'; a key must be a non-empty file name of letters, digits, '.', '_' and '-'");
    return key;
}

inline std::filesystem::path result_path(const JobOptions& o, const std::string& key) {
    return o.resume_directory / (key + ".result");
}

inline std::optional<std::string> read_saved(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path.string(), "cannot open saved job result");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) throw io_error(path.string(), "cannot read saved job result");
    return bytes.str();
}

/// Rank 0's bookkeeping: which jobs are left, the results, the first failure.
struct JobTable {
    const JobOptions& options;
    std::vector<std::string> keys;
    std::vector<std::string> results;
    std::vector<char> done;
    std::vector<std::size_t> pending;  // jobs still to compute, ascending
    std::size_t next = 0;              // position in pending of the next job to hand out
    std::optional<job_error> failure;

    JobTable(std::size_t count, const JobOptions& o) : options(o), results(count), done(count, 0) {
        keys.reserve(count);
        std::unordered_map<std::string, std::size_t> seen;
        for (std::size_t i = 0; i < count; ++i) {
            keys.push_back(checked_key(o, i));
            const auto [at, fresh] = seen.emplace(keys.back(), i);
            if (!fresh)
                throw config_error("run_jobs: jobs " + std::to_string(at->second) + " and " + std::to_string(i) +
                                   " have the same key '" + keys.back() + "'; each job needs its own result file");
        }
        if (!o.resume_directory.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(o.resume_directory, ec);
            if (ec) throw io_error(o.resume_directory.string(), "cannot create the resume directory: " + ec.message());
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (!o.resume_directory.empty())
                if (auto saved = read_saved(result_path(o, keys[i]))) {
                    results[i] = std::move(*saved);
                    done[i] = 1;
                    continue;
                }
            pending.push_back(i);
        }
        if (o.log && pending.size() < count)
            *o.log << "  run_jobs: " << (count - pending.size()) << " of " << count << " jobs resumed from "
                   << o.resume_directory.string() << "\n";
    }
    /// The next job to compute, or nothing when all are handed out or a job has failed.
    std::optional<std::size_t> take() {
        if (failure || next >= pending.size()) return std::nullopt;
        return pending[next++];
    }
    void finish(std::size_t job, int rank, bool ok, std::string bytes) {
        if (!ok) {
            if (!failure) failure.emplace(job, keys[job], rank, bytes);
            return;
        }
        try {
            if (!options.resume_directory.empty()) io::atomic_write(result_path(options, keys[job]), bytes);
        } catch (const std::exception& e) {
            if (!failure) failure.emplace(job, keys[job], rank, std::string("result not saved: ") + e.what());
            return;
        }
        results[job] = std::move(bytes);
        done[job] = 1;
        if (options.log) *options.log << "  run_jobs: job " << job << " (" << keys[job] << ") done on rank " << rank << "\n";
    }
};

/// Runs job(i), turning an exception into (false, message).
inline std::pair<bool, std::string> run_one(const std::function<std::string(std::size_t)>& job, std::size_t i) {
    try {
        return {true, job(i)};
    } catch (const std::exception& e) {
        return {false, e.what()};
    } catch (...) {
        return {false, "unknown exception"};
    }
}

#if CANARY_DIST_MPI
constexpr int tag_report = 7101;  // worker -> master: [int64 job or -1][char ok][bytes]
constexpr int tag_assign = 7102;  // master -> worker: int64 job, -1 = stop

/// Waits for `request` without spinning a core: test, then sleep, backing off to 2 ms.
inline void wait_quietly(MPI_Request& request) {
    int flag = 0;
    auto pause = std::chrono::microseconds(50);
    for (;;) {
        check(MPI_Test(&request, &flag, MPI_STATUS_IGNORE), "Test");
        if (flag) return;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(2000));
    }
}

inline std::string pack_report(std::int64_t job, bool ok, const std::string& bytes) {
    std::string m(sizeof(job) + 1 + bytes.size(), '\0');
    std::memcpy(m.data(), &job, sizeof(job));
    m[sizeof(job)] = ok ? 1 : 0;
    std::memcpy(m.data() + sizeof(job) + 1, bytes.data(), bytes.size());
    return m;
}

inline void worker_loop(const std::function<std::string(std::size_t)>& job, MPI_Comm comm) {
    std::string report = pack_report(-1, true, {});
    for (;;) {
        if (report.size() > static_cast<std::size_t>(INT32_MAX))
            report = pack_report(*reinterpret_cast<const std::int64_t*>(report.data()), false,
                                 "result of " + std::to_string(report.size()) + " bytes exceeds MPI's 2 GiB message limit");
        MPI_Request send;
        check(MPI_Isend(report.data(), static_cast<int>(report.size()), MPI_CHAR, 0, tag_report, comm, &send), "Isend");
        std::int64_t assigned = -1;
        MPI_Request receive;
        check(MPI_Irecv(&assigned, 1, MPI_INT64_T, 0, tag_assign, comm, &receive), "Irecv");
        wait_quietly(send);
        wait_quietly(receive);
        if (assigned < 0) return;
        auto [ok, bytes] = run_one(job, static_cast<std::size_t>(assigned));
        report = pack_report(assigned, ok, bytes);
    }
}

inline void master_loop(JobTable& table, const std::function<std::string(std::size_t)>& job, MPI_Comm comm,
                        int ranks, bool master_works) {
    int stopped = 0;
    std::future<std::pair<bool, std::string>> local;
    std::size_t local_job = 0;
    auto pause = std::chrono::microseconds(50);
    for (;;) {
        bool active = false;
        if (local.valid() && local.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            auto [ok, bytes] = local.get();
            table.finish(local_job, 0, ok, std::move(bytes));
            active = true;
        }
        if (master_works && !local.valid())
            if (auto next = table.take()) {
                local_job = *next;
                local = std::async(std::launch::async, [&job, i = *next] { return run_one(job, i); });
                active = true;
            }
        int flag = 0;
        MPI_Status status;
        check(MPI_Iprobe(MPI_ANY_SOURCE, tag_report, comm, &flag, &status), "Iprobe");
        if (flag) {
            int size = 0;
            check(MPI_Get_count(&status, MPI_CHAR, &size), "Get_count");
            std::string m(static_cast<std::size_t>(size), '\0');
            check(MPI_Recv(m.data(), size, MPI_CHAR, status.MPI_SOURCE, tag_report, comm, MPI_STATUS_IGNORE), "Recv");
            std::int64_t finished = -1;
            std::memcpy(&finished, m.data(), sizeof(finished));
            if (finished >= 0)
                table.finish(static_cast<std::size_t>(finished), status.MPI_SOURCE, m[sizeof(finished)] != 0,
                             m.substr(sizeof(finished) + 1));
            const auto next = table.take();
            const std::int64_t assigned = next ? static_cast<std::int64_t>(*next) : -1;
            // A tiny message: MPI_Send returns once it is buffered, the worker has its Irecv posted.
            check(MPI_Send(&assigned, 1, MPI_INT64_T, status.MPI_SOURCE, tag_assign, comm), "Send");
            if (assigned < 0) ++stopped;
            active = true;
        }
        if (stopped == ranks - 1 && !local.valid() && (!master_works || table.failure || table.next >= table.pending.size()))
            return;
        if (active) {
            pause = std::chrono::microseconds(50);
        } else {
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::microseconds(2000));
        }
    }
}
#endif

}  // namespace detail

/// Runs jobs 0..count-1 over the ranks of `comm` (see the header comment). Collective: every rank
/// calls it with the same count and options. Without MPI (or with one rank) the jobs run here, in
/// order, with the same saving, resuming and error behaviour.
inline std::vector<std::string> run_jobs(std::size_t count, const std::function<std::string(std::size_t)>& job,
                                         const Communicator& comm = {}, const JobOptions& options = {}) {
    if (!comm.uses_mpi() || comm.size() == 1) {
        detail::JobTable table(count, options);
        while (auto next = table.take()) {
            auto [ok, bytes] = detail::run_one(job, *next);
            table.finish(*next, comm.rank(), ok, std::move(bytes));
        }
        if (table.failure) throw *table.failure;
        return std::move(table.results);
    }
#if CANARY_DIST_MPI
    MPI_Comm c = comm.native();
    // The failure, if any, reaches every rank as [int64 job][int32 rank][key \0 message].
    std::string outcome;
    std::vector<std::string> results;
    if (comm.is_root()) {
        std::optional<detail::JobTable> table;
        std::string setup_error;
        try {
            table.emplace(count, options);
        } catch (const std::exception& e) {
            setup_error = e.what();
        }
        int level = MPI_THREAD_SINGLE;
        detail::check(MPI_Query_thread(&level), "Query_thread");
        if (table) {
            detail::master_loop(*table, job, c, comm.size(), level >= MPI_THREAD_FUNNELED);
        } else {
            // Release the workers at once: every first request is answered with "stop".
            for (int stopped = 0; stopped < comm.size() - 1; ++stopped) {
                MPI_Status status;
                int size = 0;
                detail::check(MPI_Probe(MPI_ANY_SOURCE, detail::tag_report, c, &status), "Probe");
                detail::check(MPI_Get_count(&status, MPI_CHAR, &size), "Get_count");
                std::string m(static_cast<std::size_t>(size), '\0');
                detail::check(MPI_Recv(m.data(), size, MPI_CHAR, status.MPI_SOURCE, detail::tag_report, c, MPI_STATUS_IGNORE), "Recv");
                const std::int64_t stop = -1;
                detail::check(MPI_Send(&stop, 1, MPI_INT64_T, status.MPI_SOURCE, detail::tag_assign, c), "Send");
            }
        }
        if (!table) {
            outcome = "S" + setup_error;
        } else if (table->failure) {
            const job_error& f = *table->failure;
            outcome = "F" + std::to_string(f.job()) + "\n" + std::to_string(f.rank()) + "\n" + f.key() + "\n" + f.what();
        } else {
            results = std::move(table->results);
        }
    } else {
        detail::worker_loop(job, c);
    }
    // Everyone learns the outcome (length, then bytes), waiting quietly.
    long long length = static_cast<long long>(outcome.size());
    MPI_Request request;
    detail::check(MPI_Ibcast(&length, 1, MPI_LONG_LONG, 0, c, &request), "Ibcast");
    detail::wait_quietly(request);
    outcome.resize(static_cast<std::size_t>(length));
    if (length > 0) {
        detail::check(MPI_Ibcast(outcome.data(), static_cast<int>(length), MPI_CHAR, 0, c, &request), "Ibcast");
        detail::wait_quietly(request);
    }
    if (!outcome.empty() && outcome[0] == 'S') throw error("run_jobs: rank 0 could not start: " + outcome.substr(1));
    if (!outcome.empty()) {
        std::istringstream in(outcome.substr(1));
        std::string job_text, rank_text, key;
        std::getline(in, job_text);
        std::getline(in, rank_text);
        std::getline(in, key);
        std::string what((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // `what` is the full message of the original job_error; keep it verbatim on every rank.
        const std::string prefix = "job " + job_text + " (" + key + ") failed on rank " + rank_text + ": ";
        throw job_error(std::stoull(job_text), key, std::stoi(rank_text),
                        what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
    }
    return results;
#else
    return {};
#endif
}

}  // namespace canary::dist

#pragma once
// canary's CPU threading policy: a fixed split of independent work into at most two parts, run
// on the calling thread and one persistent worker thread.
//
// Why so little: the work canary parallelises is a handful of independent whole-sequence or
// whole-graph kernels (the two directions of a bidirectional RNN, the graphs of a batch). Each
// part is decided before the fork and written to its own buffers, so the arithmetic, and
// therefore every result bit, is the same at any thread count. A general work-stealing pool
// would buy nothing here and would make results depend on scheduling.
//
// Oversubscription: GEMMs inside a parallel part must run single-threaded. `in_parallel_part()`
// tells a GEMM policy that may use its own threads (oneDNN, OpenBLAS) to stay on one.
//
// The worker is created on first use (one heap allocation for the thread) and lives until exit;
// a part is handed over through one atomic word: the caller spins briefly, then sleeps on
// std::atomic::wait, so an idle worker costs nothing. A caller that finishes its own part before
// the worker has started the other (the worker's core is busy with something else) runs the other
// part itself, so a loaded machine costs at most the single-thread time.
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

#include "canary/core/shape.hpp"


#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CANARY_SPIN_PAUSE() _mm_pause()
#else
#define CANARY_SPIN_PAUSE() ((void)0)
#endif

namespace canary {

namespace detail {
inline int& thread_setting() noexcept {
    static int threads = 1;
    return threads;
}
}  // namespace detail

/// How many threads canary may use inside one operation (default 1; set by canary::set_num_threads
/// in canary/backend/cpu.hpp).
inline int num_threads() noexcept { return detail::thread_setting(); }

namespace detail {

inline bool& parallel_part_flag() noexcept {
    thread_local bool inside = false;
    return inside;
}

class PartWorker {
public:
    static PartWorker& instance() {
        static PartWorker worker;
        return worker;
    }

    /// Runs `mine` here and `theirs` on the worker; returns when both are done. Returns false
    /// (having run nothing) when the worker is already serving another caller.
    template <class A, class B>
    bool try_run(A& mine, B& theirs) {
        std::unique_lock<std::mutex> lock(busy_, std::try_to_lock);
        if (!lock.owns_lock()) return false;
        job_call_.run = [](void* f) { (*static_cast<B*>(f))(); };
        job_call_.arg = static_cast<void*>(&theirs);
        failure_ = nullptr;
        state_.store(posted, std::memory_order_release);
        state_.notify_one();

        const std::exception_ptr mine_failed = run_part(mine);
        // If the worker has not picked the part up yet (its core is busy with other work), the
        // caller takes it back and runs it itself: the parts are fixed, so the result is the same.
        int expected = posted;
        if (state_.compare_exchange_strong(expected, idle, std::memory_order_acq_rel)) {
            failure_ = run_part(theirs);
        } else {
            await(done);
            state_.store(idle, std::memory_order_relaxed);
        }
        if (mine_failed) std::rethrow_exception(mine_failed);
        if (failure_) std::rethrow_exception(failure_);
        return true;
    }

    PartWorker(const PartWorker&) = delete;
    PartWorker& operator=(const PartWorker&) = delete;
    ~PartWorker() {
        state_.store(stop, std::memory_order_release);
        state_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

private:
    enum : int { idle = 0, posted = 1, running = 2, done = 3, stop = 4 };

    struct PartScope {
        bool saved = parallel_part_flag();
        PartScope() noexcept { parallel_part_flag() = true; }
        ~PartScope() { parallel_part_flag() = saved; }
    };

    PartWorker() : thread_([this] { serve(); }) {}

    /// Runs one part inside a parallel region; returns what it threw, if anything.
    template <class F>
    static std::exception_ptr run_part(F& part) noexcept {
        PartScope scope;
        try {
            part();
        } catch (...) {
            return std::current_exception();
        }
        return nullptr;
    }

    void await(int wanted) {
        for (int spin = 0; spin < 4096; ++spin) {
            if (state_.load(std::memory_order_acquire) == wanted) return;
            CANARY_SPIN_PAUSE();
        }
        for (int s = state_.load(std::memory_order_acquire); s != wanted; s = state_.load(std::memory_order_acquire))
            state_.wait(s, std::memory_order_acquire);
    }

    void serve() {
        parallel_part_flag() = true;
        for (;;) {
            int s = state_.load(std::memory_order_acquire);
            for (int spin = 0; spin < 4096 && s != posted && s != stop; ++spin) {
                CANARY_SPIN_PAUSE();
                s = state_.load(std::memory_order_acquire);
            }
            while (s != posted && s != stop) {
                state_.wait(s, std::memory_order_acquire);
                s = state_.load(std::memory_order_acquire);
            }
            if (s == stop) return;
            // Claim the part; the caller may have taken it back in the meantime.
            if (!state_.compare_exchange_strong(s, running, std::memory_order_acq_rel)) continue;
            failure_ = run_part(job_call_);
            state_.store(done, std::memory_order_release);
            state_.notify_one();
        }
    }

    std::mutex busy_;
    std::atomic<int> state_{idle};
    /// The posted part, type-erased.
    struct JobCall {
        void (*run)(void*) = nullptr;
        void* arg = nullptr;
        void operator()() const { run(arg); }
    };
    JobCall job_call_;
    std::exception_ptr failure_;
    std::thread thread_;
};

}  // namespace detail

/// True on a thread that is running one part of `parallel_invoke`: a GEMM policy with its own
/// threads should use one thread there.
inline bool in_parallel_part() noexcept { return detail::parallel_part_flag(); }

/// Runs first() and second(), in parallel when canary::num_threads() >= 2 and `worth_it`. The two
/// must write disjoint memory and must not touch a Tape's arena (allocate before the call). The
/// result never depends on whether they ran in parallel. An exception from either is rethrown
/// (the first's if both throw) after both have finished.
template <class First, class Second>
void parallel_invoke(First&& first, Second&& second, bool worth_it = true) {
    if (worth_it && num_threads() >= 2 && !in_parallel_part()) {
        if (detail::PartWorker::instance().try_run(first, second)) return;
    }
    first();
    second();
}

/// Runs part(0, first, half) and part(1, half, count) with half = count / 2, through
/// parallel_invoke: the split of independent items (graphs, batch elements) into two fixed halves.
/// `part`'s first argument says which half it runs (0 or 1), for per-half scratch.
template <class Part>
void parallel_halves(index count, Part&& part, bool worth_it = true) {
    const index half = count / 2;
    parallel_invoke([&] { part(0, index{0}, half); }, [&] { part(1, half, count); }, worth_it && count >= 2);
}

}  // namespace canary

#pragma once
// canary::dist::Communicator: the few collective operations canary's distributed code needs, over
// the MPI C API when canary::mpi is linked (CANARY_HAVE_MPI), and a one-process stand-in otherwise,
// so data-parallel training and the job scheduler have one interface with or without MPI.
//
// Communicator::sum offers two reductions (dist::reduction), which trade scaling against
// reproducibility differently:
//   allreduce:    one MPI_Allreduce(SUM). Bandwidth-optimal (ring / Rabenseifner: each rank moves
//                 about 2 (K-1)/K of the buffer), but the MPI standard leaves the order of the
//                 additions to the implementation, which may pick its algorithm by message size,
//                 rank count and node placement. Open MPI's choice is fixed for a fixed K and size,
//                 so runs repeat in practice; no MPI promises it.
//   rank_ordered: MPI_Gather of every rank's buffer to rank 0, summed there in rank order
//                 0, 1, ..., K-1, then MPI_Bcast. Bitwise reproducible for a given K on any MPI,
//                 but rank 0 receives K buffers, so it stops scaling beyond a few tens of ranks.
// Neither makes K = 1 and K = 2 bitwise equal: a shard's gradient is itself a sum over its samples,
// so splitting a batch changes where roundings happen (docs/distributed.md).
//
// CANARY_HAVE_MPI changes this class's layout: every translation unit of one program must see the
// same setting (link canary::mpi everywhere or nowhere).
#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "canary/core/error.hpp"
#include "canary/core/shape.hpp"

#if defined(CANARY_HAVE_MPI) && CANARY_HAVE_MPI
#include <mpi.h>
#define CANARY_DIST_MPI 1
#else
#define CANARY_DIST_MPI 0
#endif

namespace canary::dist {

/// How the gradients of the ranks are summed (see the header comment).
enum class reduction { allreduce, rank_ordered };

#if CANARY_DIST_MPI
namespace detail {
template <class T>
MPI_Datatype mpi_type() {
    if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
    else if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
    else if constexpr (std::is_same_v<T, char>) return MPI_CHAR;
    else if constexpr (std::is_same_v<T, long long>) return MPI_LONG_LONG;
    else static_assert(sizeof(T) == 0, "canary::dist: no MPI datatype for this scalar");
}
inline void check(int code, const char* what) {
    if (code != MPI_SUCCESS) {
        char text[MPI_MAX_ERROR_STRING];
        int length = 0;
        MPI_Error_string(code, text, &length);
        throw error(std::string("MPI ") + what + " failed: " + std::string(text, static_cast<std::size_t>(length)));
    }
}
}  // namespace detail
#endif

/// A group of K cooperating processes (ranks 0..K-1). Default-constructed: one process, no MPI.
/// Copyable; it does not own the MPI communicator (the caller keeps it alive, e.g. MPI_COMM_WORLD).
class Communicator {
public:
    Communicator() = default;
#if CANARY_DIST_MPI
    /// requires: MPI is initialised (MPI_Init) and `comm` is valid until the last use.
    Communicator(MPI_Comm comm) : comm_(comm), single_(false) {  // NOLINT: implicit on purpose
        detail::check(MPI_Comm_rank(comm, &rank_), "Comm_rank");
        detail::check(MPI_Comm_size(comm, &size_), "Comm_size");
    }
    MPI_Comm native() const noexcept { return comm_; }
#endif
    int rank() const noexcept { return rank_; }
    int size() const noexcept { return size_; }
    bool is_root() const noexcept { return rank_ == 0; }
    /// Whether this communicator runs over MPI (false for the one-process stand-in).
    bool uses_mpi() const noexcept { return !single_; }

    /// Copies rank 0's n values into every rank's buffer.
    template <class T>
    void broadcast([[maybe_unused]] T* data, index n) const {
        if (single_ || n == 0) return;
#if CANARY_DIST_MPI
        detail::check(MPI_Bcast(data, static_cast<int>(n), detail::mpi_type<T>(), 0, comm_), "Bcast");
#endif
    }

    /// Replaces every rank's n values by their element-wise sum over the ranks (same on every rank).
    template <class T>
    void sum([[maybe_unused]] T* data, index n, reduction how) const {
        if (single_ || n == 0) return;
#if CANARY_DIST_MPI
        if (how == reduction::allreduce) {
            detail::check(MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(n), detail::mpi_type<T>(), MPI_SUM, comm_),
                          "Allreduce");
            return;
        }
        std::vector<T> all(is_root() ? static_cast<std::size_t>(n) * static_cast<std::size_t>(size_) : 0);
        detail::check(MPI_Gather(data, static_cast<int>(n), detail::mpi_type<T>(), all.data(), static_cast<int>(n),
                                 detail::mpi_type<T>(), 0, comm_),
                      "Gather");
        if (is_root()) {
            std::copy_n(all.data(), n, data);
            for (int r = 1; r < size_; ++r) {
                const T* part = all.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(n);
                for (index i = 0; i < n; ++i) data[i] += part[i];
            }
        }
        broadcast(data, n);
#else
        (void)how;
#endif
    }

    void barrier() const {
#if CANARY_DIST_MPI
        if (!single_) detail::check(MPI_Barrier(comm_), "Barrier");
#endif
    }

private:
#if CANARY_DIST_MPI
    MPI_Comm comm_ = MPI_COMM_SELF;
#endif
    int rank_ = 0;
    int size_ = 1;
    bool single_ = true;
};

/// MPI for the lifetime of a program's main, or nothing without MPI: a command-line tool creates
/// one at the top of main and passes world() to run_jobs / DataParallel, the same code with or
/// without canary::mpi. Initialises MPI with MPI_THREAD_FUNNELED (rank 0 of run_jobs computes on a
/// thread of its own) unless the program already did, and finalises only what it initialised.
/// Started without mpirun, Open MPI runs as a single rank ("singleton"), so world().size() is 1.
class Environment {
public:
    Environment(int& argc, char**& argv) {
#if CANARY_DIST_MPI
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (!initialised) {
            int provided = 0;
            detail::check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "Init_thread");
            owner_ = true;
        }
        world_ = Communicator(MPI_COMM_WORLD);
#else
        (void)argc;
        (void)argv;
#endif
    }
    Environment(const Environment&) = delete;
    Environment& operator=(const Environment&) = delete;
    ~Environment() {
#if CANARY_DIST_MPI
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (owner_ && !finalised) MPI_Finalize();
#endif
    }
    const Communicator& world() const noexcept { return world_; }

private:
    Communicator world_;
    bool owner_ = false;
};

/// The contiguous part [begin, begin + count) of `total` items that rank `rank` of `ranks` owns:
/// ranks in order, the first total % ranks ranks one item more. Some ranks own nothing when
/// total < ranks.
struct shard {
    index begin = 0, count = 0;
};
inline shard shard_of(index total, int rank, int ranks) {
    const index k = ranks, r = rank;
    const index base = total / k, extra = total % k;
    return shard{r * base + std::min(r, extra), base + (r < extra ? 1 : 0)};
}

}  // namespace canary::dist

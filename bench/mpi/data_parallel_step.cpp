// Data-parallel step time of W1 (cnn_bilstm_attention, float, windows (60, 16)) at global batch 32:
//   mpiexec -n K build/.../data_parallel_step [steps=40] [reduction=allreduce|rank_ordered] [sweep]
// ("sweep": one process, forward + backward time at batch 1, 2, ..., 32, for the compute model).
// Prints, from rank 0, the median wall time of a whole step (forward + backward on the shard,
// gradient sum, clipping, Adam) and of its parts, the slowest rank's median compute time, and the
// bytes summed per step. Timings are of this machine as it is (docs/distributed.md).
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "canary/dist/data_parallel.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"

using namespace canary;
using clock_type = std::chrono::steady_clock;

static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    const int steps = argc > 1 ? std::atoi(argv[1]) : 40;
    const bool ordered = argc > 2 && std::string(argv[2]) == "rank_ordered";
    const dist::Communicator comm(MPI_COMM_WORLD);
    using M = Model<models::cnn_bilstm_attention<>, float>;
    const canary::index batch = 32, T = 60, F = 16;
    M model(1);
    Rng rng(3);
    std::vector<float> x(static_cast<std::size_t>(batch * T * F)), y(static_cast<std::size_t>(batch));
    for (auto& v : x) v = static_cast<float>(rng.normal());
    for (auto& v : y) v = rng.uniform() < 0.3 ? 1.0f : 0.0f;
    if (argc > 3 && std::string(argv[3]) == "sweep") {  // forward + backward time against batch size, one process
        Tape<float> t(true, 0);
        for (canary::index b : {1, 2, 4, 8, 16, 32}) {
            std::vector<double> ms;
            for (int r = 0; r < steps; ++r) {
                const auto t0 = clock_type::now();
                t.reset();
                Var<float> logits = model.forward(t, t.input(x.data(), Shape{b, T, F}));
                t.backward(bce_with_logits(t, logits, t.input(y.data(), Shape{b, 1}), 1.0f));
                ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
            }
            std::printf("batch=%lld forward_backward_ms(min)=%.3f median=%.3f\n", static_cast<long long>(b),
                        *std::min_element(ms.begin(), ms.end()), median(ms));
        }
        MPI_Finalize();
        return 0;
    }
    dist::DataParallel<M> dp(model, comm, ordered ? dist::reduction::rank_ordered : dist::reduction::allreduce);
    Adam<float> opt(1e-3f);
    Tape<float> tape(true, 0);
    std::vector<double> total;
    for (int s = 0; s < steps + 5; ++s) {
        MPI_Barrier(MPI_COMM_WORLD);
        const auto t0 = clock_type::now();
        dp.step(tape, opt, batch, 5.0, s, [&](Tape<float>& t, canary::index begin, canary::index count) {
            Var<float> logits = model.forward(t, t.input(x.data() + begin * T * F, Shape{count, T, F}));
            Var<float> loss = bce_with_logits(t, logits, t.input(y.data() + begin, Shape{count, 1}), 1.0f);
            return loss;
        });
        const double step_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        if (s >= 5) total.push_back(step_ms);
    }
    // Separately: forward + backward alone on this rank's shard, and the sum alone, to split the step.
    std::vector<double> fb, reduce;
    const dist::shard mine = dp.my_shard(batch);
    std::vector<float> buffer(static_cast<std::size_t>(M::param_count + 2), 1.0f);
    for (int s = 0; s < steps; ++s) {
        MPI_Barrier(MPI_COMM_WORLD);
        auto t0 = clock_type::now();
        tape.reset();
        Var<float> logits = model.forward(tape, tape.input(x.data() + mine.begin * T * F, Shape{mine.count, T, F}));
        tape.backward(bce_with_logits(tape, logits, tape.input(y.data() + mine.begin, Shape{mine.count, 1}), 1.0f));
        fb.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = clock_type::now();
        comm.sum(buffer.data(), M::param_count + 2, ordered ? dist::reduction::rank_ordered : dist::reduction::allreduce);
        reduce.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    }
    double fb_median = median(fb), slowest_fb = 0;
    MPI_Reduce(&fb_median, &slowest_fb, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (comm.is_root())
        std::printf("ranks=%d batch=%lld shard=%lld params=%lld bytes_summed=%lld reduction=%s step_ms=%.3f "
                    "forward_backward_ms(slowest rank)=%.3f sum_ms=%.3f\n",
                    comm.size(), static_cast<long long>(batch), static_cast<long long>(mine.count),
                    static_cast<long long>(M::param_count), static_cast<long long>(4 * (M::param_count + 2)),
                    ordered ? "rank_ordered" : "allreduce", median(total), slowest_fb, median(reduce));
    MPI_Finalize();
    return 0;
}

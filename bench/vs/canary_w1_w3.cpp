// canary's side of the side-by-side benchmark for W1 (the CNN-BiLSTM-attention model) and W3 (one
// large LSTM; docs/performance.md, "Workloads"), timed as bench/libtorch/libtorch_workloads.cpp
// times LibTorch: warm-up, then the median of repeated runs. float32. Prints one line per row:
//   <workload> <case> threads=<n> ms=<median>
//
//   canary_w1_w3 [--threads N] [--reps R] [--backend default|eigen|onednn] [--only W/case]
//                                              (CANARY_THREADS=N also sets the thread count)
//
// --backend: the canary policy. default = canary::DefaultCpu, what Model<Net> uses (CpuOneDnn when
// canary::canary found oneDNN, else Cpu), plain case names; eigen = canary::Cpu, every GEMM by
// Eigen, "/eigen_gemm" appended to every case name; onednn = canary::CpuOneDnn
// (canary/backend/onednn.hpp), float GEMMs by oneDNN's dnnl_sgemm, "/onednn_gemm" appended.
//
// W1: input (B, 60, 16); infer_b1, infer_b256 (inference tape), train_b32 (forward, BCE with
//     logits, backward, Adam 1e-3).
// W3: LSTM(64 -> 256), B = 64, T = 100; forward (inference) and forward_backward (upstream
//     gradient of ones, as y.sum().backward(); the input requires a gradient as in LibTorch).
// Threads: canary::set_num_threads(n). With 2, the Bidirectional layer runs its two directions on
// two threads (W1) and large GEMMs outside it split their rows over two threads (Eigen policy) or
// use two OpenMP threads (oneDNN policy); docs/performance.md, "Threading policy".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/resource.h>
#include <functional>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "bench_timing.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"
#if defined(CANARY_HAVE_ONEDNN)
#include "canary/backend/onednn.hpp"
#endif

using namespace canary;

namespace {

using canary::bench::median_ms;

inline std::vector<float> randn(std::size_t n, std::uint64_t seed) { return canary::bench::random_inputs(n, seed); }

template <class Bk>
void run_all(int threads, int reps, const std::string& only, const char* suffix) {
    auto wanted = [&](const char* w, const char* c) { return only.empty() || only == std::string(w) + "/" + c; };
    auto time = [&](const char* w, const char* c, int warmup, int n, const std::function<void()>& fn) {
        if (!wanted(w, c)) return;
        std::printf("%s %s%s threads=%d ms=%.4f\n", w, c, suffix, threads, median_ms(fn, warmup, n));
        std::fflush(stdout);
    };

    {  // W1
        constexpr canary::index T = 60, F = 16;
        Model<models::cnn_bilstm_attention<>, float, Bk> model(0);
        Adam<float> adam(1e-3f);
        const auto x1 = randn(T * F, 1), x256 = randn(256 * T * F, 2), x32 = randn(32 * T * F, 3);
        std::vector<float> y32(32);
        for (std::size_t i = 0; i < y32.size(); ++i) y32[i] = i % 3 == 0 ? 1.f : 0.f;
        Tape<float, Bk> infer(false);
        time("W1", "infer_b1", 20, reps * 10, [&] {
            infer.reset();
            model.forward(infer, infer.input(x1.data(), Shape{1, T, F}));
        });
        time("W1", "infer_b256", 3, reps, [&] {
            infer.reset();
            model.forward(infer, infer.input(x256.data(), Shape{256, T, F}));
        });
        Tape<float, Bk> train(true);
        time("W1", "train_b32", 5, reps, [&] {
            train.reset();
            const Var<float> x = train.input(x32.data(), Shape{32, T, F});
            const Var<float> y = train.input(y32.data(), Shape{32, 1});
            train.backward(bce_with_logits(train, model.forward(train, x), y));
            adam.step(model);
        });
        if (wanted("W1", "train_b32")) {
            // Memory of the training run (stderr, so the joined rows stay unchanged): the tape's
            // arena peak (every saved activation, adjoint and scratch buffer of one step) beside
            // the parameter state (values, gradients, Adam's two moments) and the process peak.
            const double params_mb = 4.0 * 4.0 * static_cast<double>(decltype(model)::param_count) / 1e6;
            rusage usage{};
            getrusage(RUSAGE_SELF, &usage);
            std::fprintf(stderr, "# W1 train_b32 memory: tape arena peak %.2f MB (capacity %.2f MB), parameters+gradients+Adam %.2f MB, process max RSS %.1f MB\n",
                         static_cast<double>(train.arena().peak_bytes()) / 1e6, static_cast<double>(train.arena().capacity()) / 1e6,
                         params_mb, static_cast<double>(usage.ru_maxrss) / 1e3);
        }
    }
    {  // W3
        constexpr canary::index B = 64, T = 100, In = 64, H = 256;
        Model<LSTM<In, H>, float, Bk> lstm(0);
        const auto x = randn(B * T * In, 4);
        const std::vector<float> ones(B * T * H, 1.f);
        Tape<float, Bk> infer(false);
        time("W3", "forward", 2, reps, [&] {
            infer.reset();
            lstm.forward(infer, infer.input(x.data(), Shape{B, T, In}));
        });
        Tape<float, Bk> train(true);
        time("W3", "forward_backward", 2, reps, [&] {
            train.reset();
            const Var<float> xv = train.input(x.data(), Shape{B, T, In}, true);
            train.backward(lstm.forward(train, xv), ones.data());
        });
    }
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 1, reps = 30;
    std::string only, backend = "default";  // --only <workload>/<case>: run one row (profiling)
    if (const char* env = std::getenv("CANARY_THREADS")) threads = std::atoi(env);
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--only")) only = argv[++i];
        else if (!std::strcmp(argv[i], "--backend")) backend = argv[++i];
    }
    threads = std::max(threads, 1);
    set_num_threads(threads);
    if (backend == "default") run_all<DefaultCpu>(threads, reps, only, "");
    else if (backend == "eigen") run_all<Cpu>(threads, reps, only, "/eigen_gemm");
#if defined(CANARY_HAVE_ONEDNN)
    else if (backend == "onednn") run_all<CpuOneDnn>(threads, reps, only, "/onednn_gemm");
#endif
    else {
        std::fprintf(stderr, "canary_w1_w3: backend '%s' is not available (eigen%s)\n", backend.c_str(),
#if defined(CANARY_HAVE_ONEDNN)
                     ", onednn"
#else
                     "; onednn needs libdnnl-dev"
#endif
        );
        return 2;
    }
    return 0;
}

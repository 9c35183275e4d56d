// canary's side of the Transformer training-step row of the side-by-side benchmark
// (bench/libtorch/libtorch_workloads.cpp prints the LibTorch line with the same case name):
// canary::models::transformer_classifier (Dense 16->64, sinusoidal positions, 2 post-norm encoder
// layers d=64, 4 heads, FF 128, dropout 0.1, mean over time, Dense 64->1) on a (32, 60, 16) batch:
// forward + BCE-with-logits + backward + Adam, timed as the median of repeated steps after warm-up.
// Prints "Transformer train_b32 threads=<n> ms=<median>". threads = argv[1] (default 1) goes to
// canary::set_num_threads (with 2: the attention splits its batch, large GEMMs their rows; see
// docs/performance.md, "Threading policy"). --backend: default = canary::DefaultCpu (what Model<Net>
// uses); eigen = canary::Cpu, printed as "Transformer train_b32/eigen_gemm ..."; onednn =
// canary::CpuOneDnn (float GEMMs by dnnl_sgemm, with canary::num_threads() threads), printed as
// "Transformer train_b32/onednn_gemm ...".
#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "canary/canary.hpp"
#include "bench_timing.hpp"
#include "canary/models/baselines.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"
#if defined(CANARY_HAVE_ONEDNN)
#include "canary/backend/onednn.hpp"
#endif

namespace {
using canary::bench::median_ms;
}  // namespace

template <class Bk>
void run(int threads, int reps, const char* suffix) {
    constexpr canary::index B = 32, T = 60, F = 16;
    canary::Model<canary::models::transformer_classifier, float, Bk> model(0);
    canary::Rng rng(1);
    std::vector<float> x(static_cast<std::size_t>(B * T * F)), y(static_cast<std::size_t>(B));
    for (auto& v : x) v = static_cast<float>(rng.normal());
    for (auto& v : y) v = rng.uniform(0.0, 1.0) < 0.3 ? 1.0f : 0.0f;
    canary::Adam<float> opt(1e-3f);
    canary::Tape<float, Bk> tape(true, 0);  // training: dropout on, as torch's model.train()
    const double ms = median_ms(
        [&] {
            tape.reset();
            auto logits = model.forward(tape, tape.input(x.data(), canary::Shape{B, T, F}));
            auto loss = canary::bce_with_logits(tape, logits, tape.input(y.data(), canary::Shape{B, 1}));
            tape.backward(loss);
            opt.step(model);
        },
        5, reps);
    std::printf("Transformer train_b32%s threads=%d ms=%.4f\n", suffix, threads, ms);
}

int main(int argc, char** argv) {
    int threads = 1, reps = 30;
    std::string backend = "default";
    for (int i = 1; i < argc; ++i) {  // "--threads N --reps R" (bench/run_vs_libtorch) or "N [R]"
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--backend") && i + 1 < argc) backend = argv[++i];
        else if (i == 1) threads = std::atoi(argv[i]);
        else if (i == 2) reps = std::atoi(argv[i]);
    }
    threads = std::max(threads, 1);
    canary::set_num_threads(threads);
    if (backend == "default") run<canary::DefaultCpu>(threads, reps, "");
    else if (backend == "eigen") run<canary::Cpu>(threads, reps, "/eigen_gemm");
#if defined(CANARY_HAVE_ONEDNN)
    else if (backend == "onednn") run<canary::CpuOneDnn>(threads, reps, "/onednn_gemm");
#endif
    else {
        std::fprintf(stderr, "canary_transformer: backend '%s' is not available\n", backend.c_str());
        return 2;
    }
    return 0;
}

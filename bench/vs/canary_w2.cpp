// canary's side of the side-by-side benchmark for W2 (the temporal GNN of arXiv 2512.17185),
// docs/performance.md ("Workloads"), timed as bench/libtorch/libtorch_workloads.cpp times
// LibTorch: warm-up, then the median of repeated runs. float32. Prints one line per row:
//   W2 train_b8 threads=<n> ms=<median>
//   W2 infer_b1 threads=<n> ms=<median>
//
//   canary_w2 [threads] [--threads N] [--reps R] [--csr] [--backend default|eigen|onednn]
//                                                 (CANARY_THREADS=N also sets threads)
//
// W2: N = 44 nodes, F = 7, K = 5 graphs per sample; per graph GCNConv(7->32)+ReLU,
// GCNConv(32->32)+ReLU, mean over nodes; GRU(32->32) over the K embeddings; Dense(32->16)+ReLU+
// Dense(16->1) on the last hidden state (canary::models::srr_temporal_gnn_paper_text). train_b8: one
// step on 8 samples (forward, BCE with logits, backward, Adam 1e-3); infer_b1: one sample on an
// inference tape. As on the LibTorch side, the normalised adjacency (dense, (B*K, N, N), random
// symmetric graphs of density ~0.36 plus self loops) is computed once outside the timed region and
// shared by both GCN layers; --csr times the block-diagonal CSR path instead of the dense one.
// Threads: canary::set_num_threads(n); with 2, the GCN aggregation splits the graphs of a batch
// over two threads where the work is large enough (docs/performance.md, "Threading policy"); the
// oneDNN policy's large GEMMs use that many threads.
// --backend: default = canary::DefaultCpu (plain case names), eigen = canary::Cpu (case names get
// "/eigen_gemm"), onednn = canary::CpuOneDnn (float GEMMs by dnnl_sgemm, "/onednn_gemm").
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
#include "canary/models/srr.hpp"
#if defined(CANARY_HAVE_ONEDNN)
#include "canary/backend/onednn.hpp"
#endif

using namespace canary;

namespace {

using canary::bench::median_ms;

inline std::vector<float> randn(std::size_t n, std::uint64_t seed) { return canary::bench::random_inputs(n, seed); }
}  // namespace

template <class Bk>
void run_all(int threads, int reps, bool csr, const char* suffix) {
    auto line = [&](const char* c, double ms) {
        std::printf("W2 %s%s threads=%d ms=%.4f\n", c, suffix, threads, ms);
        std::fflush(stdout);
    };

    constexpr canary::index N = 44, F = 7, K = 5;
    using Net = models::srr_temporal_gnn_paper_text<F>;
    static_assert(Net::param_count == 8193);
    Model<Net, float, Bk> model(0);
    Adam<float> adam(1e-3f);
    auto normalise = [&](const std::vector<float>& raw, canary::index graphs) {
        return csr ? NormalizedAdjacency<float>::csr_from_dense(raw.data(), graphs, N)
                   : NormalizedAdjacency<float>::dense(raw.data(), graphs, N);
    };
    const auto x1 = randn(K * N * F, 1), x8 = randn(8 * K * N * F, 2);
    const auto a1 = normalise(canary::bench::random_graphs(K, N, 3), K), a8 = normalise(canary::bench::random_graphs(8 * K, N, 4), 8 * K);
    std::vector<float> y8(8);
    for (std::size_t i = 0; i < y8.size(); ++i) y8[i] = i % 3 == 0 ? 1.f : 0.f;

    Tape<float, Bk> infer(false);
    line("infer_b1", median_ms([&] {
             infer.reset();
             model.forward(infer, GraphSequenceBatch<float>{infer.input(x1.data(), Shape{1, K, N, F}), a1.view()});
         }, 20, reps * 10));

    Tape<float, Bk> tape(true);
    line("train_b8", median_ms([&] {
             tape.reset();
             const Var<float> logits =
                 model.forward(tape, GraphSequenceBatch<float>{tape.input(x8.data(), Shape{8, K, N, F}), a8.view()});
             const Var<float> loss = bce_with_logits(tape, logits, tape.input(y8.data(), Shape{8, 1}));
             tape.backward(loss);
             adam.step(model);
         }, 5, reps));
}

int main(int argc, char** argv) {
    int threads = 1, reps = 30;
    bool csr = false;
    std::string backend = "default";
    if (const char* env = std::getenv("CANARY_THREADS")) threads = std::atoi(env);
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--backend") && i + 1 < argc) backend = argv[++i];
        else if (!std::strcmp(argv[i], "--csr")) csr = true;
        else if (i == 1) threads = std::atoi(argv[i]);
    }
    threads = std::max(threads, 1);
    set_num_threads(threads);
    if (backend == "default") run_all<DefaultCpu>(threads, reps, csr, "");
    else if (backend == "eigen") run_all<Cpu>(threads, reps, csr, "/eigen_gemm");
#if defined(CANARY_HAVE_ONEDNN)
    else if (backend == "onednn") run_all<CpuOneDnn>(threads, reps, csr, "/onednn_gemm");
#endif
    else {
        std::fprintf(stderr, "canary_w2: backend '%s' is not available\n", backend.c_str());
        return 2;
    }
    return 0;
}

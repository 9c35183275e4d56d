// canary on a CUDA device: the W1, W2 and W3 workloads (docs/performance.md, "Workloads") with the Cuda policy,
// timed like bench/vs (warm-up, then the median of repeated runs), each timed call ending with
// cudaDeviceSynchronize so the time covers the device work. float32. One line per row:
//   <workload> <case> device=cuda ms=<median>
// The PyTorch CUDA side (cuDNN LSTM for W3) is bench/cuda/torch_cuda_workloads.py, which prints
// the same rows; docs/cuda.md has the commands. Exits with status 2 and a message without a GPU.
//
//   canary_cuda_workloads [--reps R] [--only <workload>/<case>]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../vs/bench_timing.hpp"
#include "canary/backend/cuda.hpp"
#include "canary/backend/cuda/adjacency.hpp"
#include "canary/canary.hpp"
#include "canary/models/cnn_bilstm_attention.hpp"
#include "canary/models/srr.hpp"

using namespace canary;

namespace {

using canary::bench::median_ms;
inline std::vector<float> randn(std::size_t n, std::uint64_t seed) { return canary::bench::random_inputs(n, seed); }
}  // namespace

int main(int argc, char** argv) {
    int reps = 30;
    std::string only;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--only")) only = argv[++i];
    }
    if (!cuda::device_available()) {
        std::fprintf(stderr, "canary_cuda_workloads: %s\n", cuda::device_unavailable_reason().c_str());
        return 2;
    }
    auto wanted = [&](const char* w, const char* c) { return only.empty() || only == std::string(w) + "/" + c; };
    auto time = [&](const char* w, const char* c, int warmup, int n, const std::function<void()>& fn) {
        if (!wanted(w, c)) return;
        const double ms = median_ms([&] { fn(); Cuda::synchronize(); }, warmup, n);
        std::printf("%s %s device=cuda ms=%.4f\n", w, c, ms);
        std::fflush(stdout);
    };

    {  // W1: cnn_bilstm_attention, input (B, 60, 16)
        constexpr canary::index T = 60, F = 16;
        Model<models::cnn_bilstm_attention<>, float, Cuda> model(0);
        Adam<float> adam(1e-3f);
        const auto x1 = randn(T * F, 1), x256 = randn(256 * T * F, 2), x32 = randn(32 * T * F, 3);
        std::vector<float> y32(32);
        for (std::size_t i = 0; i < y32.size(); ++i) y32[i] = i % 3 == 0 ? 1.f : 0.f;
        Tape<float, Cuda> infer(false);
        time("W1", "infer_b1", 20, reps * 10, [&] {
            infer.reset();
            model.forward(infer, infer.input(x1.data(), Shape{1, T, F}));
        });
        time("W1", "infer_b256", 3, reps, [&] {
            infer.reset();
            model.forward(infer, infer.input(x256.data(), Shape{256, T, F}));
        });
        Tape<float, Cuda> train(true);
        time("W1", "train_b32", 5, reps, [&] {
            train.reset();
            const Var<float> x = train.input(x32.data(), Shape{32, T, F});
            const Var<float> y = train.input(y32.data(), Shape{32, 1});
            train.backward(bce_with_logits(train, model.forward(train, x), y));
            adam.step(model);
        });
    }
    {  // W2: srr_temporal_gnn_paper_text (GCN 7->32->32, GRU 32), K = 5 graphs of N = 44 nodes
        constexpr canary::index N = 44, F = 7, K = 5;
        Model<models::srr_temporal_gnn_paper_text<F>, float, Cuda> model(0);
        Adam<float> adam(1e-3f);
        const auto x1 = randn(K * N * F, 1), x8 = randn(8 * K * N * F, 2);
        // The same graphs as bench/vs/canary_w2.cpp.
        const auto raw1 = canary::bench::random_graphs(K, N, 3), raw8 = canary::bench::random_graphs(8 * K, N, 4);
        const auto h1 = NormalizedAdjacency<float>::dense(raw1.data(), K, N);
        const auto h8 = NormalizedAdjacency<float>::dense(raw8.data(), 8 * K, N);
        const cuda::DeviceAdjacency<float> a1(h1.view()), a8(h8.view());
        std::vector<float> y8(8);
        for (std::size_t i = 0; i < y8.size(); ++i) y8[i] = i % 3 == 0 ? 1.f : 0.f;
        Tape<float, Cuda> infer(false);
        time("W2", "infer_b1", 20, reps * 10, [&] {
            infer.reset();
            model.forward(infer, GraphSequenceBatch<float>{infer.input(x1.data(), Shape{1, K, N, F}), a1.view()});
        });
        Tape<float, Cuda> tape(true);
        time("W2", "train_b8", 5, reps, [&] {
            tape.reset();
            const Var<float> logits =
                model.forward(tape, GraphSequenceBatch<float>{tape.input(x8.data(), Shape{8, K, N, F}), a8.view()});
            tape.backward(bce_with_logits(tape, logits, tape.input(y8.data(), Shape{8, 1})));
            adam.step(model);
        });
    }
    {  // W3: LSTM(64 -> 256), B = 64, T = 100 (cuDNN's LSTM on the PyTorch side)
        constexpr canary::index B = 64, T = 100, In = 64, H = 256;
        Model<LSTM<In, H>, float, Cuda> lstm(0);
        const auto x = randn(B * T * In, 4);
        const std::vector<float> ones(B * T * H, 1.f);
        Tape<float, Cuda> infer(false);
        time("W3", "forward", 2, reps, [&] {
            infer.reset();
            lstm.forward(infer, infer.input(x.data(), Shape{B, T, In}));
        });
        Tape<float, Cuda> train(true);
        time("W3", "forward_backward", 2, reps, [&] {
            train.reset();
            const Var<float> xv = train.input(x.data(), Shape{B, T, In}, true);
            train.backward(lstm.forward(train, xv), ones.data());
        });
    }
    return 0;
}

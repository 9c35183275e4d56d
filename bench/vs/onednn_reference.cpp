// Reference side of the side-by-side benchmark that does not go through LibTorch: (1) the SGEMM peak
// of this machine for Eigen 3.4 (the GEMM canary's Cpu policy uses), OpenBLAS cblas_sgemm (Debian
// libopenblas-dev) and oneDNN dnnl_sgemm (Debian libdnnl-dev 2.6), and (2) W3 (LSTM(64 -> 256),
// B = 64, T = 100, float32) with oneDNN's own LSTM primitives.
//
//   onednn_reference [--threads N] [--reps R] [--only sgemm|w3|shapes]
//
// Prints
//   SGEMM peak threads=<n> eigen_gflops=<a> openblas_gflops=<b> onednn_gflops=<c> peak_gflops=<max>
//   W3 forward threads=<n> ms=<median>              (lstm_forward, forward_inference)
//   W3 forward_backward threads=<n> ms=<median>     (forward_training + lstm_backward)
// and, on stderr, the largest difference between oneDNN's W3 output and canary's LSTM on the same
// weights and input. `--only shapes` (not run by bench/run_vs_libtorch) prints, for the GEMM shapes
// the workloads use, Eigen's time (canary::Cpu::gemm) against dnnl_sgemm's, both alternated, best
// of 7: the measurement behind CpuOneDnn::small_gemm_volume (docs/performance.md, "GEMM policy").
//
// SGEMM: C = A B, all 1024 x 1024 row-major, beta = 0; the three libraries are timed in turn within
// each repetition (the machine is shared), median of R after 3 warm-up calls each. Threads: Eigen via
// Eigen::setNbThreads (this program is compiled with OpenMP; canary's own programs are not, so canary
// gets Eigen's 1-thread figure at any setting), OpenBLAS via openblas_set_num_threads, oneDNN via
// omp_set_num_threads (Debian builds oneDNN with the GNU OpenMP runtime).
//
// W3: memory descriptors with format_tag::any let each primitive pick its layouts; the user's
// batch-first input and torch-layout weights are reordered once, outside the timed loop. The timed
// forward_backward runs the training forward (which fills the workspace), zeroes the weight
// gradients (oneDNN accumulates them, as LibTorch's zero_grad + backward) and runs the backward
// with an upstream gradient of ones; the gradient of the input is computed.
#include <Eigen/Core>
#include <cblas.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_timing.hpp"
#include "canary/backend/onednn.hpp"
#include "canary/canary.hpp"

namespace {

using canary::bench::median_ms;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void sgemm_peak(int threads, int reps) {
    constexpr int n = 1024;
    const double flops = 2.0 * n * n * n;
    const auto a = canary::bench::random_inputs(std::size_t(n) * n, 11);
    const auto b = canary::bench::random_inputs(std::size_t(n) * n, 12);
    std::vector<float> c(std::size_t(n) * n);
    using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<const RowMat> A(a.data(), n, n), B(b.data(), n, n);
    Eigen::Map<RowMat> C(c.data(), n, n);

    Eigen::setNbThreads(threads);
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);
    auto eigen = [&] { C.noalias() = A * B; };
    auto openblas = [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    };
    auto onednn = [&] {
        if (dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n) != dnnl_success)
            std::abort();
    };
    auto ms = [](auto&& fn) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    };
    for (int i = 0; i < 3; ++i) ms(eigen), ms(openblas), ms(onednn);
    std::vector<double> te, to, td;
    for (int i = 0; i < reps; ++i) {
        te.push_back(ms(eigen));
        to.push_back(ms(openblas));
        td.push_back(ms(onednn));
    }
    const double ge = flops / median(te) / 1e6, go = flops / median(to) / 1e6, gd = flops / median(td) / 1e6;
    std::printf("SGEMM peak threads=%d eigen_gflops=%.1f openblas_gflops=%.1f onednn_gflops=%.1f peak_gflops=%.1f\n",
                threads, ge, go, gd, std::max({ge, go, gd}));
    std::fflush(stdout);
}

void w3(int threads, int reps) {
    using namespace dnnl;
    using tag = memory::format_tag;
    using dt = memory::data_type;
    constexpr canary::index Bn = 64, T = 100, I = 64, H = 256, G = 4 * H;
    omp_set_num_threads(threads);

    // canary's LSTM with torch-layout parameters (weight_ih (4H, I), weight_hh (4H, H), two biases),
    // gate order i, f, g, o = oneDNN's i, f, c~, o.
    canary::Model<canary::LSTM<I, H>> model(0);
    auto param = [&](const std::string& name) {
        for (const auto& p : model.named_parameters())
            if (p.name == name) return model.parameters() + p.offset;
        std::fprintf(stderr, "onednn_reference: no parameter %s\n", name.c_str());
        std::exit(1);
    };
    const float *w_ih = param("weight_ih_l0"), *w_hh = param("weight_hh_l0"), *b_ih = param("bias_ih_l0"),
                *b_hh = param("bias_hh_l0");
    const auto x = canary::bench::random_inputs(std::size_t(Bn * T * I), 4);

    // User layouts: input ntc (batch-first), weights ldigo (= the transposed torch matrices), bias ldgo.
    std::vector<float> wl(std::size_t(I) * G), wi(std::size_t(H) * G), bias(G);
    for (canary::index r = 0; r < G; ++r) {
        for (canary::index i = 0; i < I; ++i) wl[std::size_t(i * G + r)] = w_ih[r * I + i];
        for (canary::index i = 0; i < H; ++i) wi[std::size_t(i * G + r)] = w_hh[r * H + i];
        bias[std::size_t(r)] = b_ih[r] + b_hh[r];
    }

    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    const memory::dims src_dims{T, Bn, I}, dst_dims{T, Bn, H}, wl_dims{1, 1, I, 4, H}, wi_dims{1, 1, H, 4, H},
        b_dims{1, 1, 4, H};
    const memory::desc any_src(src_dims, dt::f32, tag::any), any_dst(dst_dims, dt::f32, tag::any),
        any_wl(wl_dims, dt::f32, tag::any), any_wi(wi_dims, dt::f32, tag::any), any_b(b_dims, dt::f32, tag::any),
        none;
    memory user_src({src_dims, dt::f32, tag::ntc}, eng, const_cast<float*>(x.data()));
    memory user_wl({wl_dims, dt::f32, tag::ldigo}, eng, wl.data());
    memory user_wi({wi_dims, dt::f32, tag::ldigo}, eng, wi.data());
    memory user_b({b_dims, dt::f32, tag::ldgo}, eng, bias.data());
    auto reordered = [&](memory& from, const memory::desc& want) {
        if (from.get_desc() == want) return from;
        memory to(want, eng);
        reorder(from, to).execute(s, from, to);
        s.wait();
        return to;
    };
    auto make_fwd = [&](prop_kind kind) {
        lstm_forward::desc d(kind, rnn_direction::unidirectional_left2right, any_src, none, none, any_wl, any_wi,
                             any_b, any_dst, none, none);
        return lstm_forward::primitive_desc(d, eng);
    };

    {  // forward_inference
        const auto pd = make_fwd(prop_kind::forward_inference);
        memory src = reordered(user_src, pd.src_layer_desc()), wlm = reordered(user_wl, pd.weights_layer_desc()),
               wim = reordered(user_wi, pd.weights_iter_desc()), bm = reordered(user_b, pd.bias_desc());
        memory dst(pd.dst_layer_desc(), eng);
        lstm_forward fwd(pd);
        const std::unordered_map<int, memory> args{{DNNL_ARG_SRC_LAYER, src},
                                                   {DNNL_ARG_WEIGHTS_LAYER, wlm},
                                                   {DNNL_ARG_WEIGHTS_ITER, wim},
                                                   {DNNL_ARG_BIAS, bm},
                                                   {DNNL_ARG_DST_LAYER, dst}};
        auto run = [&] {
            fwd.execute(s, args);
            s.wait();
        };
        std::printf("W3 forward threads=%d ms=%.4f\n", threads, median_ms(run, 2, reps));
        std::fflush(stdout);

        // Agreement with canary's LSTM on the same weights (oneDNN's output back to ntc).
        memory out({dst_dims, dt::f32, tag::ntc}, eng);
        reorder(dst, out).execute(s, dst, out);
        s.wait();
        canary::Tape<float> tape(false);
        const auto y = model.forward(tape, tape.input(x.data(), canary::Shape{Bn, T, I}));
        const float* o = static_cast<const float*>(out.get_data_handle());
        double worst = 0;
        for (canary::index k = 0; k < Bn * T * H; ++k) worst = std::max(worst, double(std::fabs(o[k] - y.val[k])));
        std::fprintf(stderr, "# W3 oneDNN lstm_forward vs canary LSTM (same weights, input): max |diff| = %.3g over %ld outputs\n",
                     worst, long(Bn * T * H));
    }
    {  // forward_training + backward
        const auto fpd = make_fwd(prop_kind::forward_training);
        lstm_backward::desc bd(prop_kind::backward, rnn_direction::unidirectional_left2right, any_src, none, none,
                               any_wl, any_wi, any_b, any_dst, none, none, any_src, none, none, any_wl, any_wi, any_b,
                               any_dst, none, none);
        const lstm_backward::primitive_desc bpd(bd, eng, fpd);
        memory src = reordered(user_src, fpd.src_layer_desc()), wlm = reordered(user_wl, fpd.weights_layer_desc()),
               wim = reordered(user_wi, fpd.weights_iter_desc()), bm = reordered(user_b, fpd.bias_desc());
        memory bsrc = reordered(src, bpd.src_layer_desc()), bwl = reordered(user_wl, bpd.weights_layer_desc()),
               bwi = reordered(user_wi, bpd.weights_iter_desc()), bb = reordered(user_b, bpd.bias_desc());
        memory dst(fpd.dst_layer_desc(), eng), ws(fpd.workspace_desc(), eng);
        memory bdst = fpd.dst_layer_desc() == bpd.dst_layer_desc() ? dst : memory(bpd.dst_layer_desc(), eng);
        memory ddst(bpd.diff_dst_layer_desc(), eng), dsrc(bpd.diff_src_layer_desc(), eng);
        memory dwl(bpd.diff_weights_layer_desc(), eng), dwi(bpd.diff_weights_iter_desc(), eng),
            db(bpd.diff_bias_desc(), eng);
        {
            float* p = static_cast<float*>(ddst.get_data_handle());
            std::fill(p, p + bpd.diff_dst_layer_desc().get_size() / sizeof(float), 1.f);
        }
        lstm_forward fwd(fpd);
        lstm_backward bwd(bpd);
        const std::unordered_map<int, memory> fargs{{DNNL_ARG_SRC_LAYER, src},     {DNNL_ARG_WEIGHTS_LAYER, wlm},
                                                    {DNNL_ARG_WEIGHTS_ITER, wim},  {DNNL_ARG_BIAS, bm},
                                                    {DNNL_ARG_DST_LAYER, dst},     {DNNL_ARG_WORKSPACE, ws}};
        const std::unordered_map<int, memory> bargs{
            {DNNL_ARG_SRC_LAYER, bsrc},          {DNNL_ARG_WEIGHTS_LAYER, bwl},      {DNNL_ARG_WEIGHTS_ITER, bwi},
            {DNNL_ARG_BIAS, bb},                 {DNNL_ARG_DST_LAYER, bdst},         {DNNL_ARG_WORKSPACE, ws},
            {DNNL_ARG_DIFF_DST_LAYER, ddst},     {DNNL_ARG_DIFF_SRC_LAYER, dsrc},    {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl},
            {DNNL_ARG_DIFF_WEIGHTS_ITER, dwi},   {DNNL_ARG_DIFF_BIAS, db}};
        const bool copy_dst = bdst.get_data_handle() != dst.get_data_handle();
        auto run = [&] {
            fwd.execute(s, fargs);
            if (copy_dst) reorder(dst, bdst).execute(s, dst, bdst);
            for (memory* m : {&dwl, &dwi, &db}) std::memset(m->get_data_handle(), 0, m->get_desc().get_size());
            bwd.execute(s, bargs);
            s.wait();
        };
        std::printf("W3 forward_backward threads=%d ms=%.4f\n", threads, median_ms(run, 2, reps));
        std::fflush(stdout);
        std::fprintf(stderr, "# W3 oneDNN backward: weights layouts %s (forward) / %s (backward)%s\n",
                     fpd.weights_layer_desc() == memory::desc(wl_dims, dt::f32, tag::ldigo) ? "ldigo" : "blocked",
                     bpd.weights_layer_desc() == memory::desc(wl_dims, dt::f32, tag::ldgoi) ? "ldgoi"
                     : bpd.weights_layer_desc() == memory::desc(wl_dims, dt::f32, tag::ldigo) ? "ldigo"
                                                                                             : "other",
                     copy_dst ? "; dst reordered between the passes (timed)" : "");
    }
}

void gemm_shapes(int threads) {
    struct Shape {
        canary::index m, n, k;
        bool ta, tb;
        canary::index lda, ldb, ldc;  // 0: contiguous
        const char* what;
    };
    const Shape shapes[] = {
        {4, 32, 8, false, false, 0, 0, 0, ""},
        {44, 32, 7, false, true, 0, 0, 0, "W2 GCN x W"},
        {24, 24, 24, false, false, 0, 0, 0, ""},
        {16, 64, 16, false, true, 0, 0, 0, ""},
        {1, 256, 64, false, true, 0, 0, 0, "W1 batch-1 recurrence (GEMV)"},
        {8, 96, 32, false, true, 0, 0, 0, "W2 GRU, batch 8"},
        {32, 32, 32, false, false, 0, 0, 0, ""},
        {60, 60, 16, false, true, 0, 0, 0, "Transformer Q K^T per head"},
        {44, 32, 44, false, false, 0, 0, 0, "W2 A_norm H"},
        {32, 128, 32, false, true, 0, 0, 0, ""},
        {1, 1024, 256, false, true, 0, 0, 0, "GEMV"},
        {64, 64, 64, false, false, 0, 0, 0, ""},
        {256, 256, 64, false, true, 1920, 64, 7680, "W1 b256 recurrence (strided)"},
        {64, 1024, 256, false, true, 25600, 256, 102400, "W3 recurrence (strided)"},
        {6400, 1024, 64, false, true, 0, 0, 0, "W3 input projection"},
    };
    omp_set_num_threads(threads);
    canary::set_num_threads(threads);
    std::vector<float> a(std::size_t(1) << 23, 0.5f), b(std::size_t(1) << 23, 0.25f), c(std::size_t(1) << 23);
    for (const auto& s : shapes) {
        const canary::index lda = s.lda ? s.lda : (s.ta ? s.m : s.k), ldb = s.ldb ? s.ldb : (s.tb ? s.k : s.n),
                            ldc = s.ldc ? s.ldc : s.n;
        const double volume = double(s.m) * double(s.n) * double(s.k);
        const int iters = int(std::max(5.0, 2e8 / (volume + 1000)));
        double te = 1e30, td = 1e30;
        for (int round = 0; round < 7; ++round) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < iters; ++i)
                canary::Cpu::gemm<float>(s.ta, s.tb, s.m, s.n, s.k, 1.f, a.data(), lda, b.data(), ldb, 1.f, c.data(), ldc);
            const auto t1 = std::chrono::steady_clock::now();
            for (int i = 0; i < iters; ++i)
                dnnl_sgemm(s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', s.m, s.n, s.k, 1.f, a.data(), lda, b.data(), ldb, 1.f,
                           c.data(), ldc);
            const auto t2 = std::chrono::steady_clock::now();
            te = std::min(te, std::chrono::duration<double, std::micro>(t1 - t0).count() / iters);
            td = std::min(td, std::chrono::duration<double, std::micro>(t2 - t1).count() / iters);
        }
        std::printf("GEMM shape m=%ld n=%ld k=%ld ta=%d tb=%d volume=%.0f threads=%d eigen_us=%.3f onednn_us=%.3f "
                    "eigen_over_onednn=%.2f policy=%s  # %s\n",
                    long(s.m), long(s.n), long(s.k), int(s.ta), int(s.tb), volume, threads, te, td, te / td,
                    (s.m == 1 || s.n == 1 || volume < double(canary::CpuOneDnn::small_gemm_volume)) ? "eigen" : "onednn",
                    s.what);
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 1, reps = 30;
    std::string only;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--only")) only = argv[++i];
    }
    threads = std::max(threads, 1);
    if (only.empty() || only == "sgemm") sgemm_peak(threads, std::max(reps, 5));
    if (only.empty() || only == "w3") w3(threads, reps);
    if (only == "shapes") gemm_shapes(threads);
    return 0;
}

// Compute time of one training step of the temporal GNN (srr_temporal_gnn<7, 64>, 29,697
// parameters) on a 500-stock panel, global batch 32, K = 5 graphs per sample, one process: the
// compute side of the projection in docs/distributed.md. Graphs from a synthetic one-factor panel
// (Spearman, |rho| >= 0.5), sparse (CSR) and dense normalised adjacency.
//   build/.../gnn500_step [nodes=500] [reps=3]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "canary/models/srr.hpp"
#include "canary/models/srr_data.hpp"

using namespace canary;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
    const std::size_t names = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 500;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 3;
    const std::size_t days = 120, steps = 5, batch = 32;
    data::price_panel p;
    Rng rng(1);
    p.prices = xt::xtensor<double, 2>::from_shape({days, names});
    for (std::size_t j = 0; j < names; ++j) p.instruments.push_back("S" + std::to_string(j));
    std::vector<double> level(names, 100.0);
    for (std::size_t t = 0; t < days; ++t) {
        char date[16];
        std::snprintf(date, sizeof(date), "2020-%02zu-%02zu", 1 + t / 28, 1 + t % 28);
        p.dates.emplace_back(date);
        const double market = 0.01 * rng.normal();
        for (std::size_t j = 0; j < names; ++j) p.prices(t, j) = level[j] *= std::exp(market + 0.01 * rng.normal());
    }
    models::srr_data_options o;
    o.steps = steps;
    const models::srr_graph_data g = models::make_srr_graph_data(p, days - 1, o);
    std::vector<std::size_t> sample_days;
    for (std::size_t t = days - batch; t < days; ++t) sample_days.push_back(t);
    using M = Model<models::srr_temporal_gnn<7, 64>, float>;
    M model(2);
    std::vector<float> y(batch, 1.0f);
    for (bool dense : {false, true}) {
        std::vector<double> build_ms, step_ms;
        for (int r = 0; r < reps; ++r) {
            const auto t0 = clock_type::now();
            const models::srr_batch<float> b(g.graphs, sample_days.data(), batch, steps, dense);
            const auto t1 = clock_type::now();
            Tape<float> tape(true);
            const Var<float> logit = model.forward(tape, b.input<models::srr_temporal_gnn<7, 64>>(tape));
            tape.backward(bce_with_logits(tape, logit, tape.input(y.data(), Shape{static_cast<canary::index>(batch), 1}), 1.0f));
            const auto t2 = clock_type::now();
            build_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            step_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
        }
        std::printf("nodes=%zu batch=%zu steps=%zu adjacency=%s batch_build_ms(min)=%.1f "
                    "forward_backward_ms(min)=%.1f params=%lld\n",
                    names, batch, steps, dense ? "dense" : "csr", *std::min_element(build_ms.begin(), build_ms.end()),
                    *std::min_element(step_ms.begin(), step_ms.end()), static_cast<long long>(M::param_count));
    }
    return 0;
}

#pragma once
// A public finite-difference gradient checker (in the spirit of dlib's test_layer), usable on any
// layer, model or user-written operation. It compares the reverse-mode gradient of
//   L = sum_i R_i * out_i       (R a fixed random projection, so every output element matters)
// with central differences (L(v + eps) - L(v - eps)) / (2 eps) for every checked element, in double.
//
// The error of one element is |analytic - numeric| / max(1, |analytic|, |numeric|): relative for
// large gradients, absolute for small ones, so values near zero do not explode the ratio.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "canary/autodiff/tape.hpp"
#include "canary/model/model.hpp"

namespace canary::testing {

struct GradCheckOptions {
    double epsilon = 1e-6;
    index max_elements_per_tensor = 48;  ///< checked elements per tensor (all when smaller)
    std::uint64_t seed = 1234;
};

/// One tensor whose gradient is checked: its value buffer and the buffer its adjoint lands in.
struct Probe {
    std::string name;
    double* value;
    double* grad;
    index size;
};

struct GradCheckReport {
    double max_error = 0.0;      ///< worst scaled error over all checked elements
    double max_abs_error = 0.0;  ///< worst |analytic - numeric|
    std::string worst;           ///< "tensor[i]: analytic a, numeric n"
    index checked = 0;
    bool ok(double tolerance = 1e-6) const { return max_error <= tolerance && checked > 0; }
    std::string str() const {
        std::ostringstream os;
        os << "checked " << checked << " elements, max error " << max_error << " (abs " << max_abs_error << ")";
        if (!worst.empty()) os << ", worst at " << worst;
        return os.str();
    }
};

/// requires: forward(tape) builds the computation on `tape` from Vars over the probes' buffers
///           (values from probe.value, adjoints into probe.grad) and returns its output; it must be
///           a deterministic function of the probe values (the tape is reseeded before each call).
/// ensures:  returns the worst disagreement between reverse-mode and central-difference gradients.
template <class Forward>
GradCheckReport check_gradients(Forward&& forward, std::span<Probe> probes, const GradCheckOptions& opt = {}) {
    Tape<double> tape(true, opt.seed);
    auto run = [&](bool record) -> Var<double> {
        tape.reset();
        tape.seed(opt.seed);
        tape.set_grad_enabled(record);
        return forward(tape);
    };
    // Analytic pass.
    for (auto& p : probes) std::fill(p.grad, p.grad + p.size, 0.0);
    Var<double> out = run(true);
    std::vector<double> projection(static_cast<std::size_t>(out.numel()));
    Rng rng(opt.seed ^ 0x9e3779b97f4a7c15ULL);
    for (auto& r : projection) r = rng.uniform(-1.0, 1.0);
    tape.backward(out, projection.data());
    std::vector<std::vector<double>> analytic;
    for (auto& p : probes) analytic.emplace_back(p.grad, p.grad + p.size);

    auto objective = [&]() {
        Var<double> y = run(false);
        if (y.numel() != out.numel()) throw shape_error("gradient check: the output shape changed between calls");
        double s = 0.0;
        for (index r = 0; r < y.rows(); ++r)
            for (index c = 0; c < y.cols(); ++c) s += projection[static_cast<std::size_t>(r * y.cols() + c)] * y(r, c);
        return s;
    };

    GradCheckReport report;
    for (std::size_t k = 0; k < probes.size(); ++k) {
        Probe& p = probes[k];
        std::vector<index> picks;
        if (p.size <= opt.max_elements_per_tensor) {
            for (index i = 0; i < p.size; ++i) picks.push_back(i);
        } else {
            for (index i = 0; i < opt.max_elements_per_tensor; ++i)
                picks.push_back(static_cast<index>(rng.below(static_cast<std::uint64_t>(p.size))));
        }
        for (index i : picks) {
            const double saved = p.value[i];
            p.value[i] = saved + opt.epsilon;
            const double up = objective();
            p.value[i] = saved - opt.epsilon;
            const double down = objective();
            p.value[i] = saved;
            const double numeric = (up - down) / (2.0 * opt.epsilon);
            const double a = analytic[k][static_cast<std::size_t>(i)];
            const double abs_err = std::abs(a - numeric);
            const double err = abs_err / std::max({1.0, std::abs(a), std::abs(numeric)});
            ++report.checked;
            report.max_abs_error = std::max(report.max_abs_error, abs_err);
            if (err > report.max_error || (std::isnan(err) && !std::isnan(report.max_error))) {
                report.max_error = std::isnan(err) ? INFINITY : err;
                std::ostringstream os;
                os << p.name << "[" << i << "]: analytic " << a << ", numeric " << numeric;
                report.worst = os.str();
            }
        }
    }
    return report;
}

/// Checks a layer (any type satisfying canary::Layer with a Var -> Var forward) on a random input
/// of `input_shape`: the gradient with respect to the input and to every parameter.
template <Layer L>
GradCheckReport check_layer(const L& layer, Shape input_shape, const GradCheckOptions& opt = {}) {
    Model<L, double> model(opt.seed, layer);
    std::vector<double> x(static_cast<std::size_t>(input_shape.numel())), gx(x.size());
    Rng rng(opt.seed + 7);
    for (auto& v : x) v = rng.uniform(-1.0, 1.0);
    std::vector<Probe> probes{{"input", x.data(), gx.data(), input_shape.numel()}};
    // Parameters are perturbed in the model's own buffer; their adjoints land in its gradients.
    if (L::param_count > 0) probes.push_back(Probe{"parameters", model.parameters(), model.gradients(), L::param_count});
    auto forward = [&](Tape<double>& tape) {
        return model.forward(tape, Var<double>{x.data(), gx.data(), input_shape, input_shape.cols()});
    };
    return check_gradients(forward, std::span<Probe>(probes), opt);
}

}  // namespace canary::testing

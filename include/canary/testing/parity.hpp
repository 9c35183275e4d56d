#pragma once
// The PyTorch parity harness: run a canary model on the weights and inputs of a torch reference
// and produce the tensors torch produced (y, grad.x, grad.<param>), so the two can be compared
// element by element. Used by the canary_parity tool and by the parity tests; a user registers
// their own model the same way to prove that their C++ model equals their PyTorch model.
//
// Tolerance (documented in docs/parity.md): float32 outputs agree when
//   max |canary - torch| <= 1e-4 * max(1, max |torch|)      for every output tensor.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "canary/io/state_dict.hpp"

namespace canary::testing {

/// Where a case finds its tensors: weights and inputs may live in one file under prefixes.
struct ParityArgs {
    const io::safetensors& weights;
    const io::safetensors& inputs;
    std::string weights_prefix;
    std::string inputs_prefix;

    bool double_precision() const { return inputs.at(inputs_prefix + "x").type == io::dtype::f64; }
    Shape shape_of(const std::string& name) const {
        const auto& e = inputs.at(inputs_prefix + name);
        if (e.shape.size() > 4) throw tensor_error(name, "rank above 4");
        Shape s;
        for (std::size_t i = 0; i < e.shape.size(); ++i) s = append(s, e.shape[i]);
        return s;
    }
    template <class T>
    std::vector<T> read(const std::string& name) const { return inputs.read<T>(inputs_prefix + name); }

private:
    static Shape append(Shape s, std::int64_t d) {
        Shape out;
        switch (s.rank()) {
            case 0: out = Shape{d}; break;
            case 1: out = Shape{s[0], d}; break;
            case 2: out = Shape{s[0], s[1], d}; break;
            default: out = Shape{s[0], s[1], s[2], d}; break;
        }
        return out;
    }
};

/// The outputs of one case run, in the torch reference's naming.
using ParityOutputs = io::safetensors;

inline void put_var(ParityOutputs& out, const std::string& name, const Shape& shape, const auto* data) {
    using T = std::remove_cvref_t<decltype(*data)>;
    out.put<T>(name, io::dims_of(shape), std::span<const T>(data, static_cast<std::size_t>(shape.numel())));
}

/// The common tail of every parity run: checks grad_y against the output y, runs the backward
/// pass from it, and returns y, grad.x (from the input adjoint buffer gx of shape xs) and
/// grad.<name> for every parameter of `model`.
template <class M, class T>
ParityOutputs backward_and_collect(const ParityArgs& args, Tape<T>& tape, const M& model, const Var<T>& y,
                                   const Shape& xs, const std::vector<T>& gx) {
    const Shape gys = args.shape_of("grad_y");
    if (gys.numel() != y.numel())
        throw tensor_error("grad_y", "has shape " + gys.str() + " but the output is " + y.shape.str());
    if (!y.contiguous()) throw shape_error("parity: the output is a strided view");
    const std::vector<T> gy = args.template read<T>("grad_y");
    const std::vector<T> yv(y.val, y.val + y.numel());
    tape.backward(y, gy.data());
    ParityOutputs out;
    put_var(out, "y", gys, yv.data());
    put_var(out, "grad.x", xs, gx.data());
    for (const auto& p : model.named_parameters()) put_var(out, "grad." + p.name, p.shape, model.gradients() + p.offset);
    return out;
}

/// Runs a Var -> Var network `net` as Model<Net, T>: loads its parameters (strict), applies it to
/// x, backpropagates grad_y, and returns y, grad.x and grad.<name> for every parameter.
/// `after` (optional) may add aux.* outputs from the tape and model.
template <Layer Net, class T>
ParityOutputs run_parity(const ParityArgs& args, Net net = Net{},
                         const std::function<void(Model<Net, T>&, ParityOutputs&)>& after = {}) {
    Model<Net, T> model(0, std::move(net));
    io::load_parameters(model, args.weights, args.weights_prefix);
    const Shape xs = args.shape_of("x");
    std::vector<T> x = args.template read<T>("x");
    std::vector<T> gx(x.size(), T(0));
    Tape<T> tape(true);
    const Var<T> y = model.forward(tape, Var<T>{x.data(), gx.data(), xs, xs.cols()});
    ParityOutputs out = backward_and_collect(args, tape, model, y, xs, gx);
    if (after) after(model, out);
    return out;
}

/// A name -> runner table; each runner picks float or double from the dtype of inputs.x.
class ParityRegistry {
public:
    using Runner = std::function<ParityOutputs(const ParityArgs&)>;
    void add(std::string name, Runner run) { runners_[std::move(name)] = std::move(run); }
    bool contains(const std::string& name) const { return runners_.count(name) > 0; }
    ParityOutputs run(const std::string& name, const ParityArgs& args) const {
        auto it = runners_.find(name);
        if (it == runners_.end()) throw config_error("unknown parity case '" + name + "' (see --list)");
        return it->second(args);
    }
    std::vector<std::string> names() const {
        std::vector<std::string> n;
        for (const auto& [k, v] : runners_) n.push_back(k);
        return n;
    }

    /// Registers a Var -> Var network under `name`, in float and double.
    template <Layer Net>
    void add_network(std::string name, Net net = Net{}) {
        add(std::move(name), [net](const ParityArgs& a) {
            return a.double_precision() ? run_parity<Net, double>(a, net) : run_parity<Net, float>(a, net);
        });
    }

private:
    std::map<std::string, Runner> runners_;
};

/// Per-tensor agreement of canary's outputs with the reference.
struct ParityReport {
    double worst = 0.0;  ///< max over tensors of max|a - r| / max(1, max|r|)
    std::string worst_tensor;
    std::vector<std::string> problems;  ///< missing tensors, shape mismatches, tolerance failures
    bool ok() const { return problems.empty(); }
};

/// Compares every tensor "<expected_prefix><name>" of `reference` with "<name>" in `actual`.
inline ParityReport compare_parity(const io::safetensors& reference, const std::string& expected_prefix,
                                   const ParityOutputs& actual, double tolerance = 1e-4) {
    ParityReport rep;
    for (const std::string& full : reference.names()) {
        if (full.rfind(expected_prefix, 0) != 0) continue;
        const std::string name = full.substr(expected_prefix.size());
        if (!actual.contains(name)) {
            rep.problems.push_back("missing output '" + name + "'");
            continue;
        }
        if (actual.at(name).shape != reference.at(full).shape) {
            rep.problems.push_back("'" + name + "' has shape " + io::detail::shape_string(actual.at(name).shape) +
                                   ", expected " + io::detail::shape_string(reference.at(full).shape));
            continue;
        }
        const auto r = reference.read<double>(full);
        const auto a = actual.read<double>(name);
        double max_ref = 0.0, max_err = 0.0;
        for (std::size_t i = 0; i < r.size(); ++i) {
            max_ref = std::max(max_ref, std::abs(r[i]));
            const double e = std::abs(a[i] - r[i]);
            max_err = std::isnan(e) ? INFINITY : std::max(max_err, e);
        }
        const double scaled = max_err / std::max(1.0, max_ref);
        if (scaled > rep.worst) {
            rep.worst = scaled;
            rep.worst_tensor = name;
        }
        if (scaled > tolerance)
            rep.problems.push_back("'" + name + "' max error " + std::to_string(max_err) + " (scaled " +
                                   std::to_string(scaled) + ")");
    }
    return rep;
}

}  // namespace canary::testing

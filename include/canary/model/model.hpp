#pragma once
// Model<Net, T, Backend>: a network type plus ONE flat buffer of parameters and one of gradients.
// Every layer's weights are views into it, so an optimizer is one loop, gradient clipping is one
// norm, checkpointing is one write and "show me every weight" is one table (named_parameters()).
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "canary/autodiff/tape.hpp"
#include "canary/layers/layer.hpp"
#include "canary/layers/sequential.hpp"

namespace canary {

/// A parameter tensor of a model: its torch state_dict name, shape and offset in the flat buffer.
struct NamedParameter {
    std::string name;
    Shape shape;
    index offset;
};

/// A network type plus one flat buffer of parameters and one of gradients (torch-default
/// initialisation); T is float or double, Backend the policy that runs it (canary::DefaultCpu,
/// canary::Cpu, canary::CpuOneDnn, canary::Cuda).
template <Layer Net, class T = float, class Backend = DefaultCpu>
class Model {
    static_assert(std::is_floating_point_v<T>, "canary::Model: the scalar type must be float or double");

public:
    using network = Net;
    using scalar = T;
    using backend = Backend;
    using tape_type = Tape<T, Backend>;
    static constexpr index param_count = Net::param_count;
    static constexpr index in_width = Net::in_width;
    static constexpr index out_width = Net::out_width;

    /// Builds the network and initialises its parameters as torch would by default (same
    /// distributions; the numbers come from canary's own generator, seeded by `seed`).
    explicit Model(std::uint64_t seed = 0, Net net = Net{})
        : net_(std::move(net)), values_(allocate(param_count)), grads_(allocate(param_count)) {
        visit_params(net_, "", 0, [this](const std::string& name, const Shape& shape, index offset) {
            named_.push_back(NamedParameter{name, shape, offset});
        });
        reinitialize(seed);
    }
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;
    /// Moves the buffers; the moved-from model is empty.
    Model(Model&&) noexcept = default;
    /// Moves the buffers; the moved-from model is empty.
    Model& operator=(Model&&) noexcept = default;

    /// Draws every parameter again as the constructor does for `seed`, and zeroes the gradients.
    void reinitialize(std::uint64_t seed) {
        Rng rng(seed);
        if constexpr (is_device_backend_v<Backend>) {
            // The same host initialisation as on the CPU, then one transfer: a device model starts
            // from exactly the CPU model's weights for the same seed.
            std::vector<T> host(static_cast<std::size_t>(param_count), T(0));
            init_params(net_, ParamSpan<T>{host.data(), nullptr, param_count}, rng);
            Backend::to_device(host.data(), values_.get(), param_count);
        } else {
            Backend::zero(values_.get(), param_count);
            init_params(net_, ParamSpan<T>{values_.get(), nullptr, param_count}, rng);
        }
        zero_grad();
    }

    /// The network object (its layers and their settings).
    Net& net() noexcept { return net_; }
    /// The network object (its layers and their settings).
    const Net& net() const noexcept { return net_; }
    /// The I-th layer of a Sequential network.
    template <std::size_t I>
    auto& get() noexcept { return net_.template get<I>(); }

    /// The flat parameter buffer (param_count values, in the backend's memory).
    T* parameters() noexcept { return values_.get(); }
    /// The flat parameter buffer (param_count values, in the backend's memory).
    const T* parameters() const noexcept { return values_.get(); }
    /// The flat gradient buffer, laid out as parameters().
    T* gradients() noexcept { return grads_.get(); }
    /// The flat gradient buffer, laid out as parameters().
    const T* gradients() const noexcept { return grads_.get(); }
    /// Sets every gradient to zero.
    void zero_grad() { Backend::zero(grads_.get(), param_count); }

    /// The parameters in torch's state_dict order and naming.
    const std::vector<NamedParameter>& named_parameters() const noexcept { return named_; }
    /// The parameter with this torch state_dict name; throws canary::tensor_error when there is none.
    const NamedParameter& parameter(std::string_view name) const {
        for (const auto& p : named_)
            if (p.name == name) return p;
        throw tensor_error(std::string(name), "not a parameter of this model");
    }

    /// Applies the network. On a recording tape the gradient buffer is zeroed the first time a
    /// step (tape epoch) touches it, so gradients never leak from one step into the next.
    template <class X>
    auto forward(tape_type& tape, const X& x) {
        const bool record = tape.recording();
        if (record && zeroed_epoch_ != tape.epoch()) {
            zero_grad();
            zeroed_epoch_ = tape.epoch();
        }
        return net_.forward(tape, ParamSpan<T>{values_.get(), record ? grads_.get() : nullptr, param_count}, x);
    }

    /// A table of layers, output shapes and parameter counts. With an example input shape the
    /// output shapes are concrete; without, only the widths are shown.
    std::string summary(Shape example_input = Shape{}) const {
        std::ostringstream os;
        const bool concrete = example_input.rank() > 0;
        Shape shape = concrete ? example_input : Shape{in_width == any_width ? 0 : in_width};
        os << std::left << std::setw(4) << "#" << std::setw(44) << "layer" << std::setw(22) << "output" << "params\n";
        auto row = [&](std::string position, const std::string& name, const Shape& s, index params) {
            std::string out = concrete ? s.str() : "(*, " + std::to_string(s.cols()) + ")";
            os << std::setw(4) << position << std::setw(44) << name << std::setw(22) << out << params << "\n";
        };
        if constexpr (requires { net_.for_each_layer([]<std::size_t>(const auto&) {}); }) {
            net_.for_each_layer([&]<std::size_t I>(const auto& layer) {
                shape = output_shape_of(layer, shape);
                row(std::to_string(I), layer.name(), shape, std::decay_t<decltype(layer)>::param_count);
            });
        } else {
            shape = output_shape_of(net_, shape);
            row("0", net_.name(), shape, param_count);
        }
        os << "total parameters: " << param_count << "\n";
        return os.str();
    }
    friend std::ostream& operator<<(std::ostream& os, const Model& m) { return os << m.summary(); }

private:
    struct Free {
        void operator()(T* p) const noexcept { Backend::memory::deallocate(p); }
    };
    using buffer = std::unique_ptr<T[], Free>;
    static buffer allocate(index n) {
        return buffer(static_cast<T*>(Backend::memory::allocate(sizeof(T) * static_cast<std::size_t>(n > 0 ? n : 1))));
    }

    Net net_;
    buffer values_;
    buffer grads_;
    std::vector<NamedParameter> named_;
    std::uint64_t zeroed_epoch_ = 0;
};

}  // namespace canary

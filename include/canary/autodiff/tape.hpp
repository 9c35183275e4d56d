#pragma once
// The reverse-mode tape. Forward code allocates values and adjoints from an arena and records, for
// each matrix-level operation, a small closure that propagates adjoints back to its inputs. The
// backward pass runs the closures in reverse. Across layers and time steps the tape is a runtime
// sequence of nodes, so the number of C++ types never grows with sequence length; within a node,
// element-wise math is fused by expression templates (canary/autodiff/expr.hpp).
//
// After reset() the arena and the node list keep their memory: a second step of the same shape
// performs no heap allocation.
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "canary/autodiff/var.hpp"
#include "canary/backend/default.hpp"
#include "canary/core/arena.hpp"
#include "canary/core/rng.hpp"

namespace canary {

template <class T, class Backend = DefaultCpu>
class Tape {
public:
    using scalar = T;
    using backend = Backend;

    /// training: dropout and other train-only behaviour on, gradients recorded.
    /// !training: inference; nothing is recorded and no adjoint buffer is allocated.
    explicit Tape(bool training = true, std::uint64_t seed = 0)
        : training_(training), grad_enabled_(training), rng_(seed) {
        nodes_.reserve(256);
    }
    Tape(const Tape&) = delete;
    Tape& operator=(const Tape&) = delete;

    bool training() const noexcept { return training_; }
    void set_training(bool on) noexcept { training_ = on; }
    /// Whether operations record backward nodes and allocate adjoints.
    bool recording() const noexcept { return grad_enabled_; }
    void set_grad_enabled(bool on) noexcept { grad_enabled_ = on; }

    /// Drops every node and intermediate buffer (all Vars from this tape become invalid).
    void reset() {
        nodes_.clear();
        arena_.reset();
        node_arena_.reset();
        ++epoch_;
        backward_done_ = false;
    }
    /// Incremented by reset(); models use it to zero parameter gradients once per step.
    std::uint64_t epoch() const noexcept { return epoch_; }

    Rng& rng() noexcept { return rng_; }
    void seed(std::uint64_t s) { rng_.reseed(s); }

    /// A new variable with uninitialised values; its adjoint (if any) starts at zero.
    Var<T> make(Shape s, bool with_grad) {
        Var<T> v;
        v.shape = s;
        v.ld = s.cols();
        v.val = arena_.template allocate_array<T>(s.numel());
        if (with_grad && grad_enabled_) {
            v.adj = arena_.template allocate_array<T>(s.numel());
            Backend::zero(v.adj, s.numel());
        }
        return v;
    }
    Var<T> zeros(Shape s, bool with_grad) {
        Var<T> v = make(s, with_grad);
        Backend::zero(v.val, s.numel());
        return v;
    }
    /// Copies data (row-major, s.numel() values) into a new variable.
    /// With a device backend, data is host memory and is transferred to the device.
    Var<T> input(const T* data, Shape s, bool with_grad = false) {
        Var<T> v = make(s, with_grad);
        if constexpr (is_device_backend_v<Backend>) Backend::to_device(data, v.val, s.numel());
        else Backend::copy(data, v.val, s.numel());
        return v;
    }
    /// Raw scratch memory valid until reset() (saved activations, masks, indices).
    template <class U = T>
    U* scratch(index n) {
        return arena_.template allocate_array<U>(n);
    }

    /// Records a backward closure. F must be trivially copyable and trivially destructible: it
    /// is placed in the node arena and never destroyed (captures are Vars, pointers and sizes).
    template <class F>
    void record(F backward) {
        static_assert(std::is_trivially_copyable_v<F> && std::is_trivially_destructible_v<F>,
                      "canary::Tape::record: a backward closure may capture only Vars, pointers and numbers");
        if (!grad_enabled_) return;
        void* mem = node_arena_.allocate(sizeof(F));
        F* stored = ::new (mem) F(std::move(backward));
        nodes_.push_back(Node{[](void* p) { (*static_cast<F*>(p))(); }, stored});
    }

    /// Runs the reverse pass from `out`, seeding its adjoint with 1 in every element (for a scalar
    /// loss this is dL/dL = 1).
    void backward(Var<T> out) {
        require_grad(out);
        if constexpr (is_device_backend_v<Backend>) {
            for (index r = 0; r < out.rows(); ++r) Backend::fill(out.adj + r * out.ld, out.cols(), T(1));
        } else {
            for (index r = 0; r < out.rows(); ++r)
                for (index c = 0; c < out.cols(); ++c) out.grad(r, c) = T(1);
        }
        run_backward();
    }
    /// Runs the reverse pass from `out` with an upstream gradient (row-major, out.numel() values;
    /// host memory also with a device backend).
    void backward(Var<T> out, const T* seed) {
        require_grad(out);
        if constexpr (is_device_backend_v<Backend>) {
            for (index r = 0; r < out.rows(); ++r)
                Backend::to_device(seed + r * out.cols(), out.adj + r * out.ld, out.cols());
        } else {
            for (index r = 0; r < out.rows(); ++r)
                for (index c = 0; c < out.cols(); ++c) out.grad(r, c) = seed[r * out.cols() + c];
        }
        run_backward();
    }

    std::size_t node_count() const noexcept { return nodes_.size(); }
    const Arena<typename Backend::memory>& arena() const noexcept { return arena_; }
    /// System allocations made by the tape's arenas so far (steady state: constant).
    std::size_t system_allocations() const noexcept {
        return arena_.system_allocations() + node_arena_.system_allocations();
    }

private:
    struct Node {
        void (*run)(void*);
        void* closure;
    };
    void require_grad(const Var<T>& out) const {
        if (!grad_enabled_) throw error("Tape::backward on a tape that records nothing (inference mode)");
        if (!out.requires_grad()) throw error("Tape::backward: the output does not depend on anything that needs a gradient");
        if (backward_done_) throw error("Tape::backward called twice without reset()");
    }
    void run_backward() {
        backward_done_ = true;
        for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) it->run(it->closure);
    }

    Arena<typename Backend::memory> arena_;
    Arena<HostMemory> node_arena_;
    std::vector<Node> nodes_;
    bool training_;
    bool grad_enabled_;
    bool backward_done_ = false;
    std::uint64_t epoch_ = 1;
    Rng rng_;
};

}  // namespace canary

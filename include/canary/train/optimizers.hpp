#pragma once
// Optimizers over the model's flat parameter buffer: one loop each, no per-layer bookkeeping.
// Update rules follow torch.optim exactly (same order of operations, same epsilon placement), so a
// model trained here and in PyTorch from the same weights follows the same trajectory.
#include <cmath>
#include <cstddef>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "canary/backend/kernels.hpp"
#include "canary/backend/traits.hpp"
#include "canary/core/error.hpp"
#include "canary/core/shape.hpp"

namespace canary {

namespace detail {
template <class M>
concept HasFlatParameters = requires(M& m) {
    m.parameters();
    m.gradients();
    M::param_count;
};
/// A model whose parameters live in a device backend's memory.
template <class M>
inline constexpr bool on_device_model_v = [] {
    if constexpr (requires { typename M::backend; }) return is_device_backend_v<typename M::backend>;
    else return false;
}();
}  // namespace detail

/// Common interface: step(params, grads, n) and a model overload.
template <class T, class Derived>
class OptimizerBase {
public:
    /// One update of every parameter of `model` from its gradients.
    template <detail::HasFlatParameters M>
    void step(M& model) {
        static_assert(!detail::on_device_model_v<M>,
                      "canary: this optimizer has no device implementation yet; SGD, Adam and AdamW do (docs/cuda.md)");
        static_cast<Derived*>(this)->step(model.parameters(), model.gradients(), M::param_count);
    }
    /// The current learning rate.
    T learning_rate() const noexcept { return lr_; }
    /// Changes the learning rate for the following steps (schedules).
    void set_learning_rate(T lr) noexcept { lr_ = lr; }
    /// Number of steps taken so far.
    long steps_taken() const noexcept { return t_; }

protected:
    /// Throws canary::config_error unless lr >= 0.
    explicit OptimizerBase(T lr) : lr_(lr) {
        if (!(lr >= T(0))) throw config_error("optimizer: learning rate must be >= 0");
    }
    /// Sizes a state buffer (momentum, moments) to n zeros when its size differs.
    void ensure_state(std::vector<T>& s, index n) {
        if (static_cast<index>(s.size()) != n) s.assign(static_cast<std::size_t>(n), T(0));
    }
    /// The learning rate.
    T lr_;
    /// Steps taken (Adam's bias correction counts from 1).
    long t_ = 0;
};

/// torch.optim.SGD(lr, momentum, dampening, weight_decay, nesterov).
template <class T>
class SGD : public OptimizerBase<T, SGD<T>> {
    using Base = OptimizerBase<T, SGD<T>>;

public:
    /// torch's arguments and defaults; throws canary::config_error for nesterov without momentum or
    /// with dampening, and for a negative learning rate.
    explicit SGD(T lr, T momentum = T(0), T weight_decay = T(0), T dampening = T(0), bool nesterov = false)
        : Base(lr), momentum_(momentum), weight_decay_(weight_decay), dampening_(dampening), nesterov_(nesterov) {
        if (nesterov && (momentum <= T(0) || dampening != T(0)))
            throw config_error("SGD: Nesterov momentum requires momentum > 0 and zero dampening");
    }
    using Base::step;
    /// A host model runs the loop below; a device model runs the same update (kernels::SgdUpdate)
    /// as one kernel, its momentum buffer in device memory.
    template <detail::HasFlatParameters M>
    void step(M& model) {
        if constexpr (detail::on_device_model_v<M>) {
            using B = typename M::backend;
            const index n = M::param_count;
            if (momentum_ != T(0) && device_n_ != n) {
                T* q = static_cast<T*>(B::memory::allocate(sizeof(T) * static_cast<std::size_t>(n > 0 ? n : 1)));
                B::zero(q, n);
                device_buf_ = std::shared_ptr<T>(q, [](T* x) { B::memory::deallocate(x); });
                device_n_ = n;
            }
            const bool first = this->t_ == 0;
            ++this->t_;
            B::for_each_index(n, kernels::SgdUpdate<T>{model.parameters(), model.gradients(), device_buf_.get(), this->lr_,
                                                       momentum_, weight_decay_, dampening_, nesterov_, first});
        } else {
            step(model.parameters(), model.gradients(), M::param_count);
        }
    }
    /// One update of the n parameters p from their gradients g (host memory).
    void step(T* p, const T* g, index n) {
        if (momentum_ != T(0)) this->ensure_state(buf_, n);
        const bool first = this->t_ == 0;
        ++this->t_;
        for (index i = 0; i < n; ++i) {
            T d = g[i] + weight_decay_ * p[i];
            if (momentum_ != T(0)) {
                T& b = buf_[static_cast<std::size_t>(i)];
                b = first ? d : momentum_ * b + (T(1) - dampening_) * d;
                d = nesterov_ ? d + momentum_ * b : b;
            }
            p[i] -= this->lr_ * d;
        }
    }

private:
    T momentum_, weight_decay_, dampening_;
    bool nesterov_;
    std::vector<T> buf_;
    std::shared_ptr<T> device_buf_;  // momentum of a device model, in its backend's memory
    index device_n_ = -1;
};

/// torch.optim.Adam (weight decay added to the gradient) and, with decoupled = true,
/// torch.optim.AdamW (weight decay applied to the parameters: p *= 1 - lr wd).
template <class T>
class Adam : public OptimizerBase<T, Adam<T>> {
    using Base = OptimizerBase<T, Adam<T>>;

public:
    /// torch's arguments and defaults; throws canary::config_error for betas outside [0, 1).
    explicit Adam(T lr = T(1e-3), T beta1 = T(0.9), T beta2 = T(0.999), T eps = T(1e-8), T weight_decay = T(0),
                  bool decoupled_weight_decay = false)
        : Base(lr), beta1_(beta1), beta2_(beta2), eps_(eps), weight_decay_(weight_decay),
          decoupled_(decoupled_weight_decay) {
        if (!(beta1 >= T(0) && beta1 < T(1) && beta2 >= T(0) && beta2 < T(1)))
            throw config_error("Adam: betas must be in [0, 1)");
    }
    using Base::step;
    /// A host model runs the loop below; a device model (Model<Net, T, Cuda>) runs the same update
    /// (kernels::AdamUpdate, identical arithmetic) as one kernel, its moments in device memory.
    template <detail::HasFlatParameters M>
    void step(M& model) {
        if constexpr (detail::on_device_model_v<M>)
            device_step<typename M::backend>(model.parameters(), model.gradients(), M::param_count);
        else
            step(model.parameters(), model.gradients(), M::param_count);
    }
    /// One update of the n parameters p from their gradients g (host memory).
    void step(T* p, const T* g, index n) {
        this->ensure_state(m_, n);
        this->ensure_state(v_, n);
        ++this->t_;
        const T bc1 = T(1) - std::pow(beta1_, static_cast<T>(this->t_));
        const T bc2 = T(1) - std::pow(beta2_, static_cast<T>(this->t_));
        const T step_size = this->lr_ / bc1;
        const T sqrt_bc2 = std::sqrt(bc2);
        const T decay = decoupled_ ? T(1) - this->lr_ * weight_decay_ : T(1);
        const T coupled = decoupled_ ? T(0) : weight_decay_;
        T* m = m_.data();
        T* v = v_.data();
        for (index i = 0; i < n; ++i) {
            const T gi = g[i] + coupled * p[i];
            p[i] *= decay;
            m[i] = beta1_ * m[i] + (T(1) - beta1_) * gi;
            v[i] = beta2_ * v[i] + (T(1) - beta2_) * gi * gi;
            p[i] -= step_size * m[i] / (std::sqrt(v[i]) / sqrt_bc2 + eps_);
        }
    }

    /// The moments (torch's exp_avg and exp_avg_sq) of a host model; empty before the first step.
    const std::vector<T>& exp_avg() const noexcept { return m_; }
    const std::vector<T>& exp_avg_sq() const noexcept { return v_; }
    /// Continues from saved state (a checkpoint): the next step() is the one after `steps` steps.
    /// requires: m and v have the same size (zero before the first step).
    void restore_state(std::vector<T> m, std::vector<T> v, long steps) {
        if (m.size() != v.size()) throw config_error("Adam: restored moments differ in size");
        m_ = std::move(m);
        v_ = std::move(v);
        this->t_ = steps;
    }

private:
    template <class B>
    void device_step(T* p, const T* g, index n) {
        if (device_n_ != n) {
            auto make = [n] {
                T* q = static_cast<T*>(B::memory::allocate(sizeof(T) * static_cast<std::size_t>(n > 0 ? n : 1)));
                B::zero(q, n);
                return std::shared_ptr<T>(q, [](T* x) { B::memory::deallocate(x); });
            };
            device_m_ = make();
            device_v_ = make();
            device_n_ = n;
        }
        ++this->t_;
        const T bc1 = T(1) - std::pow(beta1_, static_cast<T>(this->t_));
        const T bc2 = T(1) - std::pow(beta2_, static_cast<T>(this->t_));
        const kernels::AdamUpdate<T> update{p,
                                            g,
                                            device_m_.get(),
                                            device_v_.get(),
                                            beta1_,
                                            beta2_,
                                            eps_,
                                            this->lr_ / bc1,
                                            std::sqrt(bc2),
                                            decoupled_ ? T(1) - this->lr_ * weight_decay_ : T(1),
                                            decoupled_ ? T(0) : weight_decay_};
        B::for_each_index(n, update);
    }

    T beta1_, beta2_, eps_, weight_decay_;
    bool decoupled_;
    std::vector<T> m_, v_;
    std::shared_ptr<T> device_m_, device_v_;  // moments of a device model, in its backend's memory
    index device_n_ = -1;
};

/// torch.optim.AdamW: Adam with decoupled weight decay (default 0.01 as in torch).
template <class T>
class AdamW : public Adam<T> {
public:
    /// torch's arguments and defaults.
    explicit AdamW(T lr = T(1e-3), T beta1 = T(0.9), T beta2 = T(0.999), T eps = T(1e-8), T weight_decay = T(1e-2))
        : Adam<T>(lr, beta1, beta2, eps, weight_decay, true) {}
};

/// torch.nn.utils.clip_grad_norm_: scales all gradients by max_norm / (||g||_2 + 1e-6) when that
/// factor is below one. Returns the norm before clipping.
template <class T>
T clip_grad_norm(T* g, index n, T max_norm) {
    double sq = 0.0;
    for (index i = 0; i < n; ++i) sq += static_cast<double>(g[i]) * static_cast<double>(g[i]);
    const T total = static_cast<T>(std::sqrt(sq));
    const T coef = max_norm / (total + T(1e-6));
    if (coef < T(1))
        for (index i = 0; i < n; ++i) g[i] *= coef;
    return total;
}
/// A device model: the squared norm by the backend's deterministic reduction (in double, as on the
/// CPU, summed in the reduction's order), one transfer of that number, one scaling kernel.
template <detail::HasFlatParameters M, class T>
T clip_grad_norm(M& model, T max_norm) {
    if constexpr (detail::on_device_model_v<M>) {
        using B = typename M::backend;
        const index n = M::param_count;
        T* g = model.gradients();
        double* sq_dev = static_cast<double*>(B::memory::allocate(sizeof(double)));
        double sq = 0.0;
        try {
            B::reduce(n, kernels::SquareAsDouble<T>{g}, 1.0, sq_dev);
            B::to_host(sq_dev, &sq, 1);
        } catch (...) {
            B::memory::deallocate(sq_dev);
            throw;
        }
        B::memory::deallocate(sq_dev);
        const T total = static_cast<T>(std::sqrt(sq));
        const T coef = max_norm / (total + T(1e-6));
        if (coef < T(1)) B::for_each_index(n, kernels::Scale<T>{g, coef});
        return total;
    } else {
        return clip_grad_norm(model.gradients(), M::param_count, max_norm);
    }
}

}  // namespace canary

#pragma once
// xtensor containers at the API boundary: price panels, windows and predictions are xtensor
// arrays; inside, layers work on Eigen maps over the same row-major buffers. These two functions
// are the only crossing points, and each is one copy.
#include <xtensor/xtensor.hpp>

#include "canary/autodiff/tape.hpp"

namespace canary {

/// Copies a row-major xtensor (rank 1..4) into a new tape variable.
template <class T, class B, std::size_t N>
Var<T> tape_input(Tape<T, B>& tape, const xt::xtensor<T, N>& x, bool with_grad = false) {
    static_assert(N >= 1 && N <= 4, "canary::tape_input: rank must be 1..4");
    Shape s;
    if constexpr (N == 1) s = Shape{index(x.shape(0))};
    else if constexpr (N == 2) s = Shape{index(x.shape(0)), index(x.shape(1))};
    else if constexpr (N == 3) s = Shape{index(x.shape(0)), index(x.shape(1)), index(x.shape(2))};
    else s = Shape{index(x.shape(0)), index(x.shape(1)), index(x.shape(2)), index(x.shape(3))};
    return tape.input(x.data(), s, with_grad);
}

/// Copies a variable's values (its logical shape, rank N) into an xtensor.
template <std::size_t N, class T>
xt::xtensor<T, N> to_xtensor(const Var<T>& v) {
    if (v.shape.rank() != static_cast<int>(N))
        throw shape_error("to_xtensor<" + std::to_string(N) + ">: variable has shape " + v.shape.str());
    std::array<std::size_t, N> shape{};
    for (std::size_t i = 0; i < N; ++i) shape[i] = static_cast<std::size_t>(v.shape[static_cast<int>(i)]);
    xt::xtensor<T, N> out = xt::xtensor<T, N>::from_shape(shape);
    T* o = out.data();
    for (index r = 0; r < v.rows(); ++r)
        for (index c = 0; c < v.cols(); ++c) *o++ = v(r, c);
    return out;
}

}  // namespace canary

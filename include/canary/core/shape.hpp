#pragma once
// Runtime extents of a tensor. Feature widths are checked at compile time by the layer types;
// batch, time and node extents live here, at run time, so the number of types never grows with
// the data.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>

#include "canary/core/error.hpp"

namespace canary {

/// Signed extent and offset type used throughout (Eigen's convention).
using index = std::ptrdiff_t;

/// A row-major shape of rank 0..4. The last extent is the feature width; a tensor of shape
/// (d0, ..., dk) is viewed as a matrix of rows = d0*...*d(k-1) and cols = dk.
class Shape {
public:
    static constexpr int max_rank = 4;

    constexpr Shape() = default;
    constexpr Shape(std::initializer_list<index> dims) {
        if (dims.size() > static_cast<std::size_t>(max_rank)) throw shape_error("Shape: rank above 4");
        for (index d : dims) {
            if (d < 0) throw shape_error("Shape: negative extent");
            dims_[static_cast<std::size_t>(rank_++)] = d;
        }
    }

    constexpr int rank() const noexcept { return rank_; }
    constexpr index operator[](int i) const noexcept { return dims_[static_cast<std::size_t>(i)]; }
    constexpr index& operator[](int i) noexcept { return dims_[static_cast<std::size_t>(i)]; }
    constexpr index back() const noexcept { return rank_ == 0 ? 1 : dims_[static_cast<std::size_t>(rank_ - 1)]; }
    constexpr index numel() const noexcept {
        index n = 1;
        for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
        return n;
    }
    /// Rows of the matrix view: the product of all extents but the last.
    constexpr index rows() const noexcept { return back() == 0 ? 0 : numel() / back(); }
    constexpr index cols() const noexcept { return back(); }

    /// The same shape with the last extent replaced (a layer changing the feature width).
    constexpr Shape with_width(index width) const {
        Shape s = *this;
        if (s.rank_ == 0) s = Shape{width};
        else s.dims_[static_cast<std::size_t>(s.rank_ - 1)] = width;
        return s;
    }

    friend constexpr bool operator==(const Shape& a, const Shape& b) noexcept {
        if (a.rank_ != b.rank_) return false;
        for (int i = 0; i < a.rank_; ++i)
            if (a.dims_[static_cast<std::size_t>(i)] != b.dims_[static_cast<std::size_t>(i)]) return false;
        return true;
    }

    std::string str() const {
        std::string s = "(";
        for (int i = 0; i < rank_; ++i) {
            if (i) s += ", ";
            s += std::to_string(dims_[static_cast<std::size_t>(i)]);
        }
        return s + ")";
    }

private:
    std::array<index, max_rank> dims_{};
    int rank_ = 0;
};

}  // namespace canary

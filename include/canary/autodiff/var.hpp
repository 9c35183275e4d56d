#pragma once
// A matrix-level autodiff variable: a value buffer and an adjoint buffer of the same layout.
// Var is a non-owning view (like std::span); buffers belong to a Tape's arena or to a model's
// flat parameter buffer. Views of a Var (a time step, a column block) share its adjoint, so
// slicing needs no tape node: gradients written through the view land in the parent.
#include "canary/core/error.hpp"
#include "canary/core/shape.hpp"

namespace canary {

template <class T>
struct Var {
    T* val = nullptr;  ///< values, row-major, row stride `ld`
    T* adj = nullptr;  ///< adjoints (same layout) or nullptr when no gradient is wanted
    Shape shape;       ///< logical extents; the matrix view is (shape.rows(), shape.cols())
    index ld = 0;      ///< row stride of the matrix view (== cols() when contiguous)

    index rows() const noexcept { return shape.rows(); }
    index cols() const noexcept { return shape.cols(); }
    index numel() const noexcept { return shape.numel(); }
    bool contiguous() const noexcept { return ld == cols() || rows() <= 1; }
    bool requires_grad() const noexcept { return adj != nullptr; }

    T& operator()(index r, index c) const noexcept { return val[r * ld + c]; }
    T& grad(index r, index c) const noexcept { return adj[r * ld + c]; }

    /// The same buffer under another shape with the same number of elements. requires contiguous().
    Var reshaped(Shape s) const {
        if (s.numel() != numel()) throw shape_error("reshape " + shape.str() + " -> " + s.str() + ": size differs");
        if (!contiguous()) throw shape_error("reshape of a strided view " + shape.str());
        return Var{val, adj, s, s.cols()};
    }

    /// Columns [first, first + count) of the matrix view (a feature block, e.g. one LSTM gate).
    Var col_block(index first, index count) const {
        if (first < 0 || count < 0 || first + count > cols())
            throw shape_error("col_block [" + std::to_string(first) + ", " + std::to_string(first + count) +
                              ") outside width " + std::to_string(cols()));
        return Var{val + first, adj ? adj + first : nullptr, Shape{rows(), count}, ld};
    }

    /// Rows [first, first + count) of the matrix view.
    Var row_block(index first, index count) const {
        if (first < 0 || count < 0 || first + count > rows())
            throw shape_error("row_block [" + std::to_string(first) + ", " + std::to_string(first + count) +
                              ") outside " + std::to_string(rows()) + " rows");
        return Var{val + first * ld, adj ? adj + first * ld : nullptr, Shape{count, cols()}, ld};
    }

    /// For a contiguous (B, T, F) sequence: the (B, F) matrix of time step t, a strided view.
    Var time_step(index t) const {
        if (shape.rank() != 3) throw shape_error("time_step needs a (batch, time, features) tensor, got " + shape.str());
        if (!contiguous()) throw shape_error("time_step of a strided view");
        if (t < 0 || t >= shape[1]) throw shape_error("time step " + std::to_string(t) + " outside " + shape.str());
        const index f = shape[2];
        return Var{val + t * f, adj ? adj + t * f : nullptr, Shape{shape[0], f}, shape[1] * f};
    }

    /// The same view without its adjoint: the value is used, no gradient flows through it.
    Var detached() const { return Var{val, nullptr, shape, ld}; }
};

}  // namespace canary

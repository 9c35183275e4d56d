#pragma once
// Expression templates for element-wise math, with adjoints derived at compile time.
//
//   Var<float> c = eval(tape, sigmoid(f) * c_prev + sigmoid(i) * tanh(g));
//
// builds a tree type; eval() runs ONE loop computing every element, and records ONE backward node
// whose loop propagates the output adjoint down the tree to every leaf (chain rule per node type),
// accumulating into the leaves' adjoint buffers. Each node caches its value on the way down so the
// backward loop evaluates each sub-expression once. The same trees can be evaluated without a
// tape (assign / backprop) inside custom operations such as a whole-sequence LSTM kernel.
//
// Broadcasting is explicit and cheap: a (1, C) Var broadcasts over rows automatically (bias rows);
// a (R, 1) Var broadcasts over columns only through per_row(v), because its adjoint is a reduction
// along the row, which changes how the backward loop may be vectorised.
#include <cmath>
#include <concepts>
#include <type_traits>

#include "canary/core/math.hpp"
#include "canary/autodiff/tape.hpp"
#include "canary/autodiff/var.hpp"

namespace canary {

/// Empty base of every expression node: makes canary's operators reachable by argument-dependent
/// lookup for any expression type.
struct expr_base {};

template <class E>
concept Expression = std::derived_from<E, expr_base>;

namespace expr {

// ---- leaves -----------------------------------------------------------------------------------

/// A matrix leaf; vld == 0 makes a (1, C) leaf broadcast over rows.
template <class T>
struct Leaf : expr_base {
    using scalar = T;
    static constexpr bool reduces = false;
    const T* v;
    index vld;
    T* a;
    index ald;
    index rows, cols;
    Shape shape;
    bool contiguous;

    explicit Leaf(const Var<T>& x)
        : v(x.val), vld(x.ld), a(x.adj), ald(x.ld), rows(x.rows()), cols(x.cols()), shape(x.shape),
          contiguous(x.contiguous()) {}

    struct Cache {
        T value;
    };
    CANARY_HD T value(index r, index c) const { return v[r * vld + c]; }
    CANARY_HD Cache cache(index r, index c) const { return {value(r, c)}; }
    CANARY_HD void back(index r, index c, T g, const Cache&) const {
#if CANARY_DEVICE_PASS
        // On a device, elements run in parallel: a leaf without adjoint (resolved with a null
        // sink) is skipped, and a row-broadcast leaf's adjoint, a sum over rows, is accumulated
        // atomically.
        if (!a) return;
        if (ald == 0) atomicAdd(a + c, g);
        else a[r * ald + c] += g;
#else
        a[r * ald + c] += g;
#endif
    }

    bool needs_grad() const { return a != nullptr; }
    void check(index R, index C) const {
        if ((rows != R && rows != 1) || cols != C)
            throw shape_error("element-wise expression: operand " + shape.str() + " does not fit result (" +
                              std::to_string(R) + ", " + std::to_string(C) +
                              (cols == 1 && C != 1 ? "); use per_row() to broadcast a column" : ")"));
    }
    void extent(index& R, index& C) const {
        R = R < rows ? rows : R;
        C = C < cols ? cols : C;
    }
    bool result_shape(index R, index C, Shape& out) const {
        if (rows == R && cols == C && contiguous) { out = shape; return true; }
        return false;
    }
    Leaf resolved(index R, T* sink) const {
        Leaf l = *this;
        if (rows == 1 && R != 1) l.vld = l.ald = 0;
        if (!l.a) { l.a = sink; l.ald = 0; }
        return l;
    }
};

/// A (R, 1) leaf broadcast along each row: value v[r], adjoint summed over the row.
template <class T>
struct RowScalarLeaf : expr_base {
    using scalar = T;
    static constexpr bool reduces = true;
    const T* v;
    index vld;
    T* a;
    index ald;
    index rows;

    explicit RowScalarLeaf(const Var<T>& x) : v(x.val), vld(x.ld), a(x.adj), ald(x.ld), rows(x.rows()) {
        if (x.cols() != 1) throw shape_error("per_row() needs a (rows, 1) operand, got " + x.shape.str());
    }
    struct Cache {
        T value;
    };
    CANARY_HD T value(index r, index) const { return v[r * vld]; }
    CANARY_HD Cache cache(index r, index c) const { return {value(r, c)}; }
    CANARY_HD void back(index r, index, T g, const Cache&) const {
#if CANARY_DEVICE_PASS
        if (a) atomicAdd(a + r * ald, g);  // a sum along the row, whose elements run in parallel
#else
        a[r * ald] += g;
#endif
    }
    bool needs_grad() const { return a != nullptr; }
    void check(index R, index) const {
        if (rows != R && rows != 1)
            throw shape_error("per_row(): operand has " + std::to_string(rows) + " rows, result " + std::to_string(R));
    }
    void extent(index& R, index&) const { R = R < rows ? rows : R; }
    bool result_shape(index, index, Shape&) const { return false; }
    RowScalarLeaf resolved(index R, T* sink) const {
        RowScalarLeaf l = *this;
        if (rows == 1 && R != 1) l.vld = l.ald = 0;
        if (!l.a) { l.a = sink; l.ald = 0; }
        return l;
    }
};

/// A constant scalar.
template <class T>
struct Constant : expr_base {
    using scalar = T;
    static constexpr bool reduces = false;
    T c;
    explicit Constant(T value) : c(value) {}
    struct Cache {
        T value;
    };
    CANARY_HD T value(index, index) const { return c; }
    CANARY_HD Cache cache(index, index) const { return {c}; }
    CANARY_HD void back(index, index, T, const Cache&) const {}
    bool needs_grad() const { return false; }
    void check(index, index) const {}
    void extent(index&, index&) const {}
    bool result_shape(index, index, Shape&) const { return false; }
    Constant resolved(index, T*) const { return *this; }
};

// ---- interior nodes ---------------------------------------------------------------------------

template <class Op, class E>
struct Unary : expr_base {
    using scalar = typename E::scalar;
    using T = scalar;
    static constexpr bool reduces = E::reduces;
    Op op;
    E e;
    Unary(Op o, E x) : op(o), e(x) {}
    struct Cache {
        typename E::Cache child;
        T value;
    };
    CANARY_HD T value(index r, index c) const { return op.f(e.value(r, c)); }
    CANARY_HD Cache cache(index r, index c) const {
        const auto ch = e.cache(r, c);
        return {ch, op.f(ch.value)};
    }
    CANARY_HD void back(index r, index c, T g, const Cache& k) const { e.back(r, c, g * op.d(k.child.value, k.value), k.child); }
    bool needs_grad() const { return e.needs_grad(); }
    void check(index R, index C) const { e.check(R, C); }
    void extent(index& R, index& C) const { e.extent(R, C); }
    bool result_shape(index R, index C, Shape& s) const { return e.result_shape(R, C, s); }
    Unary resolved(index R, T* sink) const { return Unary(op, e.resolved(R, sink)); }
};

template <class Op, class L, class R_>
struct Binary : expr_base {
    using scalar = typename L::scalar;
    using T = scalar;
    static_assert(std::is_same_v<typename L::scalar, typename R_::scalar>,
                  "canary: an element-wise expression mixes scalar types (float with double)");
    static constexpr bool reduces = L::reduces || R_::reduces;
    Op op;
    L l;
    R_ r;
    Binary(Op o, L a, R_ b) : op(o), l(a), r(b) {}
    struct Cache {
        typename L::Cache lc;
        typename R_::Cache rc;
        T value;
    };
    CANARY_HD T value(index i, index j) const { return op.f(l.value(i, j), r.value(i, j)); }
    CANARY_HD Cache cache(index i, index j) const {
        const auto a = l.cache(i, j);
        const auto b = r.cache(i, j);
        return {a, b, op.f(a.value, b.value)};
    }
    CANARY_HD void back(index i, index j, T g, const Cache& k) const {
        l.back(i, j, g * op.da(k.lc.value, k.rc.value, k.value), k.lc);
        r.back(i, j, g * op.db(k.lc.value, k.rc.value, k.value), k.rc);
    }
    bool needs_grad() const { return l.needs_grad() || r.needs_grad(); }
    void check(index R, index C) const { l.check(R, C); r.check(R, C); }
    void extent(index& R, index& C) const { l.extent(R, C); r.extent(R, C); }
    bool result_shape(index R, index C, Shape& s) const { return l.result_shape(R, C, s) || r.result_shape(R, C, s); }
    Binary resolved(index R, T* sink) const { return Binary(op, l.resolved(R, sink), r.resolved(R, sink)); }
};

// ---- operations: value f and derivative d (given input x and output y) -------------------------

struct Neg { template <class T> CANARY_HD T f(T x) const { return -x; } template <class T> CANARY_HD T d(T, T) const { return T(-1); } };
struct Exp { template <class T> CANARY_HD T f(T x) const { return math::exp(x); } template <class T> CANARY_HD T d(T, T y) const { return y; } };
struct Log { template <class T> CANARY_HD T f(T x) const { return std::log(x); } template <class T> CANARY_HD T d(T x, T) const { return T(1) / x; } };
struct Sqrt { template <class T> CANARY_HD T f(T x) const { return std::sqrt(x); } template <class T> CANARY_HD T d(T, T y) const { return T(0.5) / y; } };
struct Square { template <class T> CANARY_HD T f(T x) const { return x * x; } template <class T> CANARY_HD T d(T x, T) const { return T(2) * x; } };
// math::select where GCC 12 would leave a floating ?: as a branch, and the loop scalar, at AVX2
// (see math::select).
struct Abs { template <class T> CANARY_HD T f(T x) const { return math::select(x < T(0), -x, x); } template <class T> CANARY_HD T d(T x, T) const { return math::select(x > T(0), T(1), math::select(x < T(0), T(-1), T(0))); } };
struct Tanh { template <class T> CANARY_HD T f(T x) const { return math::tanh(x); } template <class T> CANARY_HD T d(T, T y) const { return T(1) - y * y; } };
struct Sigmoid { template <class T> CANARY_HD T f(T x) const { return math::sigmoid(x); } template <class T> CANARY_HD T d(T, T y) const { return y * (T(1) - y); } };
// torch convention: the derivative of relu at 0 is 0.
// NaN propagates through relu as in torch (x < 0 is false for NaN).
struct Relu { template <class T> CANARY_HD T f(T x) const { return x < T(0) ? T(0) : x; } template <class T> CANARY_HD T d(T x, T) const { return math::select(x > T(0), T(1), T(0)); } };
struct LeakyRelu {
    double slope;
    template <class T> CANARY_HD T f(T x) const { return math::select(x > T(0), x, T(slope) * x); }
    template <class T> CANARY_HD T d(T x, T) const { return math::select(x > T(0), T(1), T(slope)); }
};
// The exact (erf) GELU, torch's default approximate='none'.
struct Gelu {
    template <class T> CANARY_HD T f(T x) const { return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440))); }
    template <class T> CANARY_HD T d(T x, T) const {
        return T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440))) +
               x * T(0.39894228040143267794) * std::exp(T(-0.5) * x * x);
    }
};
// torch.nn.Softplus(beta=1, threshold=20): linear above the threshold for stability.
struct Softplus {
    template <class T> CANARY_HD T f(T x) const { return x > T(20) ? x : std::log1p(std::exp(x)); }
    template <class T> CANARY_HD T d(T x, T) const { return x > T(20) ? T(1) : math::sigmoid(x); }
};

struct Add { template <class T> CANARY_HD T f(T a, T b) const { return a + b; } template <class T> CANARY_HD T da(T, T, T) const { return T(1); } template <class T> CANARY_HD T db(T, T, T) const { return T(1); } };
struct Sub { template <class T> CANARY_HD T f(T a, T b) const { return a - b; } template <class T> CANARY_HD T da(T, T, T) const { return T(1); } template <class T> CANARY_HD T db(T, T, T) const { return T(-1); } };
struct Mul { template <class T> CANARY_HD T f(T a, T b) const { return a * b; } template <class T> CANARY_HD T da(T, T b, T) const { return b; } template <class T> CANARY_HD T db(T a, T, T) const { return a; } };
struct Div { template <class T> CANARY_HD T f(T a, T b) const { return a / b; } template <class T> CANARY_HD T da(T, T b, T) const { return T(1) / b; } template <class T> CANARY_HD T db(T, T b, T y) const { return -y / b; } };

// ---- turning operands into nodes --------------------------------------------------------------

template <class X>
struct is_var : std::false_type {};
template <class T>
struct is_var<Var<T>> : std::true_type {};

template <class X>
decltype(auto) node(const X& x) {
    if constexpr (is_var<X>::value) return Leaf<typename std::remove_pointer_t<decltype(x.val)>>(x);
    else return (x);
}

template <class X>
struct scalar_of {
    using type = void;
};
template <class T>
struct scalar_of<Var<T>> {
    using type = T;
};
template <Expression E>
struct scalar_of<E> {
    using type = typename E::scalar;
};

}  // namespace expr

/// A Var or an expression: anything element-wise math accepts as an operand.
template <class X>
concept Operand = Expression<X> || expr::is_var<X>::value;

/// Broadcast a (rows, 1) variable along each row of the result.
template <class T>
expr::RowScalarLeaf<T> per_row(const Var<T>& v) {
    return expr::RowScalarLeaf<T>(v);
}

namespace expr {
template <class Op, class X>
auto make_unary(Op op, const X& x) {
    auto n = node(x);
    return Unary<Op, decltype(n)>(op, n);
}
template <class Op, class A, class B>
auto make_binary(Op op, const A& a, const B& b) {
    if constexpr (std::is_arithmetic_v<A>) {
        using T = typename scalar_of<B>::type;
        auto nb = node(b);
        return Binary<Op, Constant<T>, decltype(nb)>(op, Constant<T>(static_cast<T>(a)), nb);
    } else if constexpr (std::is_arithmetic_v<B>) {
        using T = typename scalar_of<A>::type;
        auto na = node(a);
        return Binary<Op, decltype(na), Constant<T>>(op, na, Constant<T>(static_cast<T>(b)));
    } else {
        auto na = node(a);
        auto nb = node(b);
        return Binary<Op, decltype(na), decltype(nb)>(op, na, nb);
    }
}
}  // namespace expr

#define CANARY_BINARY_OPERATOR(sym, Op)                                                                  \
    template <class A, class B>                                                                          \
        requires((Operand<A> && (Operand<B> || std::is_arithmetic_v<B>)) ||                              \
                 (std::is_arithmetic_v<A> && Operand<B>))                                                \
    auto operator sym(const A& a, const B& b) {                                                          \
        return expr::make_binary(expr::Op{}, a, b);                                                      \
    }
CANARY_BINARY_OPERATOR(+, Add)
CANARY_BINARY_OPERATOR(-, Sub)
CANARY_BINARY_OPERATOR(*, Mul)
CANARY_BINARY_OPERATOR(/, Div)
#undef CANARY_BINARY_OPERATOR

template <Operand X> auto operator-(const X& x) { return expr::make_unary(expr::Neg{}, x); }
template <Operand X> auto exp(const X& x) { return expr::make_unary(expr::Exp{}, x); }
template <Operand X> auto log(const X& x) { return expr::make_unary(expr::Log{}, x); }
template <Operand X> auto sqrt(const X& x) { return expr::make_unary(expr::Sqrt{}, x); }
template <Operand X> auto square(const X& x) { return expr::make_unary(expr::Square{}, x); }
template <Operand X> auto abs(const X& x) { return expr::make_unary(expr::Abs{}, x); }
template <Operand X> auto tanh(const X& x) { return expr::make_unary(expr::Tanh{}, x); }
template <Operand X> auto sigmoid(const X& x) { return expr::make_unary(expr::Sigmoid{}, x); }
template <Operand X> auto relu(const X& x) { return expr::make_unary(expr::Relu{}, x); }
template <Operand X> auto leaky_relu(const X& x, double slope) { return expr::make_unary(expr::LeakyRelu{slope}, x); }
template <Operand X> auto gelu(const X& x) { return expr::make_unary(expr::Gelu{}, x); }
template <Operand X> auto softplus(const X& x) { return expr::make_unary(expr::Softplus{}, x); }

// ---- evaluation -------------------------------------------------------------------------------

namespace expr {
/// The result extents of an expression, validated against every operand.
template <class E>
void result_extent(const E& e, index& rows, index& cols) {
    rows = 0;
    cols = 0;
    e.extent(rows, cols);
    e.check(rows, cols);
}
}  // namespace expr

namespace expr {
/// Kernel body of assign(): element k of a (rows, cols) result. The CPU runs the equivalent loop
/// below; a device backend launches this body, so both run the same node code.
template <class E, class T>
struct AssignBody {
    E e;
    T* out;
    index ld;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        out[i * ld + j] = e.value(i, j);
    }
};
/// Kernel body of backprop(): pushes element k of the output adjoint g down to the leaves.
template <class E, class T>
struct BackpropBody {
    E e;
    const T* g;
    index ldg;
    index cols;
    CANARY_HD void operator()(index k) const {
        const index i = k / cols, j = k - (k / cols) * cols;
        e.back(i, j, g[i * ldg + j], e.cache(i, j));
    }
};
}  // namespace expr

/// out(r, c) = e(r, c) for every element, in one loop (on backend B: one fused kernel). No tape;
/// out may be a strided view.
/// requires: out has the extents of e; out does not alias an operand of e unless element-wise;
///           with a device backend, out and every leaf of e live in that device's memory.
template <class B = Cpu, class T, Operand X>
void assign(const Var<T>& out, const X& x) {
    const auto e = expr::node(x);
    index rows, cols;
    expr::result_extent(e, rows, cols);
    if (out.rows() != rows || out.cols() != cols)
        throw shape_error("assign: destination " + out.shape.str() + " for a (" + std::to_string(rows) + ", " +
                          std::to_string(cols) + ") expression");
    const auto r = e.resolved(rows, nullptr);
    if constexpr (is_device_backend_v<B>) {
        if (rows > 0 && cols > 0)
            B::for_each_index(rows * cols, expr::AssignBody<std::remove_cvref_t<decltype(r)>, T>{r, out.val, out.ld, cols});
    } else {
        for (index i = 0; i < rows; ++i) {
            T* o = out.val + i * out.ld;
            CANARY_VECTORIZE
            for (index j = 0; j < cols; ++j) o[j] = r.value(i, j);
        }
    }
}

/// Propagates the adjoint g (row-major, row stride ldg) of e's value into e's leaves, in one loop
/// (on backend B: one fused kernel). `sink` must hold at least e's column count of scratch values
/// when some leaf has no adjoint; a backend whose kernels run in the device pass takes nullptr
/// and skips such leaves (runs_device_pass_v).
template <class B = Cpu, class E, class T>
void backprop(const E& e_unresolved, const T* g, index ldg, T* sink) {
    index rows, cols;
    expr::result_extent(e_unresolved, rows, cols);
    if constexpr (is_device_backend_v<B>) {
        const auto e = e_unresolved.resolved(rows, runs_device_pass_v<B> ? nullptr : sink);
        if (rows > 0 && cols > 0)
            B::for_each_index(rows * cols, expr::BackpropBody<std::remove_cvref_t<decltype(e)>, T>{e, g, ldg, cols});
    } else {
        const auto e = e_unresolved.resolved(rows, sink);
        for (index i = 0; i < rows; ++i) {
            const T* gi = g + i * ldg;
            if constexpr (E::reduces) {
                // Some adjoint is a sum along the row: iterations are dependent, no vectorisation hint.
                for (index j = 0; j < cols; ++j) e.back(i, j, gi[j], e.cache(i, j));
            } else {
                CANARY_VECTORIZE
                for (index j = 0; j < cols; ++j) e.back(i, j, gi[j], e.cache(i, j));
            }
        }
    }
}

/// Evaluates an element-wise expression into a new tape variable and records its fused backward.
template <class T, class B, Operand X>
Var<T> eval(Tape<T, B>& tape, const X& x) {
    const auto e = expr::node(x);
    using E = std::remove_cvref_t<decltype(e)>;
    static_assert(std::is_same_v<typename E::scalar, T>, "canary::eval: expression scalar type differs from the tape's");
    index rows, cols;
    expr::result_extent(e, rows, cols);
    Shape shape{rows, cols};
    e.result_shape(rows, cols, shape);
    const bool grad = tape.recording() && e.needs_grad();
    Var<T> out = tape.make(shape, grad);
    assign<B>(out, e);
    if (grad) {
        T* sink = runs_device_pass_v<B> ? nullptr : tape.scratch(cols);
        tape.record([e, out, sink] { backprop<B>(e, out.adj, out.ld, sink); });
    }
    return out;
}

}  // namespace canary

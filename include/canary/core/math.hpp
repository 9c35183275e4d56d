#pragma once
// Branch-free elementary functions that the compiler can vectorise inside the fused element-wise
// loops. std::exp is a library call that blocks vectorisation; gate-heavy layers (LSTM, GRU,
// attention) spend most of their element-wise time here. Accuracy: a few ulp over the clamped
// range, far below the float32 parity tolerance; results are identical on every platform that
// implements IEEE arithmetic, so determinism does not depend on libm.
#include <bit>
#include <cmath>
#include <cstdint>

#include "canary/core/hd.hpp"

namespace canary::math {

namespace detail {
template <class T>
struct exp_constants;
template <>
struct exp_constants<float> {
    static constexpr float lo = -87.3f, hi = 88.3f;  // keeps 2^n a normal number
    static constexpr float round_magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    static constexpr float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
};
template <>
struct exp_constants<double> {
    static constexpr double lo = -708.0, hi = 709.0;
    static constexpr double round_magic = 6755399441055744.0;  // 1.5 * 2^52
    static constexpr double ln2_hi = 0.693145751953125, ln2_lo = 1.42860682030941723212e-6;
};

// std::bit_cast is not a device function; CUDA's intrinsics are its device equivalent.
CANARY_HD inline float float_from_bits(std::uint32_t bits) {
#if CANARY_DEVICE_PASS
    return __uint_as_float(bits);
#else
    return std::bit_cast<float>(bits);
#endif
}
CANARY_HD inline double double_from_bits(std::uint64_t bits) {
#if CANARY_DEVICE_PASS
    return __longlong_as_double(static_cast<long long>(bits));
#else
    return std::bit_cast<double>(bits);
#endif
}
CANARY_HD inline std::uint32_t bits_of(float x) {
#if CANARY_DEVICE_PASS
    return __float_as_uint(x);
#else
    return std::bit_cast<std::uint32_t>(x);
#endif
}
CANARY_HD inline std::uint64_t bits_of(double x) {
#if CANARY_DEVICE_PASS
    return static_cast<std::uint64_t>(__double_as_longlong(x));
#else
    return std::bit_cast<std::uint64_t>(x);
#endif
}
CANARY_HD inline float from_bits(std::uint32_t bits) { return float_from_bits(bits); }
CANARY_HD inline double from_bits(std::uint64_t bits) { return double_from_bits(bits); }

}  // namespace detail

/// `take ? a : b` without a branch. GCC (12) if-converts a floating-point `?:` into a vector blend
/// only when comparisons cannot trap (-fno-trapping-math) or with AVX-512's masked moves; at AVX2
/// the ternary clamp left every gate loop scalar ("control flow in loop"). An all-ones/all-zeros
/// integer mask vectorises at every width and gives the same bits, NaN included.
template <class T>
CANARY_HD inline T select(bool take, T a, T b) {
    using U = decltype(detail::bits_of(a));
    const U mask = U(0) - static_cast<U>(take);
    return detail::from_bits(static_cast<U>((detail::bits_of(a) & mask) | (detail::bits_of(b) & ~mask)));
}

/// e^x with x clamped to the range where the result is a normal number.
template <class T>
CANARY_HD inline T exp(T x) {
    using C = detail::exp_constants<T>;
    x = math::select(x < C::lo, C::lo, x);
    x = math::select(x > C::hi, C::hi, x);
    // n = round(x / ln 2) by the magic-number trick (no call to nearbyint, so it vectorises).
    const T shifted = x * T(1.4426950408889634) + C::round_magic;
    const T n = shifted - C::round_magic;
    const T r = (x - n * C::ln2_hi) - n * C::ln2_lo;  // |r| <= ln2 / 2
    T p;
    if constexpr (sizeof(T) == 4) {
        // Taylor to degree 7 on |r| <= 0.347: truncation below 5e-9 relative.
        p = T(1.0 / 5040);
        p = p * r + T(1.0 / 720);
        p = p * r + T(1.0 / 120);
        p = p * r + T(1.0 / 24);
        p = p * r + T(1.0 / 6);
        p = p * r + T(0.5);
        p = p * r + T(1);
        p = p * r + T(1);
        const auto bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23;
        return p * detail::float_from_bits(bits);
    } else {
        // Taylor to degree 13: truncation below 2e-17 relative.
        constexpr double inv_fact[] = {1.0,
                                       1.0,
                                       1.0 / 2,
                                       1.0 / 6,
                                       1.0 / 24,
                                       1.0 / 120,
                                       1.0 / 720,
                                       1.0 / 5040,
                                       1.0 / 40320,
                                       1.0 / 362880,
                                       1.0 / 3628800,
                                       1.0 / 39916800,
                                       1.0 / 479001600,
                                       1.0 / 6227020800.0};
        p = inv_fact[13];
        for (int i = 12; i >= 0; --i) p = p * r + inv_fact[i];
        // |n| <= 1022 fits 32 bits: AVX2 converts doubles to int32 lanes, not to int64 ones.
        const auto bits = static_cast<std::uint64_t>(static_cast<std::int32_t>(n) + 1023) << 52;
        return p * detail::double_from_bits(bits);
    }
}

/// 1 / (1 + e^-x)
template <class T>
CANARY_HD inline T sigmoid(T x) {
    return T(1) / (T(1) + math::exp(-x));
}

/// tanh x = 1 - 2 / (e^{2x} + 1); saturates cleanly to +-1 at the clamp.
template <class T>
CANARY_HD inline T tanh(T x) {
    return T(1) - T(2) / (math::exp(T(2) * x) + T(1));
}

}  // namespace canary::math

#pragma once
// A small, fast, fully specified random generator. The standard distributions are
// implementation-defined, so canary draws its numbers itself: the same seed gives bitwise the same
// weights and dropout masks with any standard library.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

namespace canary {

/// xoshiro256** seeded through splitmix64 (Blackman and Vigna).
class Rng {
public:
    explicit Rng(std::uint64_t seed = 0x5eed) { reseed(seed); }

    void reseed(std::uint64_t seed) {
        for (auto& word : state_) word = splitmix64(seed);
    }

    /// The generator's whole state, for checkpoints: set_state(state()) continues the same stream.
    std::array<std::uint64_t, 4> state() const noexcept { return {state_[0], state_[1], state_[2], state_[3]}; }
    void set_state(const std::array<std::uint64_t, 4>& words) noexcept {
        for (int i = 0; i < 4; ++i) state_[i] = words[static_cast<std::size_t>(i)];
    }

    std::uint64_t next_u64() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
    /// Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    /// Standard normal by Box-Muller (one value per call; simple and reproducible).
    double normal() {
        double u1 = uniform();
        while (u1 <= 0.0) u1 = uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }
    /// Uniform integer in [0, n) (n > 0), by Lemire's multiply-shift (bias below 2^-64 * n).
    std::uint64_t below(std::uint64_t n) {
        __extension__ using u128 = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<u128>(next_u64()) * n) >> 64);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::uint64_t state_[4];
};

}  // namespace canary

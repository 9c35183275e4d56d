#pragma once
// A string usable as a template argument: Named<"conv", Conv1D<...>> gives a layer its torch name.
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace canary {

template <std::size_t N>
struct fixed_string {
    char chars[N]{};
    constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, chars); }
    constexpr std::string_view view() const { return {chars, N - 1}; }
};

}  // namespace canary

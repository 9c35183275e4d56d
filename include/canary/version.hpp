#pragma once
// canary's version: the one place it is written. CMake reads these three numbers for
// project(canary VERSION ...) (CMakeLists.txt), so the package version, canaryConfigVersion.cmake,
// the pkg-config file and the .deb all follow this header; header-only users without CMake see the
// same numbers. Semantic versioning: the major number changes when source that compiled against an
// earlier release may no longer compile or behave the same (CHANGELOG.md).
#include <string_view>

#define CANARY_VERSION_MAJOR 0
#define CANARY_VERSION_MINOR 1
#define CANARY_VERSION_PATCH 0

/// One integer that grows with each release: major * 10000 + minor * 100 + patch.
#define CANARY_VERSION (CANARY_VERSION_MAJOR * 10000 + CANARY_VERSION_MINOR * 100 + CANARY_VERSION_PATCH)

namespace canary {

/// The library's version as "major.minor.patch", e.g. "0.1.0".
constexpr std::string_view version() noexcept {
#define CANARY_DETAIL_STR2(x) #x
#define CANARY_DETAIL_STR(x) CANARY_DETAIL_STR2(x)
    return CANARY_DETAIL_STR(CANARY_VERSION_MAJOR) "." CANARY_DETAIL_STR(CANARY_VERSION_MINOR) "." CANARY_DETAIL_STR(
        CANARY_VERSION_PATCH);
#undef CANARY_DETAIL_STR
#undef CANARY_DETAIL_STR2
}

}  // namespace canary

#pragma once
// What generic code may ask of a backend policy without knowing it. A policy whose buffers live on
// an accelerator declares `static constexpr bool on_device = true`; operations then dispatch to the
// policy's device implementations (`B::device::...`) instead of touching memory from the host. The
// CPU policy declares nothing, so this header never pulls device headers into a CPU build.
#include "canary/core/shape.hpp"

namespace canary {

template <class B>
inline constexpr bool is_device_backend_v = [] {
    if constexpr (requires { B::on_device; }) return static_cast<bool>(B::on_device);
    else return false;
}();

}  // namespace canary

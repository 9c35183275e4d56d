#pragma once
// Replaces the global operator new/delete of ONE test executable to count heap allocations, so a
// test can assert that a steady-state training step or inference call allocates nothing.
// Include from exactly one translation unit per test executable.
#include <atomic>
#include <cstdlib>
#include <new>

namespace canary::test_support {
inline std::atomic<long> heap_allocations{0};
}  // namespace canary::test_support

void* operator new(std::size_t n) {
    ++canary::test_support::heap_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
    ++canary::test_support::heap_allocations;
    const auto al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

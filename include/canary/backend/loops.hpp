#pragma once
// Loops that generic code (autodiff operations, layer cells) runs through a policy where the CPU
// keeps a hand-tuned order that a per-index kernel body cannot express. They are the one place
// a CPU specialisation of a computation may live (see "Backends are policies" in docs/design.md):
// the device side runs the kernel body of canary/backend/kernels.hpp, the host side a loop of the
// same arithmetic in a cache-friendly order. Results agree exactly (the same sums in the same order).
#include "canary/backend/cpu.hpp"  // CANARY_VECTORIZE
#include "canary/backend/kernels.hpp"
#include "canary/backend/traits.hpp"
#include "canary/core/shape.hpp"

namespace canary {

/// first[j] += sum over rows r of m(r, j), and second[j] += the same sum, for a contiguous
/// (rows, cols) block (either target may be null); rows are summed in order. The host loop runs
/// row by row over a vectorised column loop into `acc` (cols values of scratch); a device policy
/// runs one index per column (ColumnSumsInto) and ignores `acc`.
template <class B, class T>
void add_column_sums(const T* m, index rows, index cols, T* acc, T* first, T* second) {
    if constexpr (is_device_backend_v<B>) {
        B::for_each_index(cols, kernels::ColumnSumsInto<T>{m, rows, cols, first, second});
    } else {
        for (index j = 0; j < cols; ++j) acc[j] = T(0);
        for (index r = 0; r < rows; ++r) {
            const T* row = m + r * cols;
            CANARY_VECTORIZE
            for (index j = 0; j < cols; ++j) acc[j] += row[j];
        }
        if (first) {
            CANARY_VECTORIZE
            for (index j = 0; j < cols; ++j) first[j] += acc[j];
        }
        if (second) {
            CANARY_VECTORIZE
            for (index j = 0; j < cols; ++j) second[j] += acc[j];
        }
    }
}

}  // namespace canary

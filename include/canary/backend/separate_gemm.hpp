#pragma once
// Opt-in: one separately compiled GEMM per scalar type instead of Eigen's GEMM in every
// translation unit (Eigen's float GEMM alone costs about 2.5 s of compile time per TU at -O2).
//
// Define CANARY_SEPARATE_GEMM for every translation unit of a program that includes canary and
// compile src/separate_gemm.cpp once (without the macro, with the same flags) into the program.
// canary's own targets do this through the CMake option CANARY_SEPARATE_GEMM (default ON) and the
// static library canary::separate_gemm. Results are bitwise the same as the header-only path: it
// is the same function (Cpu::eigen_gemm) compiled with the same flags, only in one place.
#include <type_traits>

#include "canary/core/shape.hpp"

namespace canary::detail {

#if defined(CANARY_SEPARATE_GEMM) && CANARY_SEPARATE_GEMM
template <class T>
inline constexpr bool separate_gemm = std::is_same_v<T, float> || std::is_same_v<T, double>;
#else
template <class T>
inline constexpr bool separate_gemm = false;
#endif

// Defined in src/separate_gemm.cpp: Cpu::eigen_gemm<float> and Cpu::eigen_gemm<double>, what
// Cpu::gemm_serial (and so each half of a split Cpu::gemm) runs.
void gemm_compiled(bool trans_a, bool trans_b, index m, index n, index k, float alpha, const float* a, index lda,
                   const float* b, index ldb, float beta, float* c, index ldc);
void gemm_compiled(bool trans_a, bool trans_b, index m, index n, index k, double alpha, const double* a, index lda,
                   const double* b, index ldb, double beta, double* c, index ldc);

}  // namespace canary::detail

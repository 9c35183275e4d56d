// The one compiled copy of canary's GEMM for float and double (see
// canary/backend/separate_gemm.hpp). Built without CANARY_SEPARATE_GEMM so that Cpu::eigen_gemm is
// instantiated here; programs whose other translation units define the macro call these.
#undef CANARY_SEPARATE_GEMM
#include "canary/backend/cpu.hpp"

namespace canary::detail {

void gemm_compiled(bool trans_a, bool trans_b, index m, index n, index k, float alpha, const float* a, index lda,
                   const float* b, index ldb, float beta, float* c, index ldc) {
    Cpu::eigen_gemm<float>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_compiled(bool trans_a, bool trans_b, index m, index n, index k, double alpha, const double* a, index lda,
                   const double* b, index ldb, double beta, double* c, index ldc) {
    Cpu::eigen_gemm<double>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace canary::detail

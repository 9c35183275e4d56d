#pragma once
// CANARY_HD marks functions that run on the host and, when the translation unit is compiled by
// nvcc, also on a CUDA device. The element-wise expression nodes, the elementary functions and
// the kernel bodies of the backends carry it, so the CPU runs and tests the very code that the
// CUDA policy launches as kernels. In a CPU-only build it expands to nothing.
#if defined(__CUDACC__)
#define CANARY_HD __host__ __device__
#else
#define CANARY_HD
#endif

// True while compiling device code (nvcc's device pass); false for every host compilation.
#if defined(__CUDA_ARCH__)
#define CANARY_DEVICE_PASS 1
#else
#define CANARY_DEVICE_PASS 0
#endif

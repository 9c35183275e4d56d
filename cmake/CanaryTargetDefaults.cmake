# Flags for canary's own executables (tests, examples, tools, benchmarks). The INTERFACE target
# itself imposes no warning or architecture flags on users.
function(canary_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 false positives at -O2/-O3: -Wmaybe-uninitialized inside its own AVX-512 intrinsic
    # headers as used by Eigen, -Wrestrict and -Wstringop-overflow inside libstdc++ (GCC bug 105329).
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-restrict -Wno-stringop-overflow)
  endif()
  if(CANARY_NATIVE)
    target_compile_options(${target} PRIVATE -march=${CANARY_MARCH})
  endif()
  target_link_libraries(${target} PRIVATE Threads::Threads)
  if(TARGET canary_separate_gemm AND NOT target STREQUAL "canary_separate_gemm")
    target_link_libraries(${target} PRIVATE canary::separate_gemm)
  endif()
endfunction()

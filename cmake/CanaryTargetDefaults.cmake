# Flags for canary's own executables (tests, examples, tools, benchmarks). The INTERFACE target
# itself imposes no warning or architecture flags on users.
function(canary_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CANARY_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  target_link_libraries(${target} PRIVATE Threads::Threads)
endfunction()

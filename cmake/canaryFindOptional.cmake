# Finders for canary's optional dependencies, shared by canary's own build (CanaryDependencies.cmake)
# and by the installed package (canaryConfig.cmake), so that a build tree and an install see a
# dependency the same way. Debian's packages of these two ship no CMake package that can be used
# here (see below), so the libraries are found directly.
include_guard(GLOBAL)

# oneDNN (Debian libdnnl-dev) for dnnl_sgemm (canary/backend/onednn.hpp). Debian builds oneDNN with
# the GNU OpenMP runtime, and the policy sets its thread count with omp_set_num_threads, so libgomp
# is linked too (without -fopenmp: canary's own code and Eigen stay single-threaded).
# Sets CANARY_ONEDNN_FOUND and the cache entries CANARY_DNNL_INCLUDE_DIR, CANARY_DNNL_LIBRARY and
# CANARY_GOMP_LIBRARY.
macro(canary_find_onednn)
  find_path(CANARY_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h)
  find_library(CANARY_DNNL_LIBRARY dnnl)
  find_library(CANARY_GOMP_LIBRARY NAMES gomp libgomp.so.1 HINTS ${CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES})
  if(CANARY_DNNL_INCLUDE_DIR AND CANARY_DNNL_LIBRARY AND CANARY_GOMP_LIBRARY)
    set(CANARY_ONEDNN_FOUND TRUE)
  else()
    set(CANARY_ONEDNN_FOUND FALSE)
  endif()
endmacro()

# XGBoost (Debian libxgboost-dev) for the random-forest baseline. Debian's CMake package for it
# also demands the separate `xgboost` command-line package. Defines the imported target
# xgboost::xgboost when found.
macro(canary_find_xgboost)
  find_path(CANARY_XGBOOST_INCLUDE_DIR xgboost/c_api.h)
  find_library(CANARY_XGBOOST_LIBRARY xgboost)
  if(CANARY_XGBOOST_INCLUDE_DIR AND CANARY_XGBOOST_LIBRARY AND NOT TARGET xgboost::xgboost)
    add_library(xgboost::xgboost UNKNOWN IMPORTED)
    set_target_properties(xgboost::xgboost PROPERTIES IMPORTED_LOCATION "${CANARY_XGBOOST_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${CANARY_XGBOOST_INCLUDE_DIR}")
  endif()
endmacro()

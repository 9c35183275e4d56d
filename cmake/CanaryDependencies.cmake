# All dependencies come from Debian's packages (see scripts/install-deps). Nothing is downloaded.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)        # libeigen3-dev
find_package(xtensor 0.24 REQUIRED)                # xtensor-dev
find_package(Boost 1.74 REQUIRED)                  # libboost-graph-dev (header-only use)
find_package(nlohmann_json 3 REQUIRED)             # nlohmann-json3-dev (safetensors headers)
find_package(Threads REQUIRED)

# Optional: XGBoost (Debian libxgboost-dev) for the random-forest baseline of arXiv 2512.17185.
# Debian's CMake package for it also demands the separate `xgboost` command-line package, so the
# library is found directly.
find_path(CANARY_XGBOOST_INCLUDE_DIR xgboost/c_api.h)
find_library(CANARY_XGBOOST_LIBRARY xgboost)
if(CANARY_XGBOOST_INCLUDE_DIR AND CANARY_XGBOOST_LIBRARY AND NOT TARGET xgboost::xgboost)
  add_library(xgboost::xgboost UNKNOWN IMPORTED)
  set_target_properties(xgboost::xgboost PROPERTIES IMPORTED_LOCATION "${CANARY_XGBOOST_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CANARY_XGBOOST_INCLUDE_DIR}")
endif()
if(TARGET xgboost::xgboost)
  message(STATUS "canary: XGBoost found: the random-forest baseline is enabled")
else()
  message(STATUS "canary: XGBoost not found (apt-get install libxgboost-dev): the random-forest baseline is skipped")
endif()

# Optional: oneDNN (Debian libdnnl-dev) for the CpuOneDnn backend policy (canary/backend/onednn.hpp),
# whose float GEMM is dnnl_sgemm. Debian builds oneDNN with the GNU OpenMP runtime; the policy sets
# its thread count with omp_set_num_threads, so libgomp is linked too (without -fopenmp: canary's
# own code and Eigen stay single-threaded).
option(CANARY_WITH_ONEDNN "Define canary::onednn when oneDNN (libdnnl-dev) is found" ON)
if(CANARY_WITH_ONEDNN)
  find_path(CANARY_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h)
  find_library(CANARY_DNNL_LIBRARY dnnl)
  find_library(CANARY_GOMP_LIBRARY NAMES gomp libgomp.so.1 HINTS ${CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES})
endif()
if(CANARY_WITH_ONEDNN AND CANARY_DNNL_INCLUDE_DIR AND CANARY_DNNL_LIBRARY AND CANARY_GOMP_LIBRARY)
  set(CANARY_ONEDNN_FOUND TRUE)
  message(STATUS "canary: oneDNN found (${CANARY_DNNL_LIBRARY}): target canary::onednn (CpuOneDnn policy)")
else()
  set(CANARY_ONEDNN_FOUND FALSE)
  message(STATUS "canary: oneDNN not used (apt-get install libdnnl-dev; CANARY_WITH_ONEDNN=ON): no canary::onednn target")
endif()

# Optional: MPI (Debian libopenmpi-dev + openmpi-bin) for canary::mpi: data-parallel training and
# the job scheduler of canary/dist/ across processes. Without it those headers fall back to one
# process and everything else builds as before.
option(CANARY_WITH_MPI "Define canary::mpi when an MPI C library is found" ON)
if(CANARY_WITH_MPI)
  # The project's language is C++: the C API through the CXX component, without the deprecated
  # C++ bindings (libmpi_cxx).
  set(MPI_CXX_SKIP_MPICXX ON CACHE BOOL "canary uses the MPI C API only")
  find_package(MPI COMPONENTS CXX QUIET)
endif()
if(CANARY_WITH_MPI AND MPI_CXX_FOUND)
  message(STATUS "canary: MPI found (${MPIEXEC_EXECUTABLE}): target canary::mpi, tests labelled mpi")
elseif(CANARY_WITH_MPI)
  message(STATUS "canary: MPI not found (apt-get install libopenmpi-dev openmpi-bin): no canary::mpi target")
else()
  message(STATUS "canary: MPI off (CANARY_WITH_MPI=OFF): no canary::mpi target")
endif()

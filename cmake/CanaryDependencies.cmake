# All dependencies come from Debian's packages (see scripts/install-deps). Nothing is downloaded.
# canaryConfig.cmake.in finds the same ones for an installed canary: keep the two in step.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)        # libeigen3-dev
find_package(xtensor 0.24 REQUIRED)                # xtensor-dev
find_package(Boost 1.74 REQUIRED)                  # libboost-graph-dev (header-only use)
find_package(nlohmann_json 3 REQUIRED)             # nlohmann-json3-dev (safetensors headers)
find_package(Threads REQUIRED)
include(canaryFindOptional)

# Optional: XGBoost (Debian libxgboost-dev) for the random-forest baseline of arXiv 2512.17185.
canary_find_xgboost()
if(TARGET xgboost::xgboost)
  message(STATUS "canary: XGBoost found: the random-forest baseline is enabled")
else()
  message(STATUS "canary: XGBoost not found (apt-get install libxgboost-dev): the random-forest baseline is skipped")
endif()

# Optional: oneDNN (Debian libdnnl-dev): the default CPU policy's float GEMM (canary/backend/default.hpp).
option(CANARY_WITH_ONEDNN "Use oneDNN's GEMM (libdnnl-dev) in canary::canary when it is found" ON)
set(CANARY_ONEDNN_FOUND FALSE)
if(CANARY_WITH_ONEDNN)
  canary_find_onednn()
endif()
if(CANARY_ONEDNN_FOUND)
  message(STATUS "canary: oneDNN found (${CANARY_DNNL_LIBRARY}): canary::canary's default CPU policy uses its GEMM")
else()
  message(STATUS "canary: oneDNN not used (apt-get install libdnnl-dev; CANARY_WITH_ONEDNN=ON): the default CPU policy is Eigen's")
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

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

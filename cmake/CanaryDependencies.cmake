# All dependencies come from Debian's packages (see scripts/install-deps). Nothing is downloaded.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)        # libeigen3-dev
find_package(xtensor 0.24 REQUIRED)                # xtensor-dev
find_package(Boost 1.74 REQUIRED)                  # libboost-graph-dev (header-only use)
find_package(nlohmann_json 3 REQUIRED)             # nlohmann-json3-dev (safetensors headers)
find_package(Threads REQUIRED)

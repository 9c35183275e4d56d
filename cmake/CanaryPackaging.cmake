# `cpack -G DEB` in a build folder: libcanary-dev_<version>_all.deb with what `cmake --install`
# writes (headers, CMake package, pkg-config files, docs). Header-only and free of architecture
# paths, hence Architecture: all. The executables (canary-risk, canary_parity, examples) are not in
# it: only the `dev` install component is packaged.
set(CPACK_PACKAGE_NAME libcanary-dev)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "canary maintainers <canary@localhost>")
set(CPACK_PACKAGE_FILE_NAME "libcanary-dev_${PROJECT_VERSION}_all")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_COMPONENTS_ALL dev)
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};canary;dev;/")
set(CPACK_DEBIAN_PACKAGE_NAME libcanary-dev)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libeigen3-dev (>= 3.4), xtensor-dev (>= 0.24), libboost-dev (>= 1.74), pkg-config")
# oneDNN makes the default CPU policy faster; nlohmann-json is needed by canary::io only.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libdnnl-dev, nlohmann-json3-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libxgboost-dev")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "canary: layers as types, matrix-level reverse-mode autodiff, numerically equal to PyTorch, plus a systemic-risk early-warning toolkit. Headers, CMake package (find_package(canary)), pkg-config files (canary, canary-onednn) and documentation.")
include(CPack)

# `cmake --install`: the headers under include/canary, the exported INTERFACE targets with a package
# configuration (find_package(canary)), pkg-config files and the documentation. canary is header-only
# and the CMake and pkg-config files name no architecture-specific path, so they go under share/
# (one package for every architecture). docs/packaging.md shows how each is used.
include(CMakePackageConfigHelpers)

set(CANARY_INSTALL_CMAKEDIR ${CMAKE_INSTALL_DATADIR}/cmake/canary CACHE STRING
  "Where canaryConfig.cmake is installed (relative to the prefix)")
set(CANARY_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_DATADIR}/pkgconfig CACHE STRING
  "Where canary.pc is installed (relative to the prefix)")
mark_as_advanced(CANARY_INSTALL_CMAKEDIR CANARY_INSTALL_PKGCONFIGDIR)

install(DIRECTORY include/canary DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(TARGETS canary canary_io EXPORT canaryTargets COMPONENT dev)
install(EXPORT canaryTargets NAMESPACE canary:: DESTINATION ${CANARY_INSTALL_CMAKEDIR} COMPONENT dev)

configure_package_config_file(cmake/canaryConfig.cmake.in ${PROJECT_BINARY_DIR}/canaryConfig.cmake
  INSTALL_DESTINATION ${CANARY_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/canaryConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/canaryConfig.cmake ${PROJECT_BINARY_DIR}/canaryConfigVersion.cmake
  cmake/canaryFindOptional.cmake DESTINATION ${CANARY_INSTALL_CMAKEDIR} COMPONENT dev)

# pkg-config: canary (Eigen GEMM, headers only) and canary-onednn (adds oneDNN's GEMM as the
# default CPU policy). The prefix is found from the .pc file's own place, so an unpacked package
# (dpkg -x into any folder) works without editing it.
file(RELATIVE_PATH CANARY_PC_TO_PREFIX ${CMAKE_INSTALL_PREFIX}/${CANARY_INSTALL_PKGCONFIGDIR} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" CANARY_PC_TO_PREFIX "${CANARY_PC_TO_PREFIX}")
foreach(pc canary canary-onednn)
  configure_file(cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CANARY_INSTALL_PKGCONFIGDIR} COMPONENT dev)
endforeach()

install(FILES README.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT dev)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT dev)

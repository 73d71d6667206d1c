# Installs the library, its headers, a CMake package config and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS mapio_core mapio_scan mapio_mmio mapio_screen mapio_ipc mapio EXPORT mapioTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/mapio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mapioTargets NAMESPACE mapio:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mapio)

configure_package_config_file(cmake/mapioConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/mapioConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mapio)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mapioConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mapioConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/mapioConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mapio)

# The .pc file finds its prefix relative to itself, so an installed tree can be moved.
file(RELATIVE_PATH MAPIO_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" MAPIO_PC_TO_PREFIX "${MAPIO_PC_TO_PREFIX}")
configure_file(cmake/mapio.pc.in ${CMAKE_CURRENT_BINARY_DIR}/mapio.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mapio.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(TARGET mapio_cli)
  install(TARGETS mapio_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

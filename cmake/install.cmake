# Installs the libraries, their headers, a CMake package config with one component per part, and a
# pkg-config file per part. Everything goes into one of three install components, which are also
# the Debian packages cmake/package.cmake builds: runtime (the shared libraries), dev (headers,
# CMake and pkg-config files, static libraries and the .so links) and cli (the mapio command).
include(CMakePackageConfigHelpers)

# Every part src/CMakeLists.txt made with mapio_add_part, in the order made (a part after those it uses).
get_property(mapio_part_targets GLOBAL PROPERTY MAPIO_PARTS)
string(REPLACE "mapio_" "" MAPIO_PARTS "${mapio_part_targets}")

install(TARGETS ${mapio_part_targets} mapio EXPORT mapioTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
install(DIRECTORY include/mapio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(FILES ${PROJECT_BINARY_DIR}/include/mapio/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mapio COMPONENT dev)
install(EXPORT mapioTargets NAMESPACE mapio:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mapio COMPONENT dev)

string(REPLACE ";" "|" MAPIO_PART_PATTERN "${MAPIO_PARTS}")
string(REPLACE ";" ", " MAPIO_PART_LIST "${MAPIO_PARTS}")
configure_package_config_file(cmake/mapioConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/mapioConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mapio)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mapioConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mapioConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/mapioConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mapio COMPONENT dev)

# pkg-config: mapio-PART.pc for each part and mapio.pc for all of them. A part requires the parts it
# uses. Only a static mmio needs libpci at link time, so only then is libpci in Requires.private
# (and a static link asks `pkg-config --static`); shared libraries carry their own dependencies.
# No -std in Cflags: the headers need C++20 or later, and a consumer's own -std=c++23 must stand.
# The .pc files find their prefix relative to themselves, so an installed tree can be moved.
file(RELATIVE_PATH MAPIO_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" MAPIO_PC_TO_PREFIX "${MAPIO_PC_TO_PREFIX}")
# What a static part needs from pkg-config beyond the C library.
set(mapio_pc_private_mmio libpci)
set(mapio_pc_private_rdma "libibverbs librdmacm")
set(mapio_pc_what_core "files, shared memory and anonymous mappings")
set(mapio_pc_what_scan "counting bytes, lines and words in files")
set(mapio_pc_what_mmio "device registers: /dev/mem, PCI BARs, UIO, VFIO")
set(mapio_pc_what_screen "VGA text, framebuffers and DRM dumb buffers")
set(mapio_pc_what_ipc "message channels between processes in shared memory")
set(mapio_pc_what_rdma "mappings served and reached over RDMA (rdma-core)")
foreach(part ${MAPIO_PARTS} mapio)
  if(NOT DEFINED mapio_pc_what_${part})
    set(mapio_pc_what_${part} "the ${part} part")
  endif()
  if(part STREQUAL "mapio")
    set(MAPIO_PC_NAME mapio)
    set(MAPIO_PC_DESCRIPTION "${PROJECT_DESCRIPTION} (every part)")
    get_target_property(mapio_all mapio INTERFACE_LINK_LIBRARIES)
    list(TRANSFORM mapio_all REPLACE "^mapio_(.*)$" "mapio-\\1 = ${PROJECT_VERSION}")
    string(JOIN ", " MAPIO_PC_REQUIRES ${mapio_all})
    set(MAPIO_PC_REQUIRES_PRIVATE "")
    set(MAPIO_PC_LIBS "")
    set(MAPIO_PC_LIBS_PRIVATE "")
  else()
    set(MAPIO_PC_NAME mapio-${part})
    set(MAPIO_PC_DESCRIPTION "mapio's ${part} part: ${mapio_pc_what_${part}}")
    get_property(mapio_uses GLOBAL PROPERTY MAPIO_USES_${part})
    list(TRANSFORM mapio_uses PREPEND "mapio-")
    list(TRANSFORM mapio_uses APPEND " = ${PROJECT_VERSION}")
    string(JOIN ", " MAPIO_PC_REQUIRES ${mapio_uses})
    set(MAPIO_PC_REQUIRES_PRIVATE "")
    set(MAPIO_PC_LIBS "-L\${libdir} -lmapio_${part}")
    set(MAPIO_PC_LIBS_PRIVATE "")
    if(NOT BUILD_SHARED_LIBS)
      set(MAPIO_PC_REQUIRES_PRIVATE "${mapio_pc_private_${part}}")
      if(part STREQUAL "core")
        set(MAPIO_PC_LIBS_PRIVATE "-pthread")
      endif()
    endif()
  endif()
  configure_file(cmake/mapio.pc.in ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${MAPIO_PC_NAME}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${MAPIO_PC_NAME}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endforeach()

if(TARGET mapio_cli)
  # An installed mapio built with shared libraries finds them beside it, wherever the prefix is
  # (in /usr, as Debian packages install it, the loader finds them by itself).
  if(BUILD_SHARED_LIBS AND NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    file(RELATIVE_PATH mapio_bin_to_lib /${CMAKE_INSTALL_BINDIR} /${CMAKE_INSTALL_LIBDIR})
    set_target_properties(mapio_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${mapio_bin_to_lib}")
  endif()
  install(TARGETS mapio_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
endif()

# Debian packages with `cpack -G DEB`, one per install component (cmake/install.cmake):
#   libmapio0.1   the shared libraries (runtime; the name carries the SONAME's version, 0.1)
#   libmapio-dev  headers, CMake package, pkg-config files, the .so links (dev)
#   mapio         the mapio command (cli)
# Build them from a tree configured with -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_PREFIX=/usr (the
# README says how): a static build's packages would put libpci-dev under every consumer.
set(CPACK_PACKAGE_NAME mapio)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "mapio developers <mapio@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_COMPONENTS_ALL runtime dev cli)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps must find mapio's own libraries for the mapio command; the dependency on their
# package is declared below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/src)
# Packages built from one tree depend on each other at exactly this version.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_COMPONENT_DEV_DEPENDS runtime)
set(CPACK_COMPONENT_CLI_DEPENDS runtime)

set(MAPIO_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libmapio${MAPIO_SOVERSION})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "mapio: memory-mapped I/O for C++ on Linux (shared libraries)
 mapio maps files, shared memory and devices into memory. This package holds its
 shared libraries: mapio_core (files, memory), mapio_scan (counting), mapio_mmio
 (device registers, PCI, UIO, VFIO) and mapio_screen (VGA text, framebuffers).")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libmapio-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "mapio: memory-mapped I/O for C++ on Linux (development files)
 Headers, the CMake package (find_package(mapio COMPONENTS core scan mmio screen))
 and pkg-config files (mapio-core, mapio-scan, mapio-mmio, mapio-screen, mapio).
 The headers need C++20.")
if(NOT BUILD_SHARED_LIBS)
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libpci-dev")
endif()

set(CPACK_DEBIAN_CLI_PACKAGE_NAME mapio)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_CLI_DESCRIPTION "mapio: memory-mapped I/O from the command line
 Verbs that map files, memory and devices: wc, count and grep -c with GNU's
 answers, cache (page-cache residency), shm, pci, devmem, bar, uio, vfio, fb,
 vga-text, bench and a guided tour.")

include(CPack)

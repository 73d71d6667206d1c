# cmake -P script: install mapio to WORK_DIR/prefix and use it as a new user would.
#  1. The README's program and its CMakeLists.txt, exactly as the README shows them, built with
#     CMake's default generator on this machine as it is without libpci-dev and libfmt-dev: it finds
#     mapio with COMPONENTS core, and neither libpci nor {fmt} is on its link line or in its ldd.
#     In the same place, a static mapio refuses COMPONENTS mmio, naming libpci.
#  2. A program that includes <mapio/mapio.hpp> and links mapio::mapio (find_package, Ninja).
#  3. pkg-config: a C++23 program with mapio-core's flags (no --static, no -std among them), on the
#     machine without libpci-dev too; and the whole library with mapio.pc.
# Inputs: MAPIO_SOURCE_DIR, MAPIO_BINARY_DIR, WORK_DIR, CXX_COMPILER, SHARED (BUILD_SHARED_LIBS).
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
set(without_dev_files ${MAPIO_SOURCE_DIR}/tests/install/without_packages.sh libpci-dev libfmt-dev --)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# run_failing(VAR cmd...): cmd must fail; its stdout and stderr together land in VAR.
function(run_failing var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(result EQUAL 0)
    message(FATAL_ERROR "succeeded but should have failed: ${ARGN}\n${out}")
  endif()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

# The text of the first ```LANG block after "## Using the library" in the README.
function(readme_block lang var)
  file(READ ${MAPIO_SOURCE_DIR}/README.md text)
  string(FIND "${text}" "## Using the library" at)
  string(SUBSTRING "${text}" ${at} -1 text)
  string(FIND "${text}" "```${lang}\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "README.md's 'Using the library' has no ```${lang} block")
  endif()
  string(LENGTH "```${lang}\n" fence)
  math(EXPR at "${at} + ${fence}")
  string(SUBSTRING "${text}" ${at} -1 text)
  string(FIND "${text}" "```" end)
  string(SUBSTRING "${text}" 0 ${end} text)
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

function(expect_no_dependencies what text)
  if(text MATCHES "pci|fmt")
    message(FATAL_ERROR "${what} names libpci or {fmt}:\n${text}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${MAPIO_BINARY_DIR} --prefix ${prefix})
set(pc_path ${prefix}/lib/pkgconfig:${prefix}/lib/x86_64-linux-gnu/pkgconfig)

# 1. The machine without libpci-dev and libfmt-dev: check first that they are really out of sight.
run_failing(ignored ${without_dev_files} pkg-config --exists libpci)
foreach(header fmt/format.h pci/pci.h)
  string(MAKE_C_IDENTIFIER ${header} probe)
  file(WRITE ${WORK_DIR}/${probe}.cpp "#include <${header}>\n")
  run_failing(ignored ${without_dev_files} ${CXX_COMPILER} -fsyntax-only ${WORK_DIR}/${probe}.cpp)
endforeach()

readme_block(cpp program)
readme_block(cmake lists)
set(readme ${WORK_DIR}/readme)
string(REGEX MATCH "add_executable\\(([A-Za-z_]+) ([A-Za-z_.]+)\\)" found "${lists}")
if(NOT found)
  message(FATAL_ERROR "README.md's CMakeLists.txt has no add_executable(NAME SOURCE):\n${lists}")
endif()
set(readme_target ${CMAKE_MATCH_1})
file(WRITE ${readme}/${CMAKE_MATCH_2} "${program}")
file(WRITE ${readme}/CMakeLists.txt "${lists}")
if(NOT lists MATCHES "COMPONENTS core" OR NOT lists MATCHES "mapio::core")
  message(FATAL_ERROR "README.md's CMakeLists.txt should ask for mapio's core alone:\n${lists}")
endif()
run(${without_dev_files} ${CMAKE_COMMAND} -S ${readme} -B ${readme}/build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
if(NOT EXISTS ${readme}/build/Makefile)
  message(FATAL_ERROR "the README's project was not configured with CMake's default generator (Unix Makefiles)")
endif()
run(${without_dev_files} ${CMAKE_COMMAND} --build ${readme}/build)
file(READ ${readme}/build/CMakeFiles/${readme_target}.dir/link.txt link_line)
if(NOT link_line MATCHES "libmapio_core\\.(a|so)")
  message(FATAL_ERROR "the README's program does not link mapio_core:\n${link_line}")
endif()
if(link_line MATCHES "mapio_(scan|mmio|screen)")
  message(FATAL_ERROR "the README's program links parts it does not use:\n${link_line}")
endif()
expect_no_dependencies("the README program's link line" "${link_line}")
run(ldd ${readme}/build/${readme_target})
expect_no_dependencies("ldd of the README's program" "${last_output}")
run(${without_dev_files} ${readme}/build/${readme_target} ${MAPIO_SOURCE_DIR}/README.md)
file(SIZE ${MAPIO_SOURCE_DIR}/README.md readme_size)
if(NOT last_output MATCHES "README.md: ${readme_size} bytes, [1-9][0-9]* lines")
  message(FATAL_ERROR "the README's program printed: ${last_output}")
endif()

# A static mmio needs libpci at link time: without it, find_package says so instead of failing later.
set(mmio_only ${WORK_DIR}/mmio_only)
file(WRITE ${mmio_only}/CMakeLists.txt "cmake_minimum_required(VERSION 3.25)
project(mmio_only LANGUAGES CXX)
find_package(mapio 0.1 REQUIRED COMPONENTS mmio)
")
if(SHARED)
  # Shared libraries carry their own dependencies: nothing to find.
  run(${without_dev_files} ${CMAKE_COMMAND} -S ${mmio_only} -B ${mmio_only}/build -DCMAKE_PREFIX_PATH=${prefix})
else()
  run_failing(refusal ${without_dev_files} ${CMAKE_COMMAND} -S ${mmio_only} -B ${mmio_only}/build
              -DCMAKE_PREFIX_PATH=${prefix})
  if(NOT refusal MATCHES "mapio::mmio[^\n]*links libpci.*libpci-dev")
    message(FATAL_ERROR "find_package(mapio COMPONENTS mmio) without libpci said:\n${refusal}")
  endif()
endif()

# 2. Everything, through the umbrella header.
run(${CMAKE_COMMAND} -S ${MAPIO_SOURCE_DIR}/tests/install/consumer -B ${WORK_DIR}/consumer -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer)
if(NOT last_output MATCHES "consumer mapped [1-9][0-9]* bytes .* with mapio ${PROJECT_VERSION} \\(headers ${PROJECT_VERSION}\\)")
  message(FATAL_ERROR "find_package consumer printed: ${last_output}")
endif()

# 3. pkg-config.
set(ENV{PKG_CONFIG_PATH} ${pc_path})
run(pkg-config --cflags mapio-core mapio-scan mapio-mmio mapio-screen mapio)
if(last_output MATCHES "-std")
  message(FATAL_ERROR "pkg-config's Cflags choose a C++ standard: ${last_output}")
endif()
run(pkg-config --print-requires-private mapio-core)
expect_no_dependencies("mapio-core's Requires.private" "${last_output}")
run(pkg-config --print-requires-private mapio-mmio)
if(SHARED AND NOT last_output STREQUAL "")
  message(FATAL_ERROR "shared mapio-mmio requires privately: ${last_output}")
elseif(NOT SHARED AND NOT last_output MATCHES "^libpci\n$")
  message(FATAL_ERROR "static mapio-mmio should require libpci privately, not: ${last_output}")
endif()

run(${without_dev_files} pkg-config --cflags --libs mapio-core)
string(STRIP "${last_output}" core_flags)
expect_no_dependencies("mapio-core's flags" "${core_flags}")
separate_arguments(core_flags UNIX_COMMAND "${core_flags}")
run(${without_dev_files} ${CXX_COMPILER} -std=c++23 ${MAPIO_SOURCE_DIR}/tests/install/cxx23/main.cpp ${core_flags}
    -o ${WORK_DIR}/consumer_cxx23)
run(${WORK_DIR}/consumer_cxx23)
if(NOT last_output MATCHES "c\\+\\+23 consumer mapped [1-9][0-9]* bytes; a missing file is errno 2")
  message(FATAL_ERROR "C++23 pkg-config consumer printed: ${last_output}")
endif()

if(SHARED)
  run(pkg-config --cflags --libs mapio)
else()
  run(pkg-config --cflags --libs --static mapio)
endif()
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CXX_COMPILER} -std=c++20 ${MAPIO_SOURCE_DIR}/tests/install/consumer/main.cpp ${flags} -o ${WORK_DIR}/consumer_pc)
run(${WORK_DIR}/consumer_pc)
if(NOT last_output MATCHES "consumer mapped [1-9][0-9]* bytes")
  message(FATAL_ERROR "pkg-config consumer printed: ${last_output}")
endif()
message(STATUS "installed mapio works with find_package (core alone without libpci-dev and {fmt}) and pkg-config (C++23)")

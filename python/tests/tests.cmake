# pytest, one CTest test per tests/test_*.py (label `python`), against the package in the build tree.
# Under the asan preset the extension is built with ASan + UBSan while the interpreter is not, so
# the sanitizer runtime is preloaded into it; leak checking is off, since CPython frees little at exit.
file(GLOB MAPIO_PYTHON_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_*.py)
set(MAPIO_PYTHON_TEST_ENV
  PYTHONPATH=${PROJECT_BINARY_DIR}/python
  PYTHONDONTWRITEBYTECODE=1
  MAPIO_SOURCE_DIR=${PROJECT_SOURCE_DIR})
if(MAPIO_SANITIZE MATCHES "address")
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libclang_rt.asan-x86_64.so
                  OUTPUT_VARIABLE asan_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
  list(APPEND MAPIO_PYTHON_TEST_ENV LD_PRELOAD=${asan_runtime}
       "ASAN_OPTIONS=detect_leaks=0:handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1")
endif()
foreach(test_file ${MAPIO_PYTHON_TESTS})
  get_filename_component(name ${test_file} NAME_WE)
  string(REGEX REPLACE "^test_" "" name ${name})
  add_test(NAME python.${name}
           COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider ${test_file}
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  # TIMEOUT: the 1,000 truncation trials of test_files take over 3 minutes under ASan on a busy machine.
  set_tests_properties(python.${name} PROPERTIES LABELS python ENVIRONMENT "${MAPIO_PYTHON_TEST_ENV}" TIMEOUT 900)
endforeach()

# The installed package: cmake --install (component python) and pip install, each imported from
# where it was installed (check_install.sh). Label install: like the library's install check, it
# does not run under the sanitizers.
add_test(NAME python.install
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/check_install.sh ${Python3_EXECUTABLE} ${PROJECT_BINARY_DIR}
                 ${PROJECT_SOURCE_DIR} ${MAPIO_PYTHON_INSTALL_DIR} ${CMAKE_CURRENT_BINARY_DIR}/install-check)
set_tests_properties(python.install PROPERTIES LABELS "python;install" TIMEOUT 900)

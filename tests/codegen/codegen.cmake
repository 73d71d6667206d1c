# Generated-code checks, run with the build's own compiler (GCC in release, Clang in asan).
add_test(NAME codegen.prefetch_is_kept
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_prefetch.sh ${CMAKE_CXX_COMPILER} ${PROJECT_SOURCE_DIR}/include)
set_tests_properties(codegen.prefetch_is_kept PROPERTIES LABELS codegen)

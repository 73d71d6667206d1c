# Generated-code checks, run with the build's own compiler (GCC in release, Clang in asan).
add_test(NAME codegen.prefetch_is_kept
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_prefetch.sh ${CMAKE_CXX_COMPILER} ${PROJECT_SOURCE_DIR}/include)
set_tests_properties(codegen.prefetch_is_kept PROPERTIES LABELS codegen)

# Wrong register access must not compile (and the right one must, so these can fail): each case of
# register_access.cpp is compiled on its own and its diagnostic checked for the reason.
set(mapio_compile_check ${CMAKE_CURRENT_LIST_DIR}/check_compile_fail.sh ${CMAKE_CXX_COMPILER} ${PROJECT_SOURCE_DIR}/include)
add_test(NAME codegen.registers_correct_access_compiles COMMAND ${mapio_compile_check} 0 compiles)
add_test(NAME codegen.registers_write_to_read_only_fails COMMAND ${mapio_compile_check} 1 fails "writable.* evaluated to .?false")
add_test(NAME codegen.registers_read_from_write_only_fails COMMAND ${mapio_compile_check} 2 fails "readable.* evaluated to .?false")
add_test(NAME codegen.registers_read_foreign_field_fails COMMAND ${mapio_compile_check} 3 fails "field_of<")
add_test(NAME codegen.registers_write_foreign_field_fails COMMAND ${mapio_compile_check} 4 fails "field_of<")
set_tests_properties(codegen.registers_correct_access_compiles codegen.registers_write_to_read_only_fails
  codegen.registers_read_from_write_only_fails codegen.registers_read_foreign_field_fails
  codegen.registers_write_foreign_field_fails PROPERTIES LABELS codegen)

# Typed register access compiles to the same instructions as a raw volatile access.
add_test(NAME codegen.mmio_typed_equals_raw COMMAND ${PROJECT_SOURCE_DIR}/bench/mmio_codegen.sh ${CMAKE_CXX_COMPILER})
set_tests_properties(codegen.mmio_typed_equals_raw PROPERTIES LABELS codegen)

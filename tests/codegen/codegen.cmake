# Generated-code checks, run with the build's own compiler (GCC in release, Clang in asan).
add_test(NAME codegen.prefetch_is_kept
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_prefetch.sh ${CMAKE_CXX_COMPILER} ${PROJECT_SOURCE_DIR}/include)
set_tests_properties(codegen.prefetch_is_kept PROPERTIES LABELS codegen)

# Wrong register access must not compile (and the right one must, so these can fail): each case of
# register_access.cpp is compiled on its own and its diagnostic must name the user's register (the
# condition the compiler prints, e.g. is_writable<uart::Status>) and give the reason in words.
set(mapio_compile_check ${CMAKE_CURRENT_LIST_DIR}/check_compile_fail.sh ${CMAKE_CXX_COMPILER} ${PROJECT_SOURCE_DIR}/include)
set(mapio_register_cases
  "correct_access_compiles|0|compiles"
  "write_to_read_only_fails|1|fails|is_writable<uart::Status>|register is read-only"
  "read_from_write_only_fails|2|fails|is_readable<uart::Doorbell>|register is write-only"
  "read_foreign_field_fails|3|fails|field_of<uart::Status>::usable_with<uart::Control>|belongs to another register"
  "write_foreign_field_fails|4|fails|field_of<uart::Status>::usable_with<uart::Control>|belongs to another register"
  "other_device_same_offset_fails|5|fails|field_of<spi::Control>::usable_with<uart::Control>|field_of<spi::Status>::usable_with<uart::Status>|belongs to another register"
  "or_fields_of_two_registers_fails|6|fails|field_of<uart::Control>::usable_with<spi::Control>|or-ed together belong to two different registers"
  "modify_read_only_fails|7|fails|is_writable<uart::Status>|register is read-only"
  "constant_wider_than_field_fails|8|fails|value_does_not_fit_in_field|mode.*operator\\(\\)\\(31\\)"
  "register_not_in_map_fails|9|fails|holds<Stranger>|not in the RegisterMap"
  "register_naming_another_fails|10|fails|declares_itself<Copy>|names another struct"
  "field_of_other_width_fails|11|fails|has_word_type<uart::Control, |register of another width")
foreach(entry IN LISTS mapio_register_cases)
  string(REPLACE "|" ";" args "${entry}")
  list(POP_FRONT args name)
  add_test(NAME codegen.registers_${name} COMMAND ${mapio_compile_check} ${args})
  set_tests_properties(codegen.registers_${name} PROPERTIES LABELS codegen)
endforeach()

# Typed register access compiles to the same instructions as a raw volatile access.
add_test(NAME codegen.mmio_typed_equals_raw COMMAND ${PROJECT_SOURCE_DIR}/bench/mmio_codegen.sh ${CMAKE_CXX_COMPILER})
set_tests_properties(codegen.mmio_typed_equals_raw PROPERTIES LABELS codegen)

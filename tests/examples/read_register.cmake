# read_register on a plain file standing in for /dev/mem: the bytes at an unaligned "physical"
# address come back as a little-endian register value; a missing device is a clear error.
add_test(NAME example.read_register
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_read_register.sh ${PROJECT_BINARY_DIR}/examples/read_register)
set_tests_properties(example.read_register PROPERTIES LABELS example)

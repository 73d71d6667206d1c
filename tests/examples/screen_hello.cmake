# screen_hello on a sparse file standing in for /dev/mem: every cell of the 80x25 text buffer at
# 0xB8000 is compared with a reference screen the check script builds on its own. The same program
# on the real VGA card runs in the guest (vm.screen_text).
add_test(NAME example.screen_hello
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_screen_hello.sh ${PROJECT_BINARY_DIR}/examples/screen_hello)
set_tests_properties(example.screen_hello PROPERTIES LABELS example)

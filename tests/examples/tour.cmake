# `mapio tour`, the first command a newcomer runs: every step must succeed and report real values.
if(TARGET mapio_cli)
  add_test(NAME cli.tour COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_tour.sh ${PROJECT_BINARY_DIR}/bin/mapio)
  set_tests_properties(cli.tour PROPERTIES LABELS "cli;example")
endif()

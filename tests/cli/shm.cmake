# mapio shm: POSIX objects created, listed and removed; a sealed memfd held by another process.
add_test(NAME cli.shm COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/shm.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.shm PROPERTIES LABELS cli TIMEOUT 60)

# mapio chan: two shells talking over a named channel, a sender killed mid-stream, stat, refusals.
add_test(NAME cli.chan COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/chan.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.chan PROPERTIES LABELS cli TIMEOUT 60)

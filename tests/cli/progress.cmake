add_test(NAME cli.progress_bar COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/progress.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.progress_bar PROPERTIES LABELS cli TIMEOUT 60)

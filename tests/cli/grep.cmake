# mapio grep against GNU grep -F 3.8: the option matrix in the C and UTF-8 locales, binary files,
# -r trees, GNU's own -F edge cases, /dev/full (stdout, stderr and exit status compared).
add_test(NAME cli.grep_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/grep_compare.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.grep_compare PROPERTIES LABELS cli TIMEOUT 900)

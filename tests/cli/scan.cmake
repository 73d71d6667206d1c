# mapio wc / grep -c / count against GNU wc, grep -c -F and tr on a generated edge-case corpus
# (empty, CRLF, NULs, page and block boundaries, a 5 GiB sparse file, many small files, pipes,
# errors, truncation during a mapped scan).
add_test(NAME cli.scan_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/scan_compare.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.scan_compare PROPERTIES LABELS cli TIMEOUT 600)

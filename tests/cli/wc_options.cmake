# mapio wc -m, -L, --files0-from, --total and --version against GNU wc in the C and C.UTF-8 locales:
# widths and characters of every kind of byte, every route a file is read by, read errors, odd names,
# coreutils' wc-files0 cases, coreutils 9.2's --total, a file truncated during the scan.
add_test(NAME cli.wc_options_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/wc_options_compare.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.wc_options_compare PROPERTIES LABELS cli TIMEOUT 900)

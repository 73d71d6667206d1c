# mapio wc / grep -c / count against GNU wc, grep -c -F and tr on a generated edge-case corpus
# (empty, CRLF, NULs, page and block boundaries, a 5 GiB sparse file, many small files, pipes,
# errors, truncation during a mapped scan).
add_test(NAME cli.scan_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/scan_compare.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.scan_compare PROPERTIES LABELS cli TIMEOUT 600)

# mapio wc against GNU wc in the C.UTF-8 and C locales: random bytes, UTF-8 text with every kind of
# space and invalid sequences, characters cut by every page boundary (read buffers, mapped slices,
# threads), pipes cut inside characters; the locale variables; the refusal of other encodings.
add_test(NAME cli.wc_locale_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/wc_locale_compare.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.wc_locale_compare PROPERTIES LABELS cli TIMEOUT 600)

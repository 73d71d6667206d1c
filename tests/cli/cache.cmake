# mapio cache (resident pages, --touch, --evict, --lock) against util-linux fincore on real files.
# AddressSanitizer turns mlock(2) into a no-op, so an ASan build cannot show VmLck.
if(MAPIO_SANITIZE MATCHES "address")
  set(MAPIO_MLOCK_WORKS no)
else()
  set(MAPIO_MLOCK_WORKS yes)
endif()
add_test(NAME cli.cache_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cache.sh $<TARGET_FILE:mapio_cli> ${MAPIO_MLOCK_WORKS})
set_tests_properties(cli.cache_compare PROPERTIES LABELS cli TIMEOUT 120 SKIP_RETURN_CODE 77)

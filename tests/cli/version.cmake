# mapio --version prints the project's version, as the library compiled into it reports it.
add_test(NAME cli.version
  COMMAND bash -c "out=$('$<TARGET_FILE:mapio_cli>' --version 2>&1); status=$?
    want='mapio ${PROJECT_VERSION}'
    [[ $status -eq 0 && $out == \"$want\" ]] && echo \"ok: $out\" || { echo \"exit $status: $out\"; exit 1; }")
set_tests_properties(cli.version PROPERTIES LABELS cli)

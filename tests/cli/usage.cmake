# mapio without a verb: a usage error (exit 2) that says what is missing, in the words of every
# verb's usage errors. The verbs' own are checked with each verb.
add_test(NAME cli.missing_verb
  COMMAND bash -c "out=$('$<TARGET_FILE:mapio_cli>' 2>&1); status=$?
    want='mapio: missing SUBCOMMAND (usage: mapio [OPTIONS] SUBCOMMAND)'
    [[ $status -eq 2 && $out == \"$want\" ]] && echo ok || { echo \"exit $status: $out\"; exit 1; }")
set_tests_properties(cli.missing_verb PROPERTIES LABELS cli)

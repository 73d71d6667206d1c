# docs/cli.md is the program's own --help output: fail when someone changed one and not the other.
add_test(NAME cli.manual_is_current
  COMMAND bash -c "diff -u '${PROJECT_SOURCE_DIR}/docs/cli.md' <('${PROJECT_SOURCE_DIR}/scripts/cli-manual.sh' '${PROJECT_BINARY_DIR}/bin/mapio') || { echo 'docs/cli.md is stale: run scripts/cli-manual.sh build/release/bin/mapio > docs/cli.md'; exit 1; }")
set_tests_properties(cli.manual_is_current PROPERTIES LABELS cli)

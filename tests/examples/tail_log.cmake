# tail_log: a reader follows a log that a second process appends to, with MappedFile::refresh().
add_test(NAME example.tail_log
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/expect_lines.sh ${PROJECT_BINARY_DIR}/examples/tail_log --
    "following an empty log (0 bytes mapped)"
    "  event 1 from the writer"
    "  event 2 from the writer"
    "  event 3 from the writer"
    "  event 4 from the writer"
    "  event 5 from the writer"
    "followed 5 lines, 120 bytes mapped")
set_tests_properties(example.tail_log PROPERTIES LABELS example)

# channel_pair: a parent and a child exchange messages; the child, then (in a second pair) the
# parent is SIGKILLed mid-stream, and the survivor reports "peer gone" instead of waiting.
add_test(NAME example.channel_pair
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/expect_lines.sh ${PROJECT_BINARY_DIR}/examples/channel_pair --
    "act 1: the child is killed"
    "parent: 1 squared is 1"
    "parent: 2 squared is 4"
    "parent: 3 squared is 9"
    "parent: 4 squared is 16"
    "parent: 5 squared is 25"
    "parent: sent 6, then killed the child"
    "parent: receive said \"peer gone: every sender has died or left\""
    "act 2: the parent is killed"
    "child: squared 1, 2, 3"
    "child: receive said \"peer gone: every sender has died or left\"")
set_tests_properties(example.channel_pair PROPERTIES LABELS example TIMEOUT 60)

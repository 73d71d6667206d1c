# Source checks that keep the architecture as docs/architecture.md draws it.
add_test(NAME lint.system_calls_through_core COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_system_calls.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(lint.system_calls_through_core PROPERTIES LABELS lint)

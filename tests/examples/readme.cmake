# The library example in README.md ("## Using the library", its first ```cpp block) is extracted at
# configure time, compiled with the project's warnings, and run: the README cannot drift from the API.
set(MAPIO_README ${PROJECT_SOURCE_DIR}/README.md)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${MAPIO_README})
file(READ ${MAPIO_README} mapio_readme)
string(FIND "${mapio_readme}" "## Using the library" mapio_section)
if(mapio_section EQUAL -1)
  message(FATAL_ERROR "README.md has no '## Using the library' section for tests/examples/readme.cmake")
endif()
string(SUBSTRING "${mapio_readme}" ${mapio_section} -1 mapio_readme)
string(FIND "${mapio_readme}" "```cpp\n" mapio_begin)
string(SUBSTRING "${mapio_readme}" ${mapio_begin} -1 mapio_readme)
string(LENGTH "```cpp\n" mapio_fence)
string(SUBSTRING "${mapio_readme}" ${mapio_fence} -1 mapio_readme)
string(FIND "${mapio_readme}" "```" mapio_end)
string(SUBSTRING "${mapio_readme}" 0 ${mapio_end} mapio_readme)
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp CONTENT "${mapio_readme}" @ONLY)

add_executable(readme_example ${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp)
target_link_libraries(readme_example PRIVATE mapio::mapio)
mapio_set_warnings(readme_example)

# Its answer for README.md itself must agree with stat and wc; a missing file must be a clean error.
add_test(NAME example.readme
  COMMAND bash -c [=[
    set -u
    expected="$2: $(stat -c %s "$2") bytes, $(wc -l <"$2") lines"
    actual=$("$1" "$2") || { echo "exit status $?"; exit 1; }
    [[ $actual == "$expected" ]] || { printf 'expected: %s\nactual:   %s\n' "$expected" "$actual"; exit 1; }
    echo "ok: $actual"
    if "$1" /nonexistent/mapio-readme 2>err.txt; then echo "a missing file did not fail"; exit 1; fi
    grep -q "open /nonexistent/mapio-readme: No such file or directory (ENOENT)" err.txt || { cat err.txt; exit 1; }
    echo "ok: $(cat err.txt)"
  ]=] readme $<TARGET_FILE:readme_example> ${MAPIO_README})
set_tests_properties(example.readme PROPERTIES LABELS example WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})

# The example programs (examples/*.cpp), run and their output checked line by line. Where the right
# answer depends on the input, a script computes it independently with coreutils.
set(MAPIO_EXAMPLE_BIN ${PROJECT_BINARY_DIR}/examples)
set(MAPIO_EXPECT_LINES ${CMAKE_CURRENT_LIST_DIR}/expect_lines.sh)

add_test(NAME example.count_lines
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_count_lines.sh ${MAPIO_EXAMPLE_BIN}/count_lines)

add_test(NAME example.count_byte
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_count_byte.sh ${MAPIO_EXAMPLE_BIN}/count_byte)

add_test(NAME example.pick_lines
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_pick_lines.sh ${MAPIO_EXAMPLE_BIN}/pick_lines)

# Needs a temporary directory whose files can leave the page cache: skipped (77) on tmpfs.
add_test(NAME example.page_cache
  COMMAND bash -c "[ \"$(stat -f -c %T \"\${TMPDIR:-/tmp}\")\" = tmpfs ] && { echo 'SKIP: TMPDIR is on tmpfs'; exit 77; }
    exec '${MAPIO_EXPECT_LINES}' '${MAPIO_EXAMPLE_BIN}/page_cache' -- \
      'the sample: 1024 pages, 1024 in the page cache' \
      'after evict_from_page_cache: 0 in the page cache' \
      'after touching 16 pages from page 512: 16 in the page cache (byte sum 1744)'")
set_tests_properties(example.page_cache PROPERTIES SKIP_RETURN_CODE 77)

add_test(NAME example.write_and_verify
  COMMAND ${MAPIO_EXPECT_LINES} ${MAPIO_EXAMPLE_BIN}/write_and_verify --
    "before: Hello, World! This is memory-mapped."
    "after:  HOWDY, World! This is memory-mapped."
    "verify: HOWDY, World! This is memory-mapped.")

add_test(NAME example.shared_vs_private
  COMMAND ${MAPIO_EXPECT_LINES} ${MAPIO_EXAMPLE_BIN}/shared_vs_private --
    "1. write \"PRIVATE!\" through the copy-on-write mapping"
    "private: PRIVATE!"
    "shared:  original"
    "file:    original"
    "2. write \"SHARED!!\" through the shared mapping"
    "private: PRIVATE!"
    "shared:  SHARED!!"
    "file:    SHARED!!")

add_test(NAME example.fork_shared_counter
  COMMAND ${MAPIO_EXPECT_LINES} ${MAPIO_EXAMPLE_BIN}/fork_shared_counter --
    "child set *shared = 42"
    "parent reads *shared = 42"
    "counter after 100000 increments in each process = 200000")

add_test(NAME example.guard_page
  COMMAND ${MAPIO_EXPECT_LINES} ${MAPIO_EXAMPLE_BIN}/guard_page --
    "wrote 100 bytes to the buffer OK"
    "the guard page starts right after the last byte: yes"
    "child writes one byte past the end..."
    "child died of SIGSEGV: the guard page caught the overrun")

add_test(NAME example.sealed_memfd
  COMMAND ${MAPIO_EXPECT_LINES} ${MAPIO_EXAMPLE_BIN}/sealed_memfd --
    "memfd of 8192 bytes, holds \"hello through a memfd\""
    "resize to 4096: done"
    "sealed against shrink and grow, and against further seals"
    "resize to 2048: refused (EPERM)"
    "resize to 16384: refused (EPERM)"
    "ftruncate(fd, 0): refused (EPERM)"
    "adding a write seal: refused (EPERM)"
    "size is still 4096 bytes, contents \"hello through a memfd\""
    "listed: memfd \"sealed-example\", 4096 bytes, seals as set, held by this process")

add_test(NAME example.growing_file
  COMMAND ${MAPIO_EXPECT_LINES} ${MAPIO_EXAMPLE_BIN}/growing_file --
    "created with 0 bytes"
    "appended 1000 records (12000 bytes), growing 3 times to 16384 bytes"
    "after trimming: file is 12000 bytes, last record: record 1000")

set_tests_properties(example.count_lines example.count_byte example.write_and_verify example.shared_vs_private
  example.fork_shared_counter example.guard_page example.sealed_memfd example.growing_file example.pick_lines example.page_cache
  PROPERTIES LABELS example)

add_test(NAME example.channel_workers
  COMMAND ${MAPIO_EXPECT_LINES} ${MAPIO_EXAMPLE_BIN}/channel_workers --
    "parent: then \"peer gone: every sender has died or left\""
    "worker 1 sent 1000 results"
    "worker 2 sent 1000 results"
    "worker 3 was killed after at least 100 results"
    "parent: 2000 results from workers 1 and 2, 100 or more from worker 3, every one whole")

# mapio wc / grep -c / count against GNU wc, grep -c -F and tr on a generated edge-case corpus
# (empty, CRLF, NULs, page and block boundaries, a 5 GiB sparse file, many small files, pipes,
# errors, truncation during a mapped scan).
add_test(NAME cli.scan_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/scan_compare.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.scan_compare PROPERTIES LABELS cli TIMEOUT 600)

# Arguments of the scanning verbs that are missing or do not parse are usage errors (exit 2) that
# say what is expected; a file that cannot be read is a failure (count exits 1, grep 2 as GNU grep does).
add_test(NAME cli.scan_usage_errors
  COMMAND bash -c "set -uo pipefail
    mapio='$<TARGET_FILE:mapio_cli>'; failed=0
    expect() { # STATUS MESSAGE ARGS...
      local want_status=$1 want=$2; shift 2
      out=$(\"$mapio\" \"$@\" 2>&1 </dev/null); status=$?
      if [[ $status -eq $want_status && $out == \"$want\" ]]; then echo \"ok: $*\"; else
        echo \"MISMATCH for $*: exit $status: $out\"; failed=1; fi
    }
    byte='use one character, \\n, \\0 or 0xNN (two hex digits)'
    expect 2 \"mapio count: bad byte 'zz': $byte\" count zz /dev/null
    expect 2 \"mapio count: bad byte '0x100': $byte\" count 0x100 /dev/null
    expect 2 \"mapio count: bad byte '0x+f': $byte\" count 0x+f /dev/null
    expect 2 \"mapio count: bad byte '': $byte\" count '' /dev/null
    expect 1 'mapio count: /nonexistent/file: No such file or directory' count x /nonexistent/file
    expect 0 '0' count 0x0a /dev/null
    expect 2 'mapio count: missing BYTE (usage: mapio count [OPTIONS] BYTE FILE...)' count
    expect 2 'mapio count: missing FILE (usage: mapio count [OPTIONS] BYTE FILE...)' count x
    expect 2 'mapio grep: missing PATTERN (usage: mapio grep [OPTIONS] PATTERN [FILE...])' grep -c
    expect 2 'mapio grep: /nonexistent/file: No such file or directory' grep -c fox /nonexistent/file
    expect 1 '0' grep -c \"$(printf '%02000d' 0)\" /dev/null
    expect 2 'mapio grep: /nonexistent/file: No such file or directory' grep -c -f /nonexistent/file /dev/null
    exit $failed")
set_tests_properties(cli.scan_usage_errors PROPERTIES LABELS cli)

# mapio wc against GNU wc in the C.UTF-8 and C locales: random bytes, UTF-8 text with every kind of
# space and invalid sequences, characters cut by every page boundary (read buffers, mapped slices,
# threads), pipes cut inside characters; the locale variables; the refusal of other encodings.
add_test(NAME cli.wc_locale_compare
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/wc_locale_compare.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.wc_locale_compare PROPERTIES LABELS cli TIMEOUT 600)

# Where GNU's tools have edge cases of their own: sysfs/procfs sizes, /dev/full, xargs -P4, read
# errors, closed stdin, POSIXLY_CORRECT, usage statuses, odd names, long patterns, grep's options,
# fincore on directories and special files (stderr compared where mapio claims GNU's messages).
add_test(NAME cli.gnu_compat
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/gnu_compat.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.gnu_compat PROPERTIES LABELS cli TIMEOUT 300)

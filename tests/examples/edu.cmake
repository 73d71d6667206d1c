# The edu example, run on its software model (--simulate) and on a plain file standing in for a BAR
# (--resource): exact output, exit statuses, and the trace text. Real hardware runs in tests/vm.
if(TARGET edu)
  # $1 = the edu program. Each check compares stdout (and stderr where it matters) exactly.
  add_test(NAME example.edu.simulate
    COMMAND bash -c [=[
      set -u
      fail() { printf '%s\n--- expected ---\n%s\n--- actual ---\n%s\n' "$1" "$2" "$3"; exit 1; }
      expected=$'device:         edu-sim\nidentification: 0x010000ed (edu version 1.0, magic 0xed)'
      actual=$("$1" --simulate info) || fail "info exit status $?" "" ""
      [[ $actual == "$expected" ]] || fail "info" "$expected" "$actual"

      expected=$'10! = 3628800'
      actual=$("$1" --simulate factorial 10) || fail "factorial exit status $?" "" ""
      [[ $actual == "$expected" ]] || fail "factorial 10" "$expected" "$actual"

      expected=$'0! = 1\n5! = 120\n12! = 479001600\n13! = 1932053504 (mod 2^32)'
      actual=$("$1" --simulate factorial 0 5 0xc 13) || fail "factorial exit status $?" "" ""
      [[ $actual == "$expected" ]] || fail "factorial 0 5 0xc 13" "$expected" "$actual"

      expected=$'liveness: wrote 0x0000ff00, read 0xffff00ff: alive'
      actual=$("$1" --simulate liveness 0xff00) || fail "liveness exit status $?" "" ""
      [[ $actual == "$expected" ]] || fail "liveness" "$expected" "$actual"
      echo ok
    ]=] edu $<TARGET_FILE:edu>)

  add_test(NAME example.edu.trace
    COMMAND bash -c [=[
      set -u
      expected=$'read32  0x0000 -> 0x010000ed\nread32  0x0020 -> 0x00000000\nwrite32 0x0008 <- 0x00000004\nread32  0x0020 -> 0x00000001\nread32  0x0020 -> 0x00000001\nread32  0x0020 -> 0x00000000\nread32  0x0008 -> 0x00000018'
      trace=$("$1" --simulate --trace factorial 4 2>&1 >/dev/null) || { echo "exit status $?"; exit 1; }
      [[ $trace == "$expected" ]] || { printf -- '--- expected ---\n%s\n--- actual ---\n%s\n' "$expected" "$trace"; exit 1; }
      out=$("$1" --simulate --trace factorial 4 2>/dev/null)
      [[ $out == "4! = 24" ]] || { echo "stdout mixed with trace: $out"; exit 1; }
      echo ok
    ]=] edu $<TARGET_FILE:edu>)

  # A regular file mapped like a sysfs resource: real VolatileBus accesses, but memory, not edu.
  add_test(NAME example.edu.resource
    COMMAND bash -c [=[
      set -u
      dir=$(mktemp -d) && trap 'rm -rf "$dir"' EXIT
      printf '\355\000\000\001' >"$dir/bar" && truncate -s 1M "$dir/bar"
      actual=$("$1" --resource "$dir/bar" info) || { echo "info exit status $?"; exit 1; }
      [[ $actual == *"identification: 0x010000ed (edu version 1.0, magic 0xed)"* ]] || { echo "info: $actual"; exit 1; }
      # Memory keeps what was written instead of inverting it: not alive, exit 1.
      actual=$("$1" --resource "$dir/bar" liveness); status=$?
      [[ $status == 1 && $actual == "liveness: wrote 0x12345678, read 0x12345678: NOT alive" ]] || { echo "liveness ($status): $actual"; exit 1; }
      # A missing device is one clear line and exit 1; bad usage exits 2.
      err=$("$1" --resource "$dir/missing" info 2>&1); status=$?
      [[ $status == 1 && $err == *"$dir/missing"*"ENOENT"* ]] || { echo "missing ($status): $err"; exit 1; }
      "$1" --simulate factorial 2>/dev/null; [[ $? == 2 ]] || { echo "factorial without N did not exit 2"; exit 1; }
      "$1" --simulate frobnicate 2>/dev/null; [[ $? == 2 ]] || { echo "unknown mode did not exit 2"; exit 1; }
      echo ok
    ]=] edu $<TARGET_FILE:edu>)
endif()

# Helpers for the guest half of the scenarios (busybox sh). Every check reports one line on the
# console, which the host parses:
#     MAPIO-RESULT <check> PASS|FAIL <detail>
# The host knows which checks each scenario must report; one that never reports is a failure too.

pass() { echo "MAPIO-RESULT $1 PASS ${2:-}"; }
fail() { echo "MAPIO-RESULT $1 FAIL ${2:-}"; }

# check_eq CHECK EXPECTED ACTUAL
check_eq() {
  if [ "$2" = "$3" ]; then pass "$1" "$3"; else fail "$1" "expected '$2', got '$3'"; fi
}

# check_match CHECK PATTERN TEXT: TEXT contains PATTERN (grep -E)
check_match() {
  if printf '%s\n' "$3" | grep -Eq -- "$2"; then pass "$1"; else fail "$1" "no match for /$2/ in: $(printf '%s' "$3" | tr '\n' '|' | cut -c1-300)"; fi
}

# show LABEL TEXT: copies a program's output to the console for the log, prefixed so the host
# never mistakes it for a result line.
show() {
  printf '%s\n' "$2" | sed "s/^/[$1] /"
}

# need_program NAME: fails CHECK-less with a clear line when a program was not built.
need_program() {
  if [ -x "/opt/mapio/bin/$1" ]; then return 0; fi
  fail "program-$1" "$1 is not in the guest: $(grep "^$1 " /opt/mapio/missing | cut -d' ' -f2-) was not built"
  return 1
}

# load_module NAME: insmod NAME and what it depends on, in order (lists made by setup.sh).
# Extra arguments are module parameters for NAME itself.
load_module() {
  local name=$(echo "$1" | tr - _) m
  shift
  [ -f "/lib/modules/$name.load" ] || { echo "no module list for $name"; return 1; }
  for m in $(cat "/lib/modules/$name.load"); do
    [ -d "/sys/module/$m" ] && continue
    if [ "$m" = "$name" ]; then insmod "/lib/modules/$m.ko" "$@" || return 1
    else insmod "/lib/modules/$m.ko" || return 1; fi
  done
}

# pci_find VENDOR DEVICE: the sysfs directory of the first PCI function with these ids.
pci_find() {
  local d
  for d in /sys/bus/pci/devices/*; do
    if [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ]; then echo "$d"; return 0; fi
  done
  return 1
}

# bar_start SYSFS_DIR N: start address of BAR N (hex, 0x...) from the sysfs resource file.
bar_start() { sed -n "$(($2 + 1))p" "$1/resource" | cut -d' ' -f1; }
# bar_size SYSFS_DIR N: size of BAR N in bytes (decimal).
bar_size() {
  local line=$(sed -n "$(($2 + 1))p" "$1/resource")
  local start=$(echo "$line" | cut -d' ' -f1) end=$(echo "$line" | cut -d' ' -f2)
  echo $((end - start + 1))
}

# hex32 VALUE: the busybox devmem spelling of a value: 0x and 8 upper-case hex digits.
hex_width() { printf "0x%0$(($2 / 4))X\n" "$1"; }

# capture CMD...: runs CMD, its stdout and stderr together in $out, exit status in $rc.
capture() {
  out=$("$@" 2>&1)
  rc=$?
}

# check_ok CHECK CMD...: CMD must exit 0; its output is the detail.
check_ok() {
  local name=$1
  shift
  capture "$@"
  if [ $rc -eq 0 ]; then pass "$name" "$(printf '%s' "$out" | tr '\n' '|' | cut -c1-300)"
  else fail "$name" "exit $rc: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-400)"; fi
}

# edu_find: sets edu (sysfs dir), edu_bdf and edu_bar0 (physical address of BAR0, 0x...).
edu_find() {
  edu=$(pci_find 0x1234 0x11e8) || { fail edu-present "no edu device (1234:11e8) in /sys/bus/pci/devices"; return 1; }
  edu_bdf=$(basename "$edu")
  edu_bar0=$(printf '0x%x' "$(bar_start "$edu" 0)")
  echo "edu is $edu_bdf, BAR0 at $edu_bar0"
}

# run_device_test CHECK FILTER: runs the device tests (vm_device_test, tests/vm/device_test) that
# match the GoogleTest filter FILTER. CHECK passes only when the program exits 0 and as many tests
# passed as the filter selects (at least one), so a test that is skipped, renamed away or never
# run fails the check too.
run_device_test() {
  need_program vm_device_test || return 1
  local listed passed
  listed=$(vm_device_test --gtest_filter="$2" --gtest_list_tests | grep -c '^  ')
  capture vm_device_test --gtest_filter="$2" --gtest_color=no
  show "$1" "$out"
  passed=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p')
  if [ $rc -eq 0 ] && [ "$listed" -gt 0 ] && [ "$passed" = "$listed" ]; then
    pass "$1" "$passed of $listed tests passed ($2)"
  else
    fail "$1" "exit $rc, ${passed:-0} of $listed tests passed ($2): $(printf '%s\n' "$out" | grep -E '^\[  FAILED  \]|Failure|^Expected|Which is' | tr '\n' '|' | cut -c1-500)"
  fi
}

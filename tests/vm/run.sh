#!/usr/bin/env bash
# Boots the QEMU guest for one scenario and judges it. setup.sh must have prepared WORK.
#
# Usage: run.sh [--shell] [--timeout SECONDS] WORK SCENARIO
#   SCENARIO names tests/vm/scenarios/SCENARIO.host.sh (host half: devices, preparation, checks
#   after poweroff) and SCENARIO.guest.sh (guest half, run by /init as root).
#   --shell     boots the same machine with an interactive shell on the console instead of the
#               scenario (leave with `poweroff -f`, or Ctrl-A x to stop QEMU).
#   --timeout   seconds before a guest that has not powered off is killed (default 180).
#
# The guest reports `MAPIO-RESULT <check> PASS|FAIL <detail>` lines and `MAPIO-DONE`. The scenario
# passes only when every check it must report (its `expect` list) reported PASS, nothing reported
# FAIL, the guest reached MAPIO-DONE and powered off in time, and the host's own checks passed.
# The console log is printed and kept in WORK/run/SCENARIO/console.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
shell=0
timeout=180
while [ $# -gt 0 ]; do
  case "$1" in
    --shell) shell=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
work=$(cd "$1" && pwd)
scenario=$2

kernel=$work/kernel/current/vmlinuz
initrd=$work/initramfs.cpio.gz
[ -f "$kernel" ] && [ -f "$initrd" ] || { echo "$work is not prepared: run setup.sh (ctest -R vm.setup)" >&2; exit 1; }
[ -f "$here/scenarios/$scenario.host.sh" ] || { echo "no scenario $scenario in $here/scenarios" >&2; exit 2; }

scratch=$work/run/$scenario
rm -rf "$scratch"
mkdir -p "$scratch"
log=$scratch/console.log
results=$scratch/host-results

# ---------------------------------------------------------------------------------------------
# Host-side helpers for the scenario files.

# A program built for the bench, for use on the host (the guest has the same binaries).
host_program() {
  local path
  path=$(awk -v n="$1" '$1 == n { print $2 }' "$work/programs.list")
  [ -n "$path" ] && [ -x "$path" ] || { echo "host program $1 is not built" >&2; return 1; }
  echo "$path"
}

host_pass() { echo "MAPIO-RESULT $1 PASS ${2:-}" >>"$results"; echo "host: $1 PASS ${2:-}"; }
host_fail() { echo "MAPIO-RESULT $1 FAIL ${2:-}" >>"$results"; echo "host: $1 FAIL ${2:-}"; }

qemu_args=()     # devices and machine options of the scenario
append=""        # extra kernel command line words
expect=()        # checks the guest must report as PASS
vm_pid=

# vm_start LOG: boots the scenario's machine in the background, console into LOG.
vm_start() {
  local cmdline="console=ttyS0 quiet panic=-1 mapio.scenario=$scenario $append"
  [ "$shell" -eq 1 ] && cmdline="$cmdline mapio.shell=1"
  local cmd=(qemu-system-x86_64 -accel tcg -cpu max -m 256 -nographic -no-reboot -nic none
             -kernel "$kernel" -initrd "$initrd" -append "$cmdline" "${qemu_args[@]}")
  echo "host: ${cmd[*]}" >>"$scratch/command"
  vm_started=$(date +%s.%N)
  : >"$1"
  "${cmd[@]}" </dev/null >"$1" 2>&1 &
  vm_pid=$!
}

# vm_wait_exit SECONDS: waits for QEMU to exit; kills it (SIGKILL) after SECONDS. Status 0 when it
# exited by itself, 1 when it had to be killed.
vm_wait_exit() {
  local deadline=$(( $(date +%s) + $1 ))
  while kill -0 "$vm_pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      kill -KILL "$vm_pid" 2>/dev/null || true
      wait "$vm_pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  wait "$vm_pid" 2>/dev/null || true
  return 0
}

# vm_elapsed: seconds since vm_start, one decimal.
vm_elapsed() { awk -v s="$vm_started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# boot_and_wait: the usual boot. Sets booted_ok=1 when the guest powered off by itself in time.
boot_and_wait() {
  vm_start "$log"
  if vm_wait_exit "$timeout"; then
    booted_ok=1
    echo "host: guest powered off after $(vm_elapsed) s"
  else
    booted_ok=0
    host_fail timeout "guest still running after $timeout s; killed"
  fi
}

# python_archive CHECK IMPORTS [FILE...]: Python for a guest. Builds an archive of Debian's
# python3, every file of the modules the statement `import IMPORTS` loads as the host's interpreter
# resolves them (with the landmark os.py by which the interpreter finds its prefix), each with the
# libraries ldd names, this build's mapio package in /opt/mapio/python and each FILE in /vm; sets
# python_initrd to the bench's initramfs with that archive appended, for `initrd=$python_initrd`
# before vm_start. Reports CHECK (PASS with the archive's size, or FAIL saying what is missing);
# status 1 when it failed.
python_archive() {
  local check=$1 imports=$2 python=/usr/bin/python3 mapio_cli build root files f lib dynload
  shift 2
  mapio_cli=$(host_program mapio) || { host_fail "$check" "mapio is not in the bench"; return 1; }
  build=$(dirname "$(dirname "$mapio_cli")")
  [ -f "$build/python/mapio/__init__.py" ] || { host_fail "$check" "no Python package in $build/python"; return 1; }
  root=$scratch/python-root
  rm -rf "$root"
  mkdir -p "$root/opt/mapio/python" "$root/vm" "$root/usr/bin"
  cp -r "$build/python/mapio" "$root/opt/mapio/python/"
  rm -rf "$root/opt/mapio/python/mapio/__pycache__"
  for f in "$@"; do cp "$f" "$root/vm/"; done
  files=$(PYTHONPATH="$build/python" "$python" -I -S -c '
import sys; sys.path.insert(0, sys.argv[1])
exec("import " + sys.argv[2])
print(os.path.realpath(sys.executable))
print(os.__file__)
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f and not f.startswith(sys.argv[1]): print(f)' "$build/python" "os, encodings.utf_8, encodings.latin_1, encodings.ascii, $imports") ||
    { host_fail "$check" "cannot import $imports with $python"; return 1; }
  for f in $files "$build/python/mapio/"_mapio*.so; do
    case "$f" in "$build"/*) ;; *) mkdir -p "$root$(dirname "$f")"; cp -L "$f" "$root$f" ;; esac
    case "$f" in *.so|*/python3*)
      for lib in $(ldd "$f" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
        [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
      done ;;
    esac
  done
  # The interpreter finds its exec prefix by lib-dynload, which exists even when no extension
  # module is needed from it.
  dynload=$("$python" -I -S -c 'import sys; print(f"{sys.exec_prefix}/lib/python{sys.version_info[0]}.{sys.version_info[1]}/lib-dynload")')
  mkdir -p "$root$dynload"
  [ -e "$root/usr/bin/python3" ] || ln -s "$(basename "$("$python" -c 'import sys, os; print(os.path.realpath(sys.executable))')")" "$root/usr/bin/python3"
  (cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$scratch/python.cpio.gz"
  cat "$work/initramfs.cpio.gz" "$scratch/python.cpio.gz" >"$scratch/initrd-python.cpio.gz"
  python_initrd=$scratch/initrd-python.cpio.gz
  host_pass "$check" "$(du -k "$scratch/python.cpio.gz" | cut -f1) KiB: $(echo "$files" | wc -l) files"
}

# ---------------------------------------------------------------------------------------------
# shellcheck source=/dev/null
. "$here/scenarios/$scenario.host.sh"

if [ "$shell" -eq 1 ]; then
  declare -F prepare >/dev/null && prepare
  cmdline="console=ttyS0 panic=-1 mapio.scenario=$scenario mapio.shell=1 $append"
  exec qemu-system-x86_64 -accel tcg -cpu max -m 256 -nographic -no-reboot -nic none \
    -kernel "$kernel" -initrd "$initrd" -append "$cmdline" "${qemu_args[@]}"
fi

: >"$results"
if declare -F run_scenario >/dev/null; then
  run_scenario
else
  declare -F prepare >/dev/null && prepare
  boot_and_wait
  declare -F verify >/dev/null && verify
fi

# ---------------------------------------------------------------------------------------------
# Judgement: guest lines (carriage returns from the serial line removed) plus the host's own.
echo "----- console ($log) -----"
tr -d '\r' <"$log"
echo "----- end of console -----"

all=$scratch/all-results
{ tr -d '\r' <"$log" | grep -a '^MAPIO-RESULT ' || true; cat "$results"; } >"$all"
status=0
while read -r _ check verdict detail; do
  if [ "$verdict" != PASS ]; then
    echo "FAIL: $check: $detail"
    status=1
  fi
done <"$all"
for check in "${expect[@]}"; do
  if ! awk -v c="$check" '$2 == c && $3 == "PASS" { found = 1 } END { exit !found }' "$all"; then
    echo "FAIL: $check: never reported PASS"
    status=1
  fi
done
if ! declare -F run_scenario >/dev/null; then
  if ! tr -d '\r' <"$log" | grep -aq "^MAPIO-DONE $scenario"; then
    echo "FAIL: guest never reached MAPIO-DONE (see the console above)"
    status=1
  fi
fi
if [ "$(wc -l <"$all")" -eq 0 ]; then
  echo "FAIL: no results at all"
  status=1
fi
passed=$(awk '$3 == "PASS"' "$all" | wc -l)
if [ "$status" -eq 0 ]; then
  echo "vm.$scenario: PASS ($passed checks)"
else
  echo "vm.$scenario: FAIL"
fi
exit "$status"

#!/usr/bin/env bash
# Runs `mapio tour` in a directory of its own and checks the lines that carry its results, that it
# stays short, and that it leaves nothing behind.
#   check_tour.sh PATH_TO_mapio
set -uo pipefail
mapio=$1
parent=$(mktemp -d)
trap 'rm -rf "$parent"' EXIT

output=$("$mapio" tour --dir "$parent")
status=$?
printf '%s\n' "$output"
failed=0
[[ $status -eq 0 ]] || { echo "CHECK: exit status $status, expected 0"; failed=1; }

page=$(getconf PAGESIZE)
expect() {
  if ! grep -qF -- "$1" <<<"$output"; then echo "CHECK: missing line: $1"; failed=1; fi
}
# The sample is 1000 lines; the counts come from the mapped bytes.
expect "sample.txt has 1000 lines"
expect "counted 1000 lines (it was written with 1000)"
expect "20 bytes at offset $((page + 1)) (not a page boundary): "
expect ", the same as read() gives"
expect "an empty file maps to 0 bytes, no error"
expect "copy-on-write mapping wrote \"PRIVATE!\"; the file still reads \"original\""
expect "the file now reads \"SHARED!!\"; the private copy keeps \"PRIVATE!\""
expect "shared  mapping: the child set it to 42, the parent reads 42"
expect "private mapping: the child set it to 42, the parent reads 0"
expect "(one past the end) and died of SIGSEGV"
expect "appended 500 records (6000 bytes)"
expect "trimmed to 6000 bytes: the file on disk is 6000 bytes, its last line \"record 0500\\n\""
expect "read_safely at offset 0: \"xxxxxxxx\""
expect "read_safely at offset $((2 * page)): mapio::Error (EFAULT), and the process lives on"
expect "auto  838860 lines of big.txt (right)"
expect "map   838860 lines of big.txt (right)"
expect "read  838860 lines of big.txt (right)"
expect "1234 x 5678 = 7006652 (the device said 7006652)"
expect "a(70000) is refused before the device sees it: EOVERFLOW for operand.a (bits 0-15)"
expect "read32  0x0008 -> 0x00000000"
expect "0 failed"
if grep -q "FAILED" <<<"$output"; then echo "CHECK: a step failed"; failed=1; fi

# The working directory (reported on the second line) is gone, and nothing else was left.
workdir=$(sed -n 's/^Working in \(.*\) (removed at the end).*/\1/p' <<<"$output")
[[ -n $workdir && $workdir == "$parent"/* ]] || { echo "CHECK: working directory not under --dir: '$workdir'"; failed=1; }
[[ -e $workdir ]] && { echo "CHECK: $workdir was not removed"; failed=1; }
[[ -z $(ls -A "$parent") ]] || { echo "CHECK: left behind: $(ls -A "$parent")"; failed=1; }

lines=$(wc -l <<<"$output")
[[ $lines -le 70 ]] || { echo "CHECK: $lines lines of output; the tour should fit in 70"; failed=1; }
exit $failed

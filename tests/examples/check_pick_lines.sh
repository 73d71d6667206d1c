#!/usr/bin/env bash
# Checks examples/pick_lines against sed: the chosen lines of a generated file, in the order asked
# (repeats, the first and the last line included), a last line without '\n', and the refusals.
#   check_pick_lines.sh PATH_TO_pick_lines
set -euo pipefail
program=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0
check() {  # NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok: $1"; else
    printf 'MISMATCH (%s):\n  expected: %q\n  actual:   %q\n' "$1" "$2" "$3"; failed=1
  fi
}

# Lines of different lengths, some empty, some longer than a page.
awk 'BEGIN { for (i = 1; i <= 200000; i++) { if (i % 1000 == 0) printf "%s\n", sprintf("%5000d", i);
       else if (i % 7 == 0) print ""; else print "line " i " " substr("abcdefghijklmnopqrstuvwxyz", 1, i % 27) } }' \
  >"$dir/data"
picks=(200000 1 7 1000 123456 1 99999 200000 5000 14)
expected=$(for n in "${picks[@]}"; do sed -n "${n}p" "$dir/data"; done)
check "${#picks[@]} lines of 200000, in the order asked" "$expected" "$("$program" "$dir/data" "${picks[@]}")"

printf 'first\nsecond\nno newline at the end' >"$dir/ragged"
check "a last line without newline" $'no newline at the end\nfirst' "$("$program" "$dir/ragged" 3 1)"

for bad in 0 4 x 2x ''; do
  if out=$("$program" "$dir/ragged" 1 "$bad" 2>&1); then
    echo "MISMATCH: line '$bad' was accepted: $out"; failed=1
  else
    check "line '$bad' refused" "pick_lines: line $bad: $dir/ragged has lines 1 to 3" "$out"
  fi
done
if out=$("$program" "$dir/missing" 1 2>&1); then echo "MISMATCH: a missing file was accepted"; failed=1; else
  [[ "$out" == *"$dir/missing"*"No such file or directory"* ]] && echo "ok: missing file: $out" ||
    { echo "MISMATCH: $out"; failed=1; }
fi
exit $failed

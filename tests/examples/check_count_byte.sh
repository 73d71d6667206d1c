#!/usr/bin/env bash
# Checks examples/count_byte against `tr -cd CHAR | wc -c` on a generated multi-megabyte file, for
# two characters, and checks the built-in sample mode reports a count of the same form.
#   check_count_byte.sh PATH_TO_count_byte
set -euo pipefail
program=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# About 7 MB of varied text: several 1 MiB scan chunks and a ragged last page.
seq 1 1000000 | sed 's/$/ eel/' >"$dir/data"
size=$(stat -c %s "$dir/data")
failed=0
for char in e 7; do
  expected="'$char' appears $(tr -cd "$char" <"$dir/data" | wc -c) times in $dir/data ($size bytes)"
  actual=$("$program" "$dir/data" "$char")
  if [[ "$actual" == "$expected" ]]; then echo "ok: $actual"; else
    printf 'MISMATCH:\n  expected: %s\n  actual:   %s\n' "$expected" "$actual"; failed=1
  fi
done

: >"$dir/empty"
expected="'e' appears 0 times in $dir/empty (0 bytes)"
actual=$("$program" "$dir/empty")
if [[ "$actual" == "$expected" ]]; then echo "ok: $actual"; else echo "MISMATCH: $actual"; failed=1; fi

# The generated sample: 64 MiB of one repeated 64-byte line with 6 'e's in each line.
actual=$("$program")
expected="'e' appears $(( (64 << 20) / 64 * 6 )) times in the generated sample ($((64 << 20)) bytes)"
if [[ "$actual" == "$expected" ]]; then echo "ok: $actual"; else
  printf 'MISMATCH:\n  expected: %s\n  actual:   %s\n' "$expected" "$actual"; failed=1
fi
exit $failed

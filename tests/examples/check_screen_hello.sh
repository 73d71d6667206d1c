#!/usr/bin/env bash
# Runs screen_hello on a sparse file standing in for /dev/mem (0xB8000 + 4000 bytes: exactly up to
# the end of the 80x25 text buffer) and checks every one of the 2000 cells it wrote against a
# reference screen built here byte by byte, independently of mapio: blanks in light grey on blue
# (attribute 0x17) and three lines of text in yellow (0x1e), white (0x1f) and light cyan (0x1b) on
# blue. Nothing before 0xB8000 may change, and the file must not grow.
set -euo pipefail
program=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
base=$((0xB8000))
size=$((base + 4000))
truncate -s "$size" "$dir/mem"

out=$("$program" "$dir/mem")
row10=$(printf '%-80s' "                            Hello from memory")
[ "$out" = "wrote 3 lines into VGA text memory; row 10 now reads: $row10" ] || { echo "unexpected output: $out"; exit 1; }

# The reference: 2000 cells of (character, attribute) in memory order.
declare -a chars attrs
for ((i = 0; i < 2000; i++)); do chars[i]=32; attrs[i]=0x17; done
put() {  # row column attribute text
  local row=$1 col=$2 attr=$3 text=$4 i
  for ((i = 0; i < ${#text}; i++)); do
    chars[row * 80 + col + i]=$(printf '%d' "'${text:i:1}")
    attrs[row * 80 + col + i]=$attr
  done
}
put 10 28 0x1e "Hello from memory"
put 12 20 0x1f "each cell: character byte, attribute byte"
put 14 33 0x1b "0xB8000 + 2 * (80 * row + column)"
for ((i = 0; i < 2000; i++)); do printf '%02x %02x\n' "${chars[i]}" "$((attrs[i]))"; done >"$dir/expected"

# What the program left in the file, one cell (character byte, attribute byte) a line.
od -An -v -tx1 -w2 -j "$base" -N 4000 "$dir/mem" | sed 's/^ //' >"$dir/actual"
if ! cmp -s "$dir/expected" "$dir/actual"; then
  echo "cells differ from the reference (cell = row * 80 + column; char attr):"
  diff <(nl -v0 -ba "$dir/expected") <(nl -v0 -ba "$dir/actual") | head -20
  exit 1
fi
[ "$(stat -c %s "$dir/mem")" -eq "$size" ] || { echo "the file grew to $(stat -c %s "$dir/mem") bytes"; exit 1; }
cmp -s -n "$base" "$dir/mem" /dev/zero || { echo "bytes before 0xB8000 changed"; exit 1; }

# Too short a stand-in (the last cell would lie past its end) and a missing one: clear errors, exit 1.
truncate -s $((base + 3998)) "$dir/short"
if err=$("$program" "$dir/short" 2>&1); then echo "a file too short for the screen was accepted: $err"; exit 1; fi
case $err in *"$dir/short"*"0xb8fa0"*) ;; *) echo "unclear error for a short file: $err"; exit 1 ;; esac
if err=$("$program" "$dir/missing" 2>&1); then echo "missing device accepted"; exit 1; fi
case $err in *"$dir/missing"*"No such file or directory (ENOENT)"*) ;; *) echo "unclear error: $err"; exit 1 ;; esac
echo "screen_hello wrote all 2000 cells as expected (3 lines, 91 characters) and explains a missing device"

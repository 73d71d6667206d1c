#!/usr/bin/env bash
# Builds a two-page file with edu's identification word 0x010000ed at offset 0x1004 (not page
# aligned, inside the second page) and reads it back through read_register.
set -euo pipefail
program=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
head -c 8192 /dev/zero > "$dir/mem"
printf '\xed\x00\x00\x01' | dd of="$dir/mem" bs=1 seek=$((0x1004)) conv=notrunc status=none
out=$("$program" 0x1004 "$dir/mem")
[ "$out" = "register at 0x1004 = 0x010000ed" ] || { echo "unexpected: $out"; exit 1; }
if err=$("$program" 0x1000 "$dir/missing" 2>&1); then echo "missing device accepted"; exit 1; fi
case $err in *"$dir/missing"*"No such file or directory (ENOENT)"*) ;; *) echo "unclear error: $err"; exit 1 ;; esac
echo "read_register reads 0x010000ed at 0x1004 and explains a missing device"

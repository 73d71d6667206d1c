#!/usr/bin/env bash
# Runs one fuzz target for a fixed time, as `ctest -L fuzz` does:
#   run.sh BINARY WORK SECONDS DICT SEED... -- REAL...
# WORK/corpus is the corpus the fuzzer grows (the seeds in the tree are only read); each SEED is a
# file or a directory of files copied into it first, each REAL file (a kernel table of this machine)
# too when it can be read (a pattern is expanded), at most 1 MiB of it. Crash, leak and timeout inputs land in WORK/ as
# crash-*, leak-*, timeout-*. The status is libFuzzer's: non-zero on any crash, leak, timeout,
# sanitizer report or broken property.
set -euo pipefail
binary=$1 work=$2 seconds=$3 dict=$4
shift 4
rm -rf "$work"
mkdir -p "$work/corpus"
n=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  if [ -d "$1" ]; then
    while IFS= read -r -d '' f; do cp "$f" "$work/corpus/seed-$((n += 1))"; done < <(find "$1" -type f -print0)
  elif [ -f "$1" ]; then
    cp "$1" "$work/corpus/seed-$((n += 1))"
  fi
  shift
done
[ $# -gt 0 ] && shift
# A REAL argument may be a pattern (/sys/bus/pci/devices/*/resource): expanded here, at test time.
for real in $@; do
  if [ -r "$real" ]; then head -c 1048576 "$real" > "$work/corpus/real-$((n += 1))" 2>/dev/null || true; fi
done
echo "seeds: $n files" >&2
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
         -artifact_prefix="$work/")
[ -n "$dict" ] && options+=(-dict="$dict")
cd "$work"
exec "$binary" "${options[@]}" "$work/corpus"

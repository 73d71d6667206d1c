#!/usr/bin/env bash
# Reproduces mapio's scanning comparisons with public tools: hyperfine, GNU wc, dd.
#   bench/compare.sh [BUILD_DIR] [SIZE_MIB]      (default build/release, 2048)
# Needs about SIZE_MIB of free disk space in $TMPDIR (or /tmp); everything it creates is removed.
# Cold-cache runs drop the page cache and therefore need root; they are skipped otherwise.
set -euo pipefail
BUILD=${1:-build/release}
SIZE=${2:-2048}
MAPIO=$(realpath "$BUILD/bin/mapio")
command -v hyperfine > /dev/null || { echo "hyperfine is not installed (scripts/install-deps.sh)"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mapio-compare-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C

echo "== machine"; uname -r; grep -m1 'model name' /proc/cpuinfo; nproc
echo "THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"; df -h "$WORK" | tail -1

echo "== generating ${SIZE} MiB of text"
# `yes` dies of SIGPIPE when head has enough: that is success here, not a pipeline failure.
{ yes 'the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz' || true; } | head -c "${SIZE}M" > "$WORK/big.txt"
sync

echo "== hot page cache: mapio wc -l vs GNU wc -l (target: >= 2.0x)"
hyperfine -N --warmup 2 --runs 10 \
  "wc -l $WORK/big.txt" \
  "$MAPIO wc -q -l $WORK/big.txt" \
  "$MAPIO wc -q -l --threads 1 $WORK/big.txt"

echo "== hot page cache: against the memory-bandwidth ceiling (target: >= 0.9x), in mapio bench"
"$MAPIO" bench -q "$WORK/big.txt" --no-cold --reps 5 --random-reads 0 --only mapio

if [[ $(id -u) -eq 0 ]]; then
  echo "== cold page cache: mapio wc -l vs GNU wc -l and dd iflag=direct (target: >= 1.0x the best)"
  hyperfine --runs 5 --prepare 'sync; echo 3 > /proc/sys/vm/drop_caches' \
    "wc -l $WORK/big.txt" \
    "dd if=$WORK/big.txt of=/dev/null bs=4M iflag=direct" \
    "$MAPIO wc -q -l $WORK/big.txt"
else
  echo "== cold page cache: skipped (dropping the page cache needs root)"
fi

echo "== 20,000 small files of 1-16 KiB: mapio wc -l vs cat (a plain read() loop) (target: >= 0.95x)"
mkdir "$WORK/small"
for i in $(seq 1 20000); do head -c $(( (i * 7919) % 15361 + 1024 )) "$WORK/big.txt" > "$WORK/small/f$i"; done
( cd "$WORK/small" && hyperfine --warmup 2 --runs 10 \
    "find . -type f -print0 | xargs -0 cat > /dev/null" \
    "find . -type f -print0 | xargs -0 $MAPIO wc -q -l > /dev/null" )
echo "   (in-process, without find/xargs: mapio bench --small-files 20000)"
"$MAPIO" bench -q --size 64 --no-cold --only none --random-reads 0 --small-files 20000 --reps 5 | tail -4

echo "== random 4 KiB reads: mapping vs pread, in mapio bench"
"$MAPIO" bench -q "$WORK/big.txt" --no-cold --reps 1 --only none --random-reads 200000 | tail -8

#!/usr/bin/env bash
# Reproduces mapio's scanning comparisons with public tools: hyperfine, GNU wc, GNU grep, ripgrep, dd, fio.
#   bench/compare.sh [BUILD_DIR] [SIZE_MIB]      (default build/release, 2048)
# Needs about SIZE_MIB of free disk space in $TMPDIR (or /tmp); everything it creates is removed.
# Cold-cache runs drop the page cache and therefore need root; they are skipped otherwise.
set -euo pipefail
BUILD=${1:-build/release}
SIZE=${2:-2048}
MAPIO=$(realpath "$BUILD/bin/mapio")
for tool in hyperfine fio rg; do
  command -v $tool > /dev/null || { echo "$tool is not installed (scripts/install-deps.sh)"; exit 1; }
done
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
  # A virtual disk cached by its host serves a cold read either fast or about three times slower,
  # whichever the method: the mean of a few runs says more about that than about the method.
  # Twelve runs each, and the median beside hyperfine's mean.
  hyperfine -N --runs 12 --prepare 'sh -c "sync; echo 3 > /proc/sys/vm/drop_caches"' \
    --export-json "$WORK/cold.json" \
    "wc -l $WORK/big.txt" \
    "dd if=$WORK/big.txt of=/dev/null bs=4M iflag=direct status=none" \
    "$MAPIO wc -q -l $WORK/big.txt"
  python3 - "$WORK/cold.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
medians = {r["command"].split()[0].rsplit("/", 1)[-1]: statistics.median(r["times"]) for r in results}
for name, median in medians.items():
    print(f"   median {name:5} {median * 1000:8.1f} ms")
best_peer = min(medians["wc"], medians["dd"])
print(f"   mapio against the best peer, by median: {best_peer / medians['mapio']:.2f}x")
PY
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

echo "== printing grep, hot page cache: mapio grep vs ripgrep (rg -F) and GNU grep -F, output to a file (target: mapio <= rg)"
# Text of real words: the project's own documentation, repeated to SIZE MiB, every seventh line
# numbered and one line in 100,003 marked, so that the rare pattern matches a few lines, the common
# one (the) a quarter of them. Output goes to a file (GNU grep treats /dev/null as -q).
ROOT=$(dirname "$(realpath "$0")")/..
cat "$ROOT"/README.md "$ROOT"/docs/*.md > "$WORK/corpus"
{ for round in $(seq 1 100000); do
    awk -v r="$round" '{ n = NR + r * 100000; printf "%s%s%s\n", $0, (n % 7 == 0 ? " " n : ""), (n % 100003 == 0 ? " zebrafish" : "") }' "$WORK/corpus" || break
  done || true; } | head -c "${SIZE}M" > "$WORK/words.txt"
cat "$WORK/words.txt" > /dev/null
for search in "zebrafish" "the" "-e mapping -e error -e thread"; do
  echo "-- $search"
  hyperfine --warmup 1 --runs 5 \
    "rg -F $search $WORK/words.txt > $WORK/grep.out" \
    "grep -F $search $WORK/words.txt > $WORK/grep.out" \
    "$MAPIO grep $search $WORK/words.txt > $WORK/grep.out"
done
rm -f "$WORK/grep.out"
echo "== printing grep over the 20,000 small files: mapio grep -r vs rg -F and GNU grep -F -r (target: mapio <= rg)"
# rg skips hidden and ignored files by default; there are none here. Every line holds "fox".
( cd "$WORK/small" && hyperfine --warmup 2 --runs 10 \
    "rg -F fox . > $WORK/grep.out" \
    "grep -F -r fox . > $WORK/grep.out" \
    "$MAPIO grep -r fox . > $WORK/grep.out" \
    "rg -F zebrafish . > $WORK/grep.out" \
    "grep -F -r zebrafish . > $WORK/grep.out" \
    "$MAPIO grep -r zebrafish . > $WORK/grep.out" )
rm -f "$WORK/grep.out" "$WORK/words.txt" "$WORK/corpus"

echo "== random 4 KiB reads, hot page cache: fio's mmap engine vs its psync (pread) engine (target: >= 3x)"
# The same file, the same random 4 KiB offsets (randrepeat), one job each, 10 s; the file stays in
# the page cache (invalidate=0, read once before). fio's mmap engine copies each block out of the
# mapping, so this is the mapping without mapio's prefetching ahead (visit_extents).
cat "$WORK/big.txt" > /dev/null
fio_iops() {  # engine
  fio --name="random-$1" --filename="$WORK/big.txt" --rw=randread --bs=4k --ioengine="$1" \
      --size="${SIZE}M" --invalidate=0 --randrepeat=1 --norandommap --time_based --runtime=10 \
      --output-format=json | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["jobs"][0]["read"]["iops"]))'
}
psync=$(fio_iops psync)
mmap=$(fio_iops mmap)
echo "fio psync (pread): $psync reads/s"
echo "fio mmap:          $mmap reads/s"
python3 -c "print(f'mmap / pread: {$mmap / $psync:.2f}x')"

echo "== random 4 KiB reads: mapping vs pread, in mapio bench"
"$MAPIO" bench -q "$WORK/big.txt" --no-cold --reps 1 --only none --random-reads 200000 |
  sed -n '/^random 4 KiB reads/,$p'

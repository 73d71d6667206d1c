#!/usr/bin/env bash
# mapio wc / grep -c / count against GNU wc, grep -c -F and tr on an edge-case corpus generated
# here: every output byte and the exit status must agree. Usage: scan_compare.sh PATH/TO/mapio
set -u
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/compare_common.sh"
MAPIO=$(realpath "${1:?usage: scan_compare.sh MAPIO}")
export LC_ALL=C
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mapio-scan-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

# ---- the corpus -------------------------------------------------------------------------------
: > empty
printf 'no trailing newline' > no_newline
printf 'x' > single_byte
printf '\n' > single_newline
printf 'one two\r\nthree\r\n\r\nfour' > crlf
head -c 300000 /dev/urandom > binary
printf 'ab\0ab\nab\0\0xab\n\0' > nuls
printf '  leading   and trailing  \n\t\v\f\r words\x01glued\x80too \x7f\n' > spaces
text_line='the quick brown fox jumps over the lazy dog 0123456789 abcdefghij'
make_text() { # size name
  yes "$text_line" | head -c "$1" > "$2"
}
# Around pages and blocks, and at the policy's own sizes (include/mapio/scan/input.hpp): the 256 KiB read
# buffer (a file that fills it is asked its size), half of it, the 1 MiB mapping threshold, 2 MiB
# (a huge page), the 16 MiB parallel threshold.
for size in 4095 4096 4097 8191 8192 8193 65535 65536 65537 131071 131072 131073 \
            262143 262144 262145 524288 1048575 1048576 1048577 2097152 4194304 16777216 33554437; do
  make_text "$size" "text_$size"
done
# Sparse: 5 GiB of hole and a few bytes at the end (and in the middle).
truncate -s 5G sparse
printf 'middle fox\n' | dd of=sparse bs=1 seek=$((3 * 1024 * 1024 * 1024)) conv=notrunc status=none
printf 'end of the fox\nno newline' >> sparse
mkdir small_files
for i in $(seq 1 300); do head -c $(( (i * 37) % 16384 + 1 )) text_65536 > small_files/f$i; done
mkdir a_directory

files=(empty no_newline single_byte single_newline crlf binary nuls spaces text_*)

# ---- wc -----------------------------------------------------------------------------------------
for f in "${files[@]}"; do
  for flags in "" "-l" "-w" "-c" "-lw" "-wc"; do
    same "wc $flags $f" "wc $flags $f" "$MAPIO wc -q $flags $f"
  done
  for method in map read; do
    same "wc --method $method $f" "wc $f" "$MAPIO wc -q --method $method $f"
  done
done
same "wc all files" "wc ${files[*]}" "$MAPIO wc -q ${files[*]}"
same "wc -l all files" "wc -l ${files[*]}" "$MAPIO wc -q -l ${files[*]}"
same "wc small files" "wc small_files/*" "$MAPIO wc -q small_files/*"
same "wc parallel" "wc text_33554437" "$MAPIO wc -q --threads 3 --method map text_33554437"
same "wc stdin pipe" "cat text_65537 | wc" "cat text_65537 | $MAPIO wc -q"
same "wc stdin pipe -l" "cat crlf | wc -l" "cat crlf | $MAPIO wc -q -l"
same "wc stdin redirect" "wc < text_4097" "$MAPIO wc -q < text_4097"
same "wc dash" "cat spaces | wc - crlf" "cat spaces | $MAPIO wc -q - crlf"
same "wc missing file" "wc no_such_file crlf" "$MAPIO wc -q no_such_file crlf"
same "wc missing then others" "wc crlf no_such_file spaces" "$MAPIO wc -q crlf no_such_file spaces"
same "wc directory" "wc crlf a_directory" "$MAPIO wc -q crlf a_directory"
same "wc -l directory" "wc -l a_directory" "$MAPIO wc -q -l a_directory"

# The sparse file: GNU wc reads all 5 GiB, so only a few comparisons.
same "wc sparse" "wc sparse" "$MAPIO wc -q sparse"
same "wc --method read sparse" "wc -l sparse" "$MAPIO wc -q -l --method read sparse"
same "wc sparse and others" "wc crlf sparse" "$MAPIO wc -q crlf sparse"
same "grep -c sparse" "grep -c -F fox sparse" "$MAPIO grep --no-progress -c fox sparse"

# ---- grep -c -F ---------------------------------------------------------------------------------
for pattern in fox ab x 'over the lazy' 'dog 0123456789 abcdefghij
' "quick brown fox jumps over the lazy dog 0123456789 abcdefghijthe"; do
  [[ "$pattern" == *$'\n'* ]] && continue
  for f in "${files[@]}"; do
    same "grep -c '$pattern' $f" "grep -c -F '$pattern' $f" "$MAPIO grep --no-progress -c '$pattern' $f"
  done
  same "grep -c '$pattern' all" "grep -c -F '$pattern' ${files[*]}" "$MAPIO grep --no-progress -c '$pattern' ${files[*]}"
done
same "grep -c empty pattern" "grep -c -F '' ${files[*]}" "$MAPIO grep --no-progress -c '' ${files[*]}"
# Several patterns, one per line of the argument (an empty one matches every line).
for pattern in $'fox\nzebra' $'zebra\nab' $'dog 0\nquick' $'fox\n' $'\nzebra'; do
  same "grep -c $(printf %q "$pattern")" "grep -c -F \"\$pattern\" ${files[*]}" "$MAPIO grep --no-progress -c \"\$pattern\" ${files[*]}"
done
same "grep -c --method read" "grep -c -F fox ${files[*]}" "$MAPIO grep --no-progress --method read -c fox ${files[*]}"
same "grep -c pipe" "cat text_65537 | grep -c -F fox" "cat text_65537 | $MAPIO grep --no-progress -c fox"
same "grep -c no match" "grep -c -F zebra crlf" "$MAPIO grep --no-progress -c zebra crlf"
same "grep -c missing" "grep -c -F fox crlf no_such_file" "$MAPIO grep --no-progress -c fox crlf no_such_file"
same "grep -c directory" "grep -c -F fox crlf a_directory" "$MAPIO grep --no-progress -c fox crlf a_directory"
same "grep -c small files" "grep -c -F fox small_files/*" "$MAPIO grep --no-progress -c fox small_files/*"
same "grep -c small files, read" "grep -c -F 'lazy dog' small_files/*" "$MAPIO grep --no-progress -c --method read 'lazy dog' small_files/*"

# ---- count --------------------------------------------------------------------------------------
for f in binary nuls text_1048577; do
  same "count 0x00 $f" "tr -cd '\\000' < $f | wc -c" "$MAPIO count -q 0x00 $f"
  same "count o $f" "tr -cd 'o' < $f | wc -c" "$MAPIO count -q o $f"
done
same "count 0x00 sparse" "echo 5368709109" "$MAPIO count -q 0x00 sparse"
same "count o empty" "tr -cd 'o' < empty | wc -c" "$MAPIO count -q o empty"
same "count o pipe" "tr -cd 'o' < text_1048577 | wc -c" "cat text_1048577 | $MAPIO count -q o -"
same "count \\n pipe" "tr -cd '\\n' < crlf | wc -c" "cat crlf | $MAPIO count -q '\\n' -"
same "count o parallel" "tr -cd 'o' < text_33554437 | wc -c" "$MAPIO count -q --threads 3 --method map o text_33554437"

# ---- every scanning kernel the CPU has, forced through MAPIO_SCAN_KERNEL ------------------------
# The kernel set is chosen at run time (src/scan/scan.cpp); a cheap subset of the comparisons above
# under each one, so that no set is left to the CPU that happens to run the tests.
kernels=(portable)
grep -qw avx2 /proc/cpuinfo && kernels+=(avx2)
grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && kernels+=(avx512)
echo "forced kernels: ${kernels[*]}"
kernel_files=(empty no_newline crlf binary nuls spaces text_4097 text_262145 text_1048577 text_16777216)
wc crlf sparse > sparse.wc  # GNU wc reads all 5 GiB: once, not once per kernel
for k in "${kernels[@]}"; do
  run="MAPIO_SCAN_KERNEL=$k $MAPIO"
  same "[$k] wc" "wc ${kernel_files[*]}" "$run wc -q ${kernel_files[*]}"
  same "[$k] wc --method read" "wc ${kernel_files[*]}" "$run wc -q --method read ${kernel_files[*]}"
  same "[$k] wc parallel" "wc text_33554437" "$run wc -q --threads 3 --method map text_33554437"
  same "[$k] wc pipe" "cat text_262145 | wc" "cat text_262145 | $run wc -q"
  same "[$k] wc sparse" "cat sparse.wc" "$run wc -q crlf sparse"
  for pattern in fox x 'over the lazy' 'dog 0123456789 abcdefghijthe'; do
    same "[$k] grep -c '$pattern'" "grep -c -F '$pattern' ${kernel_files[*]}" "$run grep --no-progress -c '$pattern' ${kernel_files[*]}"
  done
  same "[$k] grep -c small files" "grep -c -F fox small_files/*" "$run grep --no-progress -c fox small_files/*"
  for f in binary nuls text_1048577; do
    same "[$k] count 0x00 $f" "tr -cd '\\000' < $f | wc -c" "$run count -q 0x00 $f"
    same "[$k] count o $f" "tr -cd 'o' < $f | wc -c" "$run count -q o $f"
  done
done

# ---- sparse files are fast: holes are counted, not read -----------------------------------------
start=$(date +%s%N)
"$MAPIO" wc -q sparse > /dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "mapio wc on a 5 GiB sparse file: ${elapsed_ms} ms"
(( elapsed_ms < 2000 )) || fail "sparse file took ${elapsed_ms} ms"

# ---- a file truncated while mapio scans it: an error and a non-zero exit, never SIGBUS -----------
shm=$(mktemp /dev/shm/mapio-scan-XXXXXX)
caught=0
for attempt in $(seq 1 10); do
  make_text $((768 * 1024 * 1024)) "$shm"
  "$MAPIO" wc -q -w --threads 1 --method map "$shm" > /dev/null 2> truncation.err &
  scanner=$!
  wait_until_open $scanner "$shm"
  sleep 0.0$((attempt % 5))
  truncate -s 4096 "$shm"
  wait $scanner; status=$?
  if (( status > 128 )); then fail "truncation: killed by signal $((status - 128))"; fi
  if (( status != 0 )); then
    grep -q "gone (SIGBUS)" truncation.err || fail "truncation: unexpected message: $(cat truncation.err)"
    echo "truncation, wc -w --method map: caught on attempt $attempt"
    caught=$((caught + 1)); break
  fi
done
rm -f "$shm"
(( caught > 0 )) || fail "truncation: the scan always finished before the file was truncated"

# The same through read(2): with the size known from fstat (a forced read, or the default policy,
# which on a hot file copies it out with pread), an early end of file is an error naming both
# sizes, never a smaller count. truncated_scan NAME EXPECTED-MESSAGE MAPIO-ARGUMENTS...
truncated_scan() {
  local name=$1 expected=$2 caught=0 attempt status
  shift 2
  shm=$(mktemp /dev/shm/mapio-scan-XXXXXX)
  for attempt in $(seq 1 10); do
    make_text $((768 * 1024 * 1024)) "$shm"
    "$MAPIO" "$@" "$shm" > truncation.out 2> truncation.err &
    scanner=$!
    wait_until_open $scanner "$shm"
    sleep 0.0$((attempt % 5))
    truncate -s 4096 "$shm"
    wait $scanner; status=$?
    if (( status > 128 )); then fail "$name: killed by signal $((status - 128))"; break; fi
    # An empty stderr means the scan ran to its end: either before the truncation or, on a
    # loaded machine, after it, over the 4 KiB that were left. grep -c then exits 1 for "no
    # match", like GNU grep, so the status alone does not tell a caught truncation; the message does.
    if [[ ! -s truncation.err ]]; then
      [[ -s truncation.out ]] || fail "$name: no count and no message (status $status)"
      continue
    fi
    (( status != 0 )) || fail "$name: a message but status 0: $(cat truncation.err)"
    grep -qE "$expected" truncation.err || fail "$name: unexpected message: $(cat truncation.err)"
    [[ -s truncation.out ]] && fail "$name: printed a count for a truncated file: $(cat truncation.out)"
    echo "$name: caught on attempt $attempt"
    caught=$((caught + 1)); break
  done
  rm -f "$shm"
  (( caught > 0 )) || fail "$name: the scan always finished before the file was truncated"
}
shrank="shrank from 805306368 to 4096 bytes while it was read"
truncated_scan "truncation, grep -c --method read" "$shrank" grep --no-progress -c zebra --method read
truncated_scan "truncation, grep -c" "$shrank|gone \\(SIGBUS\\)" grep --no-progress -c zebra --threads 1
truncated_scan "truncation, wc -l" "$shrank|gone \\(SIGBUS\\)" wc -q -l

if (( failures > 0 )); then echo "$failures failure(s)"; exit 1; fi
echo "all comparisons with GNU wc, grep and tr agree"

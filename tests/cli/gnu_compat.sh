#!/usr/bin/env bash
# mapio wc / grep -c / count / cache where GNU's tools have edge cases of their own: files whose
# size is not their length (sysfs, procfs), output that cannot be written (/dev/full), parallel
# runs on one pipe (xargs -P4), read errors (/proc/self/mem), a closed standard input,
# POSIXLY_CORRECT, usage errors, odd file names, patterns of any length, grep's options, and
# fincore's answers for directories and special files. stdout byte for byte, the exit status, and
# stderr where mapio claims GNU's messages. Usage: gnu_compat.sh PATH/TO/mapio
set -u
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/compare_common.sh"
MAPIO=$(realpath "${1:?usage: gnu_compat.sh MAPIO}")
export LC_ALL=C
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mapio-gnu-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

text_line='the quick brown fox jumps over the lazy dog 0123456789 abcdefghij'
yes "$text_line" | head -c 300000 > text
printf 'one two\r\nthree\r\n\r\nfour' > crlf
mkdir a_directory

# ---- files whose size is not their length ---------------------------------------------------------
sysfs=/sys/kernel/mm/transparent_hugepage/enabled
[[ -r $sysfs ]] || sysfs=$(find /sys/kernel -maxdepth 2 -type f -perm -004 2>/dev/null | head -1)
for f in "$sysfs" /proc/version /proc/self/stat; do
  [[ $f == /proc/self/stat ]] && continue  # differs from process to process
  for flags in -c -l "" -lc; do
    same_all "wc $flags $f" "wc $flags $f" "$MAPIO wc -q $flags $f"
  done
  same_all "wc -c --method map $f" "wc -c $f" "$MAPIO wc -q -c --method map $f"
  same_all "wc --method map $f" "wc $f" "$MAPIO wc -q --method map $f"
done
# A regular file whose size is a page multiple is read past the last block: still its size.
head -c 8192 text > pages
same_all "wc -c page-multiple file" "wc -c pages" "$MAPIO wc -q -c pages"
same_all "wc -c page-multiple after offset" "(head -c 10 > /dev/null; wc -c) < text" "(head -c 10 > /dev/null; $MAPIO wc -q -c) < text"

# ---- write errors ---------------------------------------------------------------------------------
if [[ -w /dev/full ]]; then
  same_all "wc > /dev/full" "wc -l crlf > /dev/full" "$MAPIO wc -q -l crlf > /dev/full"
  same_all "wc many > /dev/full" "wc crlf text crlf text > /dev/full" "$MAPIO wc -q crlf text crlf text > /dev/full"
  same_all "grep -c > /dev/full" "grep -c -F fox text > /dev/full" "$MAPIO grep --no-progress -c fox text > /dev/full"
  "$MAPIO" count -q o text > /dev/full 2> count.err; status=$?
  [[ $status -eq 1 && $(cat count.err) == "mapio count: write error: No space left on device" ]] ||
    fail "count > /dev/full: exit $status: $(cat count.err)"
  "$MAPIO" cache text > /dev/full 2> cache.err; status=$?
  [[ $status -eq 1 && $(cat cache.err) == "mapio cache: write error: No space left on device" ]] ||
    fail "cache > /dev/full: exit $status: $(cat cache.err)"
fi

# ---- parallel runs on one pipe: every line whole ----------------------------------------------------
mkdir many
for i in $(seq 1 3000); do printf '%*s\n' $((i % 97)) x > "many/file_with_a_long_name_$i"; done
(cd many && ls) > many.list
for run in 1 2 3; do
  (cd many && xargs -P4 -n 40 "$MAPIO" wc -q -l < ../many.list) > parallel.out
  bad=$(grep -cvE '^ *[0-9]+ (file_with_a_long_name_[0-9]+|total)$' parallel.out)
  [[ $bad -eq 0 ]] || fail "xargs -P4 wc: $bad broken lines"
  (cd many && xargs -P4 -n 40 "$MAPIO" count -q x < ../many.list) > parallel.out
  bad=$(grep -cvE '^file_with_a_long_name_[0-9]+:1$' parallel.out)
  [[ $bad -eq 0 ]] || fail "xargs -P4 count: $bad broken lines"
done
(cd many && xargs -n 40 wc -l < ../many.list | sort) > parallel.want
(cd many && xargs -P4 -n 40 "$MAPIO" wc -q -l < ../many.list | sort) > parallel.got
cmp -s parallel.want parallel.got || fail "xargs -P4 wc: lines differ from GNU wc's"

# ---- read errors and a closed standard input ---------------------------------------------------------
same_all "wc -l /proc/self/mem" "wc -l /proc/self/mem" "$MAPIO wc -q -l /proc/self/mem"
same_all "wc -w /proc/self/mem crlf" "wc -w /proc/self/mem crlf" "$MAPIO wc -q -w /proc/self/mem crlf"
same_all "wc closed stdin" "wc <&-" "$MAPIO wc -q <&-"
same_all "wc -l closed stdin" "wc -l <&-" "$MAPIO wc -q -l <&-"
same_all "wc - crlf, closed stdin" "wc - crlf <&-" "$MAPIO wc -q - crlf <&-"
same_all "wc missing, directory" "wc no_such_file a_directory crlf" "$MAPIO wc -q no_such_file a_directory crlf"
same_all "grep -c missing, directory" "grep -c -F fox no_such_file a_directory crlf" \
  "$MAPIO grep --no-progress -c fox no_such_file a_directory crlf"
same_all "grep -c -s missing" "grep -s -c -F fox no_such_file crlf" "$MAPIO grep --no-progress -s -c fox no_such_file crlf"
same "grep -c /proc/self/mem" "grep -c -F x /proc/self/mem" "$MAPIO grep --no-progress -c x /proc/self/mem"

# ---- POSIXLY_CORRECT in UTF-8 (coreutils' wc-nbsp test) ----------------------------------------------
printf 'foo\302\240bar\n' > nbsp1
printf 'a\342\200\207b c\342\200\257d e\342\201\240f g\343\200\200h\n' > nbsp2
for f in nbsp1 nbsp2; do
  for env in "LC_ALL=C.UTF-8" "LC_ALL=C.UTF-8 POSIXLY_CORRECT=1" "LC_ALL=C POSIXLY_CORRECT=1"; do
    same_all "$env wc -w $f" "env $env wc -w $f" "env $env $MAPIO wc -q -w $f"
  done
done

# ---- usage errors: GNU's statuses --------------------------------------------------------------------
for bad in --bogus -j; do
  same "wc $bad status" "wc $bad crlf" "$MAPIO wc $bad crlf"
  same "grep $bad status" "grep -c -F $bad fox crlf" "$MAPIO grep -c $bad fox crlf"
  same "cache $bad status" "fincore $bad crlf" "$MAPIO cache $bad crlf"
done
same "cache without files" "fincore" "$MAPIO cache"
same "grep without pattern" "grep -F" "$MAPIO grep"

# ---- odd file names, in the C and UTF-8 locales --------------------------------------------------------
names=($'a\nb' 'with space' "it's" $'tab\there' $'ctl\001x' $'\377high' 'colon:name' '#hash' 'x~' $'q\'\n' \
       $'\303\251t\303\251' $'caf\303\251 au lait' $'\342\200\250sep' '{' 'a{b' 'a=b' $'both\'"')
for n in "${names[@]}"; do printf 'a b\n' > "$n"; done
for loc in C C.UTF-8; do
  for n in "${names[@]}"; do
    same_all "[$loc] wc $(printf %q "$n")" "LC_ALL=$loc wc \"\$n\" crlf" "LC_ALL=$loc $MAPIO wc -q \"\$n\" crlf"
    same_all "[$loc] wc missing $(printf %q "$n")" "LC_ALL=$loc wc \"\$n.missing\"" "LC_ALL=$loc $MAPIO wc -q \"\$n.missing\""
    same_all "[$loc] grep -c $(printf %q "$n")" "LC_ALL=$loc grep -c -F a \"\$n\" \"\$n.missing\" crlf" \
      "LC_ALL=$loc $MAPIO grep --no-progress -c a \"\$n\" \"\$n.missing\" crlf"
  done
done

# ---- grep: patterns of any length, grep's options ------------------------------------------------------
head -c 65536 text > pattern64k
long=$(cat pattern64k)
{ cat text; printf '\nand a last line\n'; } > text_and_more
same "grep -c 64 KiB pattern" "grep -c -F \"\$long\" text text_and_more crlf" "$MAPIO grep --no-progress -c \"\$long\" text text_and_more crlf"
same "grep -c -f 64 KiB pattern" "grep -c -F -f pattern64k text crlf" "$MAPIO grep --no-progress -c -f pattern64k text crlf"
printf 'fox\nthree\n' > two_patterns
for opts in "-c" "-c -h" "-c -H" "-ch" "-q" "-q -c" "-c -e fox -e three" "-c -f two_patterns" "-c -e zebra -f two_patterns" \
            "-c -s" "-c -f /dev/null"; do
  case $opts in *-e*|*-f*) pat= ;; *) pat=fox ;; esac
  for files in "text" "text crlf" "crlf" "- crlf" "no_such_file crlf"; do
    same_all "grep $opts $pat $files" "grep -F $opts $pat $files < crlf" "$MAPIO grep --no-progress $opts $pat $files < crlf"
  done
done

# ---- cache on what fincore passes over or reports as empty ------------------------------------------
for f in a_directory /dev/null /proc/self/status "$sysfs" no_such_file; do
  fincore "$f" > /dev/null 2>&1; want=$?
  "$MAPIO" cache "$f" > cache.out 2>&1; got=$?
  [[ $want -eq $got ]] || fail "cache $f: exit $got, fincore $want"
done
"$MAPIO" cache a_directory crlf > cache.out 2>&1 || fail "cache a_directory crlf: status $?"
grep -q a_directory cache.out && fail "cache: the directory is listed, fincore passes it over"
"$MAPIO" cache /dev/null > cache.out 2>&1
grep -qE '0/0 +0 B? +/dev/null|0/0 .*/dev/null' cache.out || fail "cache /dev/null: $(cat cache.out)"

echo "gnu_compat: $failures failure(s)"
[[ $failures -eq 0 ]]

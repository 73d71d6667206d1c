#!/usr/bin/env bash
# mapio grep against GNU grep -F 3.8 (/usr/bin/grep): a matrix of options and their combinations
# over files with the edge cases grep meets (binary files, NUL bytes past GNU's first 96 KiB read,
# empty files, no final newline, CRLF, invalid UTF-8, case pairs outside ASCII, a 64 KiB pattern,
# odd file names, -r trees, /dev/full), in the C and C.UTF-8 locales; then cases that GNU grep's own
# test suite checks for -F (a -w match followed by a word character and a later whole word,
# overlapping patterns of several lengths, empty patterns, many patterns). stdout byte for byte,
# stderr ("mapio grep: ..." for "grep: ...") and the exit status. Usage: grep_compare.sh MAPIO
set -u
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/compare_common.sh"
MAPIO=$(realpath "${1:?usage: grep_compare.sh MAPIO}")
unset GREP_COLORS GREP_COLOR GREP_OPTIONS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mapio-grep-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

# ---- the corpus ---------------------------------------------------------------------------------
printf 'the quick brown fox\njumps over the lazy dog\nFox and foxes\n\nfoo_fox fox\nTHE END' > text
printf 'line one\r\nfox\r\n\r\nfox fox\r\n' > crlf
: > empty
printf 'text fox\n\0binary fox\nmore\n' > binary
printf 'caf\303\251 fox\nstra\303\237e\n\377 fox bad\n\305\277 and S and s\n\304\260stanbul \304\261i I\nKelvin \342\204\252 k K\n\303\251fox\n\303\211COLE \303\251cole\n' > utf8
printf 'a\nb\nfox\n' > stdin_text
# A NUL byte well past GNU grep's first 96 KiB read: the lines before its read are printed.
{ for i in $(seq 1 30000); do echo "line $i fox"; done; printf 'late\0nul fox\n'; echo "after fox"; } > late_nul
# Large enough to be mapped (1 MiB and more), with a NUL near its end and one without.
{ for i in $(seq 1 120000); do echo "row $i of the fox"; done; } > big
{ cat big; printf 'x\0y fox\n'; cat big; } > big_nul
mkdir -p tree/sub/deeper tree/empty_dir
printf 'fox\n' > tree/x
printf 'no\nfox here\n' > tree/sub/y
printf 'fox\0\n' > tree/sub/deeper/bin
ln -s ../x tree/sub/link_to_x
odd=$'new\nline fox'
printf 'fox in an odd name\n' > "$odd"
printf 'fox in a spaced name\n' > 'a b'

files_sets=("text crlf empty binary utf8" "utf8" "late_nul" "big_nul" "-" "no_such_file text" "tree")

# compare LOCALE ARGS...: GNU grep -F and mapio grep on the same arguments, stdin from stdin_text.
compare() {
  local loc=$1; shift
  local args=$(printf '%q ' "$@")
  same_all "[$loc] grep $args" "LC_ALL=$loc grep -F $args < stdin_text" \
    "LC_ALL=$loc $MAPIO grep --no-progress $args < stdin_text"
}

# ---- the option matrix --------------------------------------------------------------------------
for loc in C C.UTF-8; do
  for opts in "" -n -o -v -i -w -x -c -l -L -q -s -H -h -m1 -m2 -on -oi -ow -onw -vc -vn -vo -wi -xi -ci -cw -cx \
              -lm1 -Lv -cm1 -vm1 -iw -ix -a -an -ac -r -rh -rn -rl -rc "--color=always" "--color=always -n" \
              "--color=always -o" "--color=always -v" "--color=always -i" "--color=always -w" "--color=always -c" \
              "--color=always -l" "--color=never -n" "-q -v"; do
    for pat in fox FOX s '' $'\303\251' $'\303'; do
      for files in "${files_sets[@]}"; do
        # shellcheck disable=SC2086
        compare "$loc" $opts -e "$pat" $files
      done
    done
    # shellcheck disable=SC2086
    compare "$loc" $opts -e fox -e the -e o text utf8 crlf
    # shellcheck disable=SC2086
    compare "$loc" $opts -e '' -e fox text utf8
  done
done

# ---- patterns: files, many, long ----------------------------------------------------------------
printf 'fox\nthe\n' > two_patterns
printf 'fox\n\n' > with_empty_line
for loc in C C.UTF-8; do
  compare "$loc" -f two_patterns text crlf
  compare "$loc" -c -f two_patterns text crlf
  compare "$loc" -f with_empty_line text
  compare "$loc" -f /dev/null text
  compare "$loc" -c -f /dev/null text
  compare "$loc" -v -f /dev/null text
  compare "$loc" -L -f /dev/null text crlf
  compare "$loc" -c -m0 fox text
  compare "$loc" -L -m0 fox text no_such_file
  compare "$loc" -vc '' text
  compare "$loc" -cv -e '' -e x text
  compare "$loc" $'fox\nthe' text
  compare "$loc" -e fox -f two_patterns -o text
done
head -c 65536 big > pattern64k
long=$(cat pattern64k)
compare C -c "$long" big big_nul text
compare C -l -e "$long" big text
compare C -c -f pattern64k big text
seq 1 3000 | sed 's/^/word/' > many_patterns
compare C -c -f many_patterns big
compare C -o -w -f many_patterns big

# ---- mapped files: the NUL check done by the pattern search itself --------------------------------
# Exact patterns (up to eight) look for the first NUL in the same pass as for matches, and a
# matching line waits until its 96 KiB read of GNU grep's is known to hold none: NUL bytes in the
# first read, beside matching lines in the middle (big_nul), and in an unended last line.
{ printf 'fox\0\n'; cat big; } > big_nul_first
{ cat big; printf 'last fox\0 fox'; } > big_nul_last
for loc in C C.UTF-8; do
  for opts in "" -n -c -o -w -m5 "--color=always" -x -xc; do
    for files in big_nul big_nul_first big_nul_last; do
      # shellcheck disable=SC2086
      compare "$loc" $opts -e fox -e the -e row $files
      # shellcheck disable=SC2086
      compare "$loc" $opts -e 'row 7 of the fox' -e 'last fox' $files
    done
  done
done

# ---- GNU grep's own -F cases, written anew ------------------------------------------------------
# -w: a match followed by a word character is no match, but a later whole word on the line is
# (and a shorter pattern at the same place is tried first).
printf 'foobar foo\nfoobar\nfoo-bar\n_foo foo_\n' > words
for loc in C C.UTF-8; do
  compare "$loc" -w foo words
  compare "$loc" -ow foo words
  compare "$loc" -w -e foobar -e foo words
  compare "$loc" -ow -e foob -e foo words
  compare "$loc" -w -e '' words
  compare "$loc" -cw -e '' words empty crlf
  compare "$loc" -x -e foobar -e foo words
done
# Overlapping patterns of several lengths: the longest at the leftmost place (-o and --color).
printf 'abcd\nabc\nxabcdx\n' > overlap
for loc in C C.UTF-8; do
  compare "$loc" -o -e ab -e abc -e abcd -e bcd overlap
  compare "$loc" --color=always -e b -e abc overlap
  compare "$loc" -o -e '' -e b overlap
done
# A pattern that is a prefix of itself repeated, at the end of the input (where a naive search
# loops forever).
printf 'aaaaaaaaab\naaa' > repeat
compare C -o aa repeat
compare C -c aaaa repeat
compare C -x aaa repeat
# Non-ASCII case pairs: GNU grep -i folds what towupper() folds in UTF-8 (s and U+017F, i and
# U+0131, not k and U+212A), and ASCII only in C.
for loc in C C.UTF-8; do
  for pat in s S $'\305\277' i I $'\304\261' $'\304\260' k $'\342\204\252' $'\303\251cole' $'\303\211COLE'; do
    compare "$loc" -i -e "$pat" utf8
    compare "$loc" -io -e "$pat" utf8
  done
done

# ---- standard input, odd names, recursion --------------------------------------------------------
# A pipe is read as it comes, by GNU grep as by mapio, so which line a late NUL cuts at depends on
# how the writer's bytes were split into reads (the README says so): exact for a pipe whose bytes
# arrive in one atomic write (under PIPE_BUF), and for the late NUL only what holds for any split:
# the lines printed are the first lines of the -a output, then the same message and status.
printf 'one fox\ntwo\0fox\nthree fox\n' > small_nul
same_all "grep pipe, one write" "cat small_nul | grep -F -n fox" "cat small_nul | $MAPIO grep -n fox"
grep -F -a -n fox late_nul > pipe.all
cat late_nul | grep -F -n fox > pipe.want 2> pipe.want_err; ws=$?
cat late_nul | "$MAPIO" grep -n fox > pipe.got 2> pipe.got_err; gs=$?
sed -i 's/^mapio //' pipe.got_err
got_lines=$(wc -l < pipe.got)
if [[ $got_lines -eq 0 ]] || ! head -n "$got_lines" pipe.all | cmp -s - pipe.got; then
  fail "grep pipe, late NUL: the $got_lines lines printed are not the first lines of the -a output"
fi
if [[ $got_lines -ge $(wc -l < pipe.all) - 1 ]]; then fail "grep pipe, late NUL: nothing was cut"; fi
cmp -s pipe.want_err pipe.got_err || fail "grep pipe, late NUL: messages differ: $(cat pipe.got_err)"
[[ $ws -eq $gs ]] || fail "grep pipe, late NUL: exit $gs, GNU $ws"
same_all "grep odd name" "grep -F -H fox \"\$odd\" 'a b' text" "$MAPIO grep -H fox \"\$odd\" 'a b' text"
same_all "grep -r no operand" "(cd tree && grep -F -r fox)" "(cd tree && $MAPIO grep -r fox)"
same_all "grep -r ." "(cd tree && grep -F -r fox .)" "(cd tree && $MAPIO grep -r fox .)"
same_all "grep -r tree/" "grep -F -r fox tree/" "$MAPIO grep -r fox tree/"
same_all "grep -R" "grep -F -R fox tree" "$MAPIO grep -R fox tree"
same_all "grep -r file" "grep -F -r fox text" "$MAPIO grep -r fox text"
same_all "grep directory without -r" "grep -F fox tree text" "$MAPIO grep fox tree text"
# Many small files, searched by several threads: printed as one thread prints them.
mkdir many
for d in $(seq 1 20); do
  mkdir "many/d$d"
  for f in $(seq 1 50); do
    if (( (d * f) % 3 == 0 )); then printf 'a fox %d %d\nno\n' "$d" "$f"; else printf 'nothing\n'; fi > "many/d$d/f$f"
  done
done
for opts in "" -n -c -l -L -o -v "-m1 -n"; do
  # shellcheck disable=SC2086
  same_all "grep -r $opts many" "grep -F -r $opts fox many" "$MAPIO grep -r $opts fox many"
done
# A directory of more than 10,000 entries: GNU grep (fts) sorts it by inode number.
mkdir wide
for f in $(seq 1 10050); do echo "fox $f" > "wide/$f"; done
same_all "grep -r wide directory" "grep -F -r fox wide" "$MAPIO grep -r fox wide"

# ---- refusals and write errors --------------------------------------------------------------------
for flag in -E -G -P; do
  "$MAPIO" grep $flag fox text > refused.out 2>&1; status=$?
  [[ $status -eq 2 ]] || fail "grep $flag: exit $status, want 2"
  grep -q "fixed strings" refused.out || fail "grep $flag: $(cat refused.out)"
done
# ---- other locales, compiled here from Debian's locale sources ------------------------------------
# A single-byte locale matches bytes, as GNU grep -F does there; EUC-JP and Shift-JIS would need
# the locale's decoder at every candidate (GNU grep does not match inside a character), so mapio
# refuses them, naming the locale and its encoding, with grep's status for a usage error.
printf 'caf\351 fox\nno match\n\244\242 fox \244\244\nFOX \311T\311\n' > latin
mkdir -p locales
if localedef -i de_DE -f ISO-8859-1 locales/de_DE.ISO-8859-1 2>/dev/null &&
   localedef -i ja_JP -f EUC-JP locales/ja_JP.EUC-JP 2>/dev/null &&
   localedef --no-warnings=ascii -i ja_JP -f SHIFT_JIS locales/ja_JP.SJIS 2>/dev/null; then
  export LOCPATH=$WORK/locales  # for both greps of each compare below
  for opts in "" -n -o -i -w -c -v "-i -o"; do
    # shellcheck disable=SC2086
    compare de_DE.ISO-8859-1 $opts -e fox -e $'\351' latin
  done
  # é and É are letters there: "caf" in "café" and the T of "ÉTÉ" are not whole words.
  for opts in -w -wo -wi -wc "-w -x"; do
    # shellcheck disable=SC2086
    compare de_DE.ISO-8859-1 $opts -e caf -e T latin
  done
  for loc in ja_JP.EUC-JP:EUC-JP ja_JP.SJIS:SHIFT_JIS; do
    LC_ALL=${loc%%:*} "$MAPIO" grep fox latin > refused.out 2>&1; status=$?
    [[ $status -eq 2 ]] || fail "grep in ${loc%%:*}: exit $status, want 2"
    grep -qF "locale ${loc%%:*} (${loc#*:}): fixed strings are matched in single-byte and UTF-8 locales only" refused.out ||
      fail "grep in ${loc%%:*}: $(cat refused.out)"
  done
  unset LOCPATH
else
  fail "localedef could not compile de_DE.ISO-8859-1, ja_JP.EUC-JP and ja_JP.SJIS (is Debian's locales package installed?)"
fi
if [[ -w /dev/full ]]; then
  same_all "grep > /dev/full" "grep -F fox text > /dev/full" "$MAPIO grep fox text > /dev/full"
  same_all "grep -n big > /dev/full" "grep -F -n fox big > /dev/full" "$MAPIO grep -n fox big > /dev/full"
  same_all "grep -r > /dev/full" "grep -F -r fox many > /dev/full" "$MAPIO grep -r fox many > /dev/full"
  same_all "grep -q > /dev/full" "grep -F -q fox text > /dev/full" "$MAPIO grep -q fox text > /dev/full"
fi

if [[ $failures -gt 0 ]]; then echo "$failures comparisons with GNU grep -F differ"; exit 1; fi
echo "all comparisons with GNU grep -F agree"

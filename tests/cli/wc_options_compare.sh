#!/usr/bin/env bash
# mapio wc's -m, -L, --files0-from, --total and --version against GNU wc (coreutils 9.1, Debian 12's
# /usr/bin/wc) in the C and C.UTF-8 locales: characters and display widths of tabs, carriage returns,
# form feeds, vertical tabs, control bytes, wide and zero-width characters, invalid and cut UTF-8
# sequences (cut by every route: read buffers, mapped slices, threads, pipes, sparse holes), column
# order and widths, read errors, odd file names, coreutils' own wc-files0 and wc-files0-from cases,
# and a file truncated during a -m/-L scan. stdout byte for byte, the exit status, and stderr where
# mapio claims GNU's messages. --total is coreutils 9.2's: it is checked against what 9.2 prints,
# derived from 9.1's output for the same files. Usage: wc_options_compare.sh PATH/TO/mapio
set -u
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/compare_common.sh"
MAPIO=$(realpath "${1:?usage: wc_options_compare.sh MAPIO}")
unset LC_ALL LC_CTYPE LANG LANGUAGE POSIXLY_CORRECT
export LC_ALL=C
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mapio-wc-options-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

if ! LC_ALL=C.UTF-8 locale -k charmap 2>/dev/null | grep -q UTF-8; then
  echo "the C.UTF-8 locale is not installed: nothing to compare"
  exit 1
fi
[[ $(wc --version | head -1) == *" 9.1" ]] || echo "note: GNU wc is $(wc --version | head -1), not 9.1"

# ---- the corpus -------------------------------------------------------------------------------
# Each case alone: tabs at every column, \r and \f ending a line for -L, \v and control bytes adding
# nothing, wide (2 columns), zero-width and combining characters, no-break and ideographic spaces,
# invalid bytes and sequences, the old 5- and 6-byte forms glibc decodes, surrogates and overlong
# forms it refuses, a sequence cut by the end of the input, NULs.
cases=(
  '' 'a' 'abc\n' 'a\tb' '\t' '1234567\tx' '12345678\tx' 'ab\tc\td\n\t\tx' 'abcdef\rxy' 'abc\r\n'
  'long line\fx' 'a\vb\vc' 'a\x01b\x1bc\x7fd' 'abc\x08\x08' '\n\n\n' 'no newline at end'
  '\xe4\xb8\x80\xe4\xba\x8c\n' 'a\xcc\x81b' 'a\xe2\x80\x8bb' 'a\xc2\xa0b' 'a\xe3\x80\x80b' '\xf0\x9f\x98\x80\t!'
  'x\x80y' '\xe2\x82\xe2\x82\xac' '\xc0\x80\xc1\xbf' '\xed\xa0\x80x' '\xf4\x8f\xbf\xbf' '\xf4\x90\x80\x80a'
  '\xf7\xbf\xbf\xbf' '\xf8\x88\x80\x80\x80' '\xf8\x87\xbf\xbf\xbf' '\xfb\xbf\xbf\xbf\xbf' '\xfc\x84\x80\x80\x80\x80'
  '\xfc\x83\xbf\xbf\xbf\xbf' '\xfd\xbf\xbf\xbf\xbf\xbf' '\xfe\xff' 'a\xe2\x82' '\xf0\x9f\x98' 'a\x00b\x00\n'
  '\xef\xbf\xbf\xef\xbf\xbd' 'caf\xc3\xa9\tcaf\xc3\xa9\t\xe4\xb8\x80\t|' '\xc2\x85\xe2\x80\xa8x'
)
for i in "${!cases[@]}"; do printf "${cases[$i]}" > "case_$i"; done

for seed in 1 2; do head -c 300000 /dev/urandom > "binary_$seed"; done
# Text with every kind of character, long lines of different widths, at every size around the
# read buffer (256 KiB), the map threshold (1 MiB) and the parallel threshold (16 MiB).
line=$(printf 'the quick\xc2\xa0brown\tfox \xe3\x80\x80jumps \xe8\xaa\x9e\xe6\x96\x87 caf\xc3\xa9 \xe2\x80\x8bzero\xe2\x80\xa8sep \xc2\x85nel \xf0\x9f\x98\x80 \xed\xa0\x80sur \xc0\xa0over \xe3\x80end\xf8\x88\x80\x80\x80old\x01\x7f\v\tok\rcr\fff')
{ for i in $(seq 1 200); do printf '%s' "$line"; printf '%*s\n' $((i % 50)) '|'; done; } > text_unit
for size in 4095 4096 4097 262143 262144 262145 1048577 33554437; do
  while [[ $(stat -c %s text_unit) -lt $size ]]; do cat text_unit text_unit > text_unit2; mv text_unit2 text_unit; done
  head -c "$size" text_unit > "mixed_$size"
done
# The widest line in the middle of a large file, beyond the first piece a thread counts.
{ head -c 20000000 mixed_33554437; printf '\t%.0s' $(seq 1 300); printf 'widest\xe4\xb8\x80\n'; tail -c 10000000 mixed_33554437; } > widest_inside

# Characters cut by every page boundary: 4 KiB units that end with the start of a character and
# begin with its end (a wide character, an emoji, an old 5-byte form, a 6-byte one), and tabs
# either side, so that a character read wrongly changes both counts.
ends=('\xe4' '\xe4\xb8' '\xf0\x9f' '\xf8\x88\x80' '\xfc\x84\x80\x80\x80' '\xc2')
starts=('\xb8\x80' '\x80' '\x98\x80' '\x80\x80' '\x80' '\xa0')
for k in "${!ends[@]}"; do
  printf -v prefix "${starts[(k + ${#ends[@]} - 1) % ${#ends[@]}]}"
  printf -v suffix "${ends[k]}"
  fill=$((4096 - ${#prefix} - ${#suffix} - 2))
  body=$(printf 'ab\tc \xe4\xb8\x80\xe4\xb8\x80 caf\xc3\xa9\n%.0s' $(seq 1 400))
  printf '%s\t%s\t%s' "$prefix" "${body:0:fill}" "$suffix" > "unit_$k"
done
cat unit_? > cycle
for i in $(seq 1 1400); do echo cycle; done | xargs cat > straddle  # 34 MB: past the parallel threshold
rm -f unit_? cycle

# A character cut by a hole of a sparse file: the hole's NUL bytes are characters and end it.
truncate -s 40M sparse
printf 'one\tt\xe4' | dd of=sparse bs=1 seek=4090 conv=notrunc status=none
printf '\xb8\x80wo \xe3\x80\x80three' | dd of=sparse bs=1 seek=$((32 * 1024 * 1024)) conv=notrunc status=none
printf 'fo\xf0\x9f' >> sparse

files=(case_* binary_* mixed_* widest_inside straddle sparse)

# ---- -m and -L, every file, every route, both locales ------------------------------------------
for locale in C.UTF-8 C; do
  env="LC_ALL=$locale"
  for f in case_* binary_1; do
    for flags in -m -L -mL -lwmcL; do
      same "[$locale] wc $flags $f" "$env wc $flags $f" "$env $MAPIO wc -q $flags $f"
    done
  done
  for flags in -m -L -mL -lm -lL -cm -wL -lwmcL "-L -l -m -w -c"; do
    same "[$locale] wc $flags all" "$env wc $flags ${files[*]}" "$env $MAPIO wc -q $flags ${files[*]}"
  done
  for method in map read; do
    same "[$locale] wc -lwmcL --method $method" "$env wc -lwmcL ${files[*]}" \
      "$env $MAPIO wc -q -lwmcL --method $method ${files[*]}"
  done
  for threads in 1 2 3; do
    for f in straddle mixed_33554437 widest_inside; do
      same "[$locale] wc -mL --threads $threads $f" "$env wc -mL $f" "$env $MAPIO wc -q -mL --threads $threads --method map $f"
    done
  done
  same "[$locale] wc -mL pipe" "cat straddle | $env wc -mL" "cat straddle | $env $MAPIO wc -q -mL"
  same "[$locale] wc -m pipe, binary" "cat binary_1 | $env wc -m" "cat binary_1 | $env $MAPIO wc -q -m"
  # A pipe written in two parts, so that a read ends inside a character: the emoji of the line
  # (bytes 78-81 of text_unit's first line) after its first, second and third byte; the 5-byte form.
  for cut in 79 80 81 139 141; do
    same "[$locale] wc -mL pipe cut at $cut" "cat mixed_4097 | $env wc -mL" \
      "{ head -c $cut mixed_4097; sleep 0.05; tail -c +$((cut + 1)) mixed_4097; } | $env $MAPIO wc -q -mL"
  done
done

# ---- every scanning kernel (the kernels count lines and words; characters and widths go with them)
kernels=(portable)
grep -qw avx2 /proc/cpuinfo && kernels+=(avx2)
grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && kernels+=(avx512)
LC_ALL=C.UTF-8 wc -lwmcL case_* binary_1 mixed_262145 sparse > kernel_files.wc
for k in "${kernels[@]}"; do
  same "[$k] wc -lwmcL" "cat kernel_files.wc" \
    "LC_ALL=C.UTF-8 MAPIO_SCAN_KERNEL=$k $MAPIO wc -q -lwmcL case_* binary_1 mixed_262145 sparse"
done

# ---- column widths: standard input, non-regular files, one count of one file ---------------------
for locale in C.UTF-8 C; do
  env="LC_ALL=$locale"
  for flags in -m -L -mL -lmL; do
    same_all "[$locale] wc $flags < file" "$env wc $flags < mixed_4097" "$env $MAPIO wc -q $flags < mixed_4097"
    same_all "[$locale] wc $flags pipe" "cat mixed_4097 | $env wc $flags" "cat mixed_4097 | $env $MAPIO wc -q $flags"
    same_all "[$locale] wc $flags /dev/null file" "$env wc $flags /dev/null mixed_4097" "$env $MAPIO wc -q $flags /dev/null mixed_4097"
    same_all "[$locale] wc $flags - file" "$env wc $flags - case_2 < mixed_4097" "$env $MAPIO wc -q $flags - case_2 < mixed_4097"
  done
done

# ---- read errors, missing files, directories, a closed standard input, write errors -------------
for locale in C.UTF-8 C; do
  env="LC_ALL=$locale"
  mkdir -p a_directory
  for flags in -m -L -mL -lm -lL -cm -lwmcL; do
    same_all "[$locale] wc $flags /proc/self/mem" "$env wc $flags /proc/self/mem case_2" "$env $MAPIO wc -q $flags /proc/self/mem case_2"
    same_all "[$locale] wc $flags missing, directory" "$env wc $flags no_such_file a_directory case_2" \
      "$env $MAPIO wc -q $flags no_such_file a_directory case_2"
    same_all "[$locale] wc $flags closed stdin" "$env wc $flags <&-" "$env $MAPIO wc -q $flags <&-"
  done
  sysfs=/sys/kernel/mm/transparent_hugepage/enabled
  [[ -r $sysfs ]] || sysfs=/proc/version
  for flags in -m -L -cm; do
    same_all "[$locale] wc $flags $sysfs" "$env wc $flags $sysfs" "$env $MAPIO wc -q $flags $sysfs"
  done
  if [[ -w /dev/full ]]; then
    same_all "[$locale] wc -mL > /dev/full" "$env wc -mL case_2 > /dev/full" "$env $MAPIO wc -q -mL case_2 > /dev/full"
  fi
done

# ---- odd file names with -m and -L --------------------------------------------------------------
names=($'a\nb' 'with space' "it's" $'tab\there' $'ctl\001x' $'\377high' $'\303\251t\303\251' $'\342\200\250sep' $'q\'\n')
for n in "${names[@]}"; do printf 'a\tb \xe4\xb8\x80\n' > "$n"; done
for locale in C C.UTF-8; do
  for n in "${names[@]}"; do
    for flags in -m -L -lmL; do
      same_all "[$locale] wc $flags $(printf %q "$n")" "LC_ALL=$locale wc $flags \"\$n\" \"\$n.missing\" case_2" \
        "LC_ALL=$locale $MAPIO wc -q $flags \"\$n\" \"\$n.missing\" case_2"
    done
  done
done

# ---- --files0-from: coreutils' wc-files0 and wc-files0-from cases, and more ----------------------
# Their usage errors end "Try 'wc --help'"; mapio's name itself there.
same_files0() {
  same_all "$@"
  sed -i "s/^Try 'mapio wc --help'/Try 'wc --help'/" same.got_err 2>/dev/null
}
same_usage() { # as same_all, the help line excepted
  local what=$1 want_cmd=$2 got_cmd=$3 ws gs
  eval "$want_cmd" > same.want 2> same.want_err; ws=$?
  eval "$got_cmd" > same.got 2> same.got_err; gs=$?
  sed -i "s/^mapio //; s/^Try 'mapio wc --help'/Try 'wc --help'/" same.got_err
  cmp -s same.want same.got || { fail "$what: output differs"; diff same.want same.got | head -10; }
  cmp -s same.want_err same.got_err || { fail "$what: messages differ"; diff same.want_err same.got_err | head -10; }
  [[ $ws -eq $gs ]] || fail "$what: exit $gs, GNU $ws"
}
printf '2\n' > 2b
printf '2 words\n' > 2w
printf '2b\n2w\n' | tr '\n' '\0' > names
printf 'a' > g
printf '' > empty_g
printf 'g\0g' > two_no_final_nul
printf 'g\0g\0' > two_final_nul
printf -- '-\0g\0' > dash_then_g
printf '\0g\0' > zero_then_g
printf 'g\0no_such_file\0a_directory\0/proc/self/mem\0\0g\0' > mixed_names
printf '%s\0' "${names[@]}" case_2 > odd_names
: > no_names
for locale in C C.UTF-8; do
  env="LC_ALL=$locale"
  for flags in "" -l -m -L -lwmcL -c; do
    same_files0 "[$locale] files0 names $flags" "$env wc $flags --files0-from=names" "$env $MAPIO wc -q $flags --files0-from=names"
    for list in two_no_final_nul two_final_nul dash_then_g zero_then_g mixed_names odd_names no_names; do
      same_files0 "[$locale] files0 $list $flags" "$env wc $flags --files0-from=$list < g" \
        "$env $MAPIO wc -q $flags --files0-from=$list < g"
      same_files0 "[$locale] files0 stdin $list $flags" "$env wc $flags --files0-from=- < $list" \
        "$env $MAPIO wc -q $flags --files0-from=- < $list"
      same_files0 "[$locale] files0 pipe $list $flags" "cat $list | $env wc $flags --files0-from=-" \
        "cat $list | $env $MAPIO wc -q $flags --files0-from=-"
    done
  done
done
for input in 'g' 'g\0' '\0' '\0\0' '-' '-\0' '\0g\0'; do
  printf -- "$input" > in
  same_files0 "files0 from stdin '$input'" "wc --files0-from=- < in" "$MAPIO wc -q --files0-from=- < in"
  same_files0 "files0 from a pipe '$input'" "cat in | wc --files0-from=-" "cat in | $MAPIO wc -q --files0-from=-"
done
same_files0 "files0 missing list" "wc --files0-from=no_such_list" "$MAPIO wc -q --files0-from=no_such_list"
# (An empty --files0-from= is a missing value to mapio's option parser: the status is GNU's, the
# message is the parser's.)
same "files0 empty list name" "wc --files0-from=" "$MAPIO wc -q --files0-from="
same_files0 "files0 directory list" "wc --files0-from=a_directory" "$MAPIO wc -q --files0-from=a_directory"
same_files0 "files0 /dev/null" "wc --files0-from=/dev/null" "$MAPIO wc -q --files0-from=/dev/null"
same_files0 "files0 closed stdin" "wc --files0-from=- <&-" "$MAPIO wc -q --files0-from=- <&-"
same_files0 "files0 given twice" "wc --files0-from=no_such_list --files0-from=names" \
  "$MAPIO wc -q --files0-from=no_such_list --files0-from=names"
same_files0 "files0 odd list name" "wc --files0-from=\$'a\\nb'" "$MAPIO wc -q --files0-from=\$'a\\nb'"
same_usage "files0 extra operand" "wc --files0-from=- no-such < g" "$MAPIO wc -q --files0-from=- no-such < g"
same_usage "files0 extra operands" "wc --files0-from=names 2b 2w" "$MAPIO wc -q --files0-from=names 2b 2w"
if [[ -w /dev/full ]]; then
  same_files0 "files0 > /dev/full" "wc --files0-from=names > /dev/full" "$MAPIO wc -q --files0-from=names > /dev/full"
fi
# An empty operand on the command line: GNU's message, no count, the others counted.
same_all "wc ''" "wc '' g" "$MAPIO wc -q '' g"
same_all "wc -mL ''" "wc -mL ''" "$MAPIO wc -q -mL ''"

# ---- --total (coreutils 9.2): 9.1 prints auto; never, always and only follow from its output ------
# never: the total line goes; always: it comes even for one input; only: it alone, its numbers
# separated by one space, without the word total (coreutils' wc-total test).
expect_total() { # description expected-output-file mapio-arguments...
  local what=$1 want=$2 status
  shift 2
  "$MAPIO" wc -q "$@" > total.got 2> total.err; status=$?
  cmp -s "$want" total.got || { fail "$what: output differs"; diff "$want" total.got | head -10; }
  [[ $status -eq 0 ]] || fail "$what: exit $status: $(cat total.err)"
}
for flags in "" -l -m -L -lwmcL; do
  for locale in C C.UTF-8; do
    export LC_ALL=$locale
    wc $flags 2b 2w > want.auto
    head -n -1 want.auto > want.never
    tail -n 1 want.auto | sed -E 's/^ +//; s/ +/ /g; s/ total$//' > want.only
    expect_total "[$locale] --total=auto $flags" want.auto --total=auto $flags 2b 2w
    expect_total "[$locale] --total=never $flags" want.never --total=never $flags 2b 2w
    expect_total "[$locale] --total=only $flags" want.only --total=only $flags 2b 2w
    expect_total "[$locale] --total=nev (a prefix) $flags" want.never --total=nev $flags 2b 2w
    wc $flags 2w > want.one
    { cat want.one; sed -E 's/ 2w$/ total/' want.one; } > want.always
    expect_total "[$locale] --total=always one file $flags" want.always --total=always $flags 2w
    wc $flags 2w > want.never_one
    expect_total "[$locale] --total=never one file $flags" want.never_one --total=never $flags 2w
    expect_total "[$locale] --total=auto one file $flags" want.never_one $flags 2w
    wc $flags < 2w > want.stdin
    { cat want.stdin; sed -E 's/$/ total/' want.stdin; } > want.stdin_always
    expect_total "[$locale] --total=always stdin $flags" want.stdin_always --total=always $flags < 2w
    tail -n 1 want.stdin_always | sed -E 's/^ +//; s/ +/ /g; s/ total$//' > want.stdin_only
    expect_total "[$locale] --total=only stdin $flags" want.stdin_only --total=only $flags < 2w
    # with --files0-from: the same rules
    expect_total "[$locale] --files0-from --total=only $flags" want.only --total=only $flags --files0-from=names
    expect_total "[$locale] --files0-from --total=never $flags" want.never --total=never $flags --files0-from=names
  done
done
export LC_ALL=C
# Errors still go to stderr (and set the status) with --total=only; only the total is printed.
"$MAPIO" wc -q --total=only 2b no_such_file 2w > total.got 2> total.err; status=$?
[[ $status -eq 1 && $(cat total.got) == "2 3 10" && $(cat total.err) == "mapio wc: no_such_file: No such file or directory" ]] ||
  fail "--total=only with a missing file: exit $status, '$(cat total.got)', '$(cat total.err)'"
# A WHEN that is none of the four, or a prefix of two: GNU's argmatch message, status 1.
for bad in bogus a al0; do
  "$MAPIO" wc -q --total="$bad" 2b > total.got 2> total.err; status=$?
  kind=invalid; [[ $bad == a ]] && kind=ambiguous
  [[ $status -eq 1 && ! -s total.got ]] || fail "--total=$bad: exit $status, output '$(cat total.got)'"
  head -1 total.err | grep -qxF "mapio wc: $kind argument '$bad' for '--total'" || fail "--total=$bad: $(cat total.err)"
done
"$MAPIO" wc -q --total 2b > total.got 2> total.err; status=$?
[[ $status -eq 1 && ! -s total.got ]] || fail "--total without WHEN: exit $status, output '$(cat total.got)'"

# ---- --version ------------------------------------------------------------------------------------
out=$("$MAPIO" wc --version); status=$?
[[ $status -eq 0 && $out == "$("$MAPIO" --version)" && $out == "mapio "[0-9]* ]] || fail "wc --version: exit $status: '$out'"

# ---- a file truncated during a -m/-L scan: an error and a non-zero exit, never SIGBUS -------------
truncated_scan() { # description mapio-arguments...
  local name=$1 caught=0 attempt status shm
  shift
  shm=$(mktemp /dev/shm/mapio-wc-options-XXXXXX)
  for attempt in $(seq 1 10); do
    cp straddle "$shm"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do cat straddle; done >> "$shm"  # 550 MB
    LC_ALL=C.UTF-8 "$MAPIO" wc -q "$@" "$shm" > truncation.out 2> truncation.err &
    scanner=$!
    wait_until_open $scanner "$shm"
    sleep 0.0$((attempt % 5))
    truncate -s 4096 "$shm"
    wait $scanner; status=$?
    if (( status > 128 )); then fail "$name: killed by signal $((status - 128))"; break; fi
    [[ -s truncation.err ]] || continue  # the scan ended before the truncation
    (( status != 0 )) || fail "$name: a message but status 0: $(cat truncation.err)"
    grep -qE "shrank from [0-9]+ to 4096 bytes while it was read|gone \\(SIGBUS\\)" truncation.err ||
      fail "$name: unexpected message: $(cat truncation.err)"
    [[ -s truncation.out ]] && fail "$name: printed a count for a truncated file: $(cat truncation.out)"
    echo "$name: caught on attempt $attempt"
    caught=1; break
  done
  rm -f "$shm"
  (( caught > 0 )) || fail "$name: the scan always finished before the file was truncated"
}
truncated_scan "truncation, wc -mL --method map" -mL --method map --threads 1
truncated_scan "truncation, wc -m --method read" -m --method read
truncated_scan "truncation, wc -L" -L

if (( failures > 0 )); then echo "$failures failure(s)"; exit 1; fi
echo "all comparisons of wc -m, -L, --files0-from and --total with GNU wc agree"

#!/usr/bin/env bash
# mapio wc against GNU wc in the locales it counts words in: C.UTF-8 and C, on a corpus of random
# bytes, UTF-8 text with no-break, ideographic and other spaces, characters that are neither, invalid
# and cut sequences, and characters cut by every page boundary of files read in 256 KiB buffers,
# mapped, and split between threads. Every output byte and the exit status must agree. Then which
# locale is used (LC_ALL, LC_CTYPE, LANG), and the refusal to count words in other encodings.
# Usage: wc_locale_compare.sh PATH/TO/mapio
set -u
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/compare_common.sh"
MAPIO=$(realpath "${1:?usage: wc_locale_compare.sh MAPIO}")
unset LC_ALL LC_CTYPE LANG LANGUAGE
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mapio-wc-locale-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

if ! LC_ALL=C.UTF-8 locale -k charmap 2>/dev/null | grep -q UTF-8; then
  echo "the C.UTF-8 locale is not installed: nothing to compare"
  exit 1
fi

# ---- the corpus -------------------------------------------------------------------------------
# Each case on its own: the counts GNU wc gives were the reason for each rule in WordCounter.
cases=(
  'a\xc2\xa0b' 'a\xe2\x80\x87b' 'a\xe2\x80\xafb' 'a\xe2\x81\xa0b' 'a\xe3\x80\x80b' 'a\xe1\x9a\x80b'
  'a\xe2\x80\x82b' 'a\xe2\x80\xa8b' 'a\xe2\x80\xa9b' 'a\xc2\x85b' '\xc2\x85' 'a\xe2\x80\x8bb'
  '\xe2\x80\x8b' '\xee\x80\x80' '\xf0\x9f\x98\x80' '\xef\xbf\xbe' '\xef\xbf\xbd' 'caf\xc3\xa9'
  'a\xc0\xa0b' '\xc1\x81' '\xe0\x81\x81' '\xf0\x80\x81\x81' '\xed\xa0\x80' 'a\xed\xa0\x80 b'
  '\xf4\x90\x80\x80' '\xf8\x88\x80\x80\x80' '\x80\xbf\xff\xfe' 'a\xe3b' 'a\xe3\x80\xe3\x80\x80b'
  'a\xe3\x80\xc3\xa9 b' 'a\xe3\x80' '\xe3\x80' '\xf0\x9f\x98' 'x \xf0\x9f' '\xe3\x80\x80'
  'a\x00b\x01c\x7fd \x1c e' '\x80\x80\x80\x80 \xe4\xb8\xad'
)
for i in "${!cases[@]}"; do printf "${cases[$i]}" > "case_$i"; done

for seed in 1 2 3; do head -c 300000 /dev/urandom > "binary_$seed"; done
head -c 1048577 /dev/urandom > binary_1048577

# A line with a character of every kind, and invalid and cut sequences.
line=$(printf 'the quick\xc2\xa0brown fox \xe3\x80\x80jumps \xe8\xaa\x9e\xe6\x96\x87 caf\xc3\xa9 \xe2\x80\x8bzero\xe2\x80\xa8sep \xc2\x85nel \xf0\x9f\x98\x80 \xed\xa0\x80sur \xc0\xa0over \xe3\x80end\xe2\x80\x87fig\xe2\x80\xafnn\xe2\x81\xa0wj\x01\x7f ok')
for size in 4095 4096 4097 65535 65536 65537 262143 262144 262145 1048577 33554437; do
  yes "$line" | head -c "$size" > "mixed_$size"
done

# Characters cut by every page boundary: 4 KiB units, each ending with the start of a character and
# beginning with the end of the one before, so that a character read wrongly changes the count:
# spaces and characters that are neither between word characters, word characters between spaces.
# An ideographic space cut 1|2 and 2|1, an emoji 2|2, 3|1 and 1|3, a no-break space 1|1, U+2028 and
# U+0085 (neither), and a sequence that turns out invalid after the boundary (neither).
straddle() { # units name (a multiple of 10)
  local ends=('\xe3' '\xe3\x80' '\xf0\x9f' '\xc2' '\xf0\x9f\x98' '\xe2\x80' '\xe3' '\xf0' '\xe2' '\xc2')
  local starts=('\x80\x80' '\x80' '\x98\x80' '\xa0' '\x80' '\xa8' '\x80q' '\x9f\x98\x80' '\x80\xa8' '\x85')
  local around=(x x ' ' x ' ' x x ' ' ' ' ' ')
  local body k previous prefix suffix fill text i
  printf -v body 'ab \xe8\xaa\x9e\xe6\x96\x87\xc2\xa0x\xe3\x80\x80y caf\xc3\xa9 '
  for ((k = 0; k < 10; k++)); do
    previous=$(((k + 9) % 10))
    printf -v prefix "${starts[previous]}"
    printf -v suffix "${ends[k]}"
    # 4096 bytes: the end of the last unit's character and what follows it, whole bodies, 'z'
    # padding, what goes before this unit's character, its start. (The shell runs in the C
    # locale: lengths are in bytes.)
    fill=$((4096 - ${#prefix} - ${#suffix} - 2))
    text=""
    while (( ${#text} + ${#body} <= fill )); do text+=$body; done
    while (( ${#text} < fill )); do text+=z; done
    printf '%s' "${prefix}${around[previous]}${text}${around[k]}${suffix}" > "unit_$k"
  done
  cat unit_? > cycle
  for ((i = 0; i < $1 / 10; i++)); do echo cycle; done | xargs cat > "$2"
  rm -f unit_? cycle
}
straddle 80 straddle_80
straddle 8200 straddle_8200  # 33.6 MB, past the 16 MiB parallel threshold
[[ $(stat -c %s straddle_80) -eq $((80 * 4096)) ]] || fail "straddle_80 is $(stat -c %s straddle_80) bytes"

# A character cut by a hole of a sparse file: the hole's NUL bytes end it.
truncate -s 64M sparse
printf 'one t\xe3' | dd of=sparse bs=1 seek=4090 conv=notrunc status=none
printf '\x80\x80wo \xe3\x80\x80three' | dd of=sparse bs=1 seek=$((32 * 1024 * 1024)) conv=notrunc status=none
printf 'fo\xf0\x9f' >> sparse

files=(case_* binary_* mixed_* straddle_80 straddle_8200 sparse)

# ---- C.UTF-8 and C: every file, every route ---------------------------------------------------
for locale in C.UTF-8 C; do
  env="LC_ALL=$locale"
  for f in "${files[@]}"; do
    same "[$locale] wc -w $f" "$env wc -w $f" "$env $MAPIO wc -q -w $f"
  done
  same "[$locale] wc all" "$env wc ${files[*]}" "$env $MAPIO wc -q ${files[*]}"
  for method in map read; do
    same "[$locale] wc --method $method" "$env wc ${files[*]}" "$env $MAPIO wc -q --method $method ${files[*]}"
  done
  for threads in 1 2 3; do
    for f in straddle_8200 mixed_33554437; do
      same "[$locale] wc -w --threads $threads $f" "$env wc -w $f" \
        "$env $MAPIO wc -q -w --threads $threads --method map $f"
    done
  done
  same "[$locale] wc pipe" "cat straddle_8200 | $env wc" "cat straddle_8200 | $env $MAPIO wc -q"
  same "[$locale] wc -lw pipe" "cat binary_1 | $env wc -lw" "cat binary_1 | $env $MAPIO wc -q -lw"
  # A pipe written in two parts, so that a read may end inside a character that separates two words:
  # after the first byte of the line's U+00A0 (bytes 10-11), after the first and the second of its
  # U+2007 (bytes 88-90), after the first of its U+202F (bytes 94-96).
  for cut in 10 88 89 94; do
    same "[$locale] wc -w pipe cut at $cut" "$env wc -w < mixed_4097" \
      "{ head -c $cut mixed_4097; sleep 0.05; tail -c +$((cut + 1)) mixed_4097; } | $env $MAPIO wc -q -w"
  done
done

# ---- every scanning kernel the CPU has, in C.UTF-8 ---------------------------------------------
kernels=(portable)
grep -qw avx2 /proc/cpuinfo && kernels+=(avx2)
grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && kernels+=(avx512)
echo "forced kernels: ${kernels[*]}"
kernel_files=(case_* binary_1 binary_1048577 mixed_65537 straddle_80 sparse)
LC_ALL=C.UTF-8 wc -w "${kernel_files[@]}" > kernel_files.wc
LC_ALL=C.UTF-8 wc -w straddle_8200 > straddle_8200.wc
for k in "${kernels[@]}"; do
  run="LC_ALL=C.UTF-8 MAPIO_SCAN_KERNEL=$k $MAPIO"
  same "[$k] wc -w" "cat kernel_files.wc" "$run wc -q -w ${kernel_files[*]}"
  same "[$k] wc -w --method read" "cat kernel_files.wc" "$run wc -q -w --method read ${kernel_files[*]}"
  same "[$k] wc -w parallel" "cat straddle_8200.wc" "$run wc -q -w --threads 3 --method map straddle_8200"
done

# ---- which locale: LC_ALL, then LC_CTYPE, then LANG, as GNU wc reads them ----------------------
nbsp=case_0  # 'a' NO-BREAK SPACE 'b': two words in UTF-8, one in C
for env in "LANG=C.UTF-8" "LC_CTYPE=C.UTF-8" "LANG=C LC_CTYPE=C.UTF-8" "LANG=C.UTF-8 LC_CTYPE=C" \
           "LC_ALL=C LANG=C.UTF-8" "LC_ALL=POSIX" "LC_ALL=C.UTF-8 LC_CTYPE=C" "LC_ALL=no_such_locale" \
           "LANG=C.UTF-8 LC_MESSAGES=no_such_locale" ""; do
  same "locale from '$env'" "env -i $env wc -w $nbsp" "env -i $env $MAPIO wc -q -w $nbsp"
done
want=$(env -i LANG=C.UTF-8 "$MAPIO" wc -w "$nbsp")
[[ "$want" == "2 $nbsp" ]] || fail "LANG=C.UTF-8: '$want', not two words"
want=$(env -i LANG=C.UTF-8 LC_MESSAGES=no_such_locale "$MAPIO" wc -w "$nbsp")
[[ "$want" == "1 $nbsp" ]] || fail "a locale that does not load: '$want', not the C locale's one word"

# ---- other encodings: -w is refused, -l and -c still count ------------------------------------
# A single-byte locale whose bytes 0x80-0xff are characters, and a multibyte one other than UTF-8,
# compiled here from the C library's locale sources (Debian: the locales package).
mkdir locales
if localedef -i de_DE -f ISO-8859-1 locales/de_DE.ISO-8859-1 2>/dev/null &&
   localedef -i ja_JP -f EUC-JP locales/ja_JP.EUC-JP 2>/dev/null; then
  for locale in de_DE.ISO-8859-1 ja_JP.EUC-JP; do
    env="LOCPATH=$WORK/locales LC_ALL=$locale"
    eval "$env $MAPIO wc -q binary_1 mixed_4097" > refused.out 2> refused.err; status=$?
    (( status == 1 )) || fail "[$locale] wc: exit $status, not 1"
    [[ -s refused.out ]] && fail "[$locale] wc printed counts: $(cat refused.out)"
    grep -q "count words in locale $locale" refused.err || fail "[$locale] wc: unexpected message: $(cat refused.err)"
    eval "$env $MAPIO wc -q -w binary_1" > /dev/null 2>&1 && fail "[$locale] wc -w was not refused"
    # (one file at a time: GNU wc translates "total")
    same "[$locale] wc -lc" "$env wc -lc binary_1" "$env $MAPIO wc -q -lc binary_1"
    same "[$locale] wc -l" "$env wc -l straddle_80" "$env $MAPIO wc -q -l straddle_80"
  done
else
  fail "localedef could not compile de_DE.ISO-8859-1 and ja_JP.EUC-JP (is Debian's locales package installed?)"
fi

if (( failures > 0 )); then echo "$failures failure(s)"; exit 1; fi
echo "all comparisons with GNU wc in C.UTF-8 and C agree"

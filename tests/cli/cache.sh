#!/usr/bin/env bash
# mapio cache against util-linux fincore on real files: resident page counts agree after an
# eviction, a partial read and a touch; --lock really locks (VmLck) until SIGTERM; errors are
# reported per file and the others still counted.
#   cache.sh PATH_TO_mapio [MLOCK_WORKS]    (no: an ASan build, whose mlock is a no-op)
set -euo pipefail
mapio=$1
mlock_works=${2:-yes}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mapio-cache.XXXXXX")
trap 'kill "${holder:-}" 2>/dev/null || true; rm -rf "$dir"' EXIT
failed=0
check() {  # NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok: $1 ($3)"; else
    printf 'MISMATCH (%s):\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"; failed=1
  fi
}
resident() { "$mapio" cache --json "$@" | python3 -c 'import json,sys; print(" ".join(str(f["resident_pages"]) for f in json.load(sys.stdin)))'; }
fincore_pages() { fincore --noheadings --raw --output PAGES "$@" | tr '\n' ' ' | sed 's/ $//'; }

head -c $((1000 * 4096 + 100)) /dev/urandom >"$dir/a"   # 1001 pages, the last one partly used
head -c $((300 * 4096)) /dev/urandom >"$dir/b"
if [[ "$(stat -f -c %T "$dir")" == tmpfs ]]; then
  echo "SKIP: $dir is on tmpfs, whose files cannot be evicted"; exit 77
fi

out=$("$mapio" cache -e "$dir/a" "$dir/b")
check "evicted: nothing resident" "0 0" "$(resident "$dir/a" "$dir/b")"
check "evicted: fincore agrees" "0 0" "$(fincore_pages "$dir/a" "$dir/b")"
check "evicted: the table" "0.0% 0/1001 $dir/a" "$(sed -n 2p <<<"$out" | awk '{print $1, $2, $NF}')"
check "the total line" "total 1301" "$(tail -1 <<<"$out" | awk '{split($2, p, "/"); print $NF, p[2]}')"

# Part of a: 40 pages from page 100 (readahead may bring more; both tools must see the same).
dd if="$dir/a" of=/dev/null bs=4096 skip=100 count=40 status=none
mine=$(resident "$dir/a")
check "after a partial read: fincore agrees" "$(fincore_pages "$dir/a")" "$mine"
[[ "$mine" -ge 40 && "$mine" -lt 1001 ]] && echo "ok: partly resident ($mine of 1001)" ||
  { echo "MISMATCH: $mine of 1001 pages resident after reading 40"; failed=1; }
cells=$("$mapio" cache -v "$dir/a" | sed -n 3p | tr -d ' []')
[[ "$cells" =~ ^\.+[oO]+\.+$ ]] && echo "ok: -v shows one resident stretch ($cells)" ||
  { echo "MISMATCH: -v cells '$cells'"; failed=1; }

"$mapio" cache -t "$dir/a" >/dev/null
check "touched: all resident" "1001" "$(resident "$dir/a")"
check "touched: fincore agrees" "1001" "$(fincore_pages "$dir/a")"

# --lock holds the pages locked (VmLck) until SIGTERM, then exits 0.
"$mapio" cache -l "$dir/b" >"$dir/lock.out" &
holder=$!
for _ in $(seq 100); do grep -q '^locked' "$dir/lock.out" 2>/dev/null && break; sleep 0.05; done
check "--lock says what it holds" "locked 300 pages of 1 file into memory; holding until interrupted (Ctrl-C or SIGTERM)" \
  "$(grep '^locked' "$dir/lock.out" || true)"
locked_kb=$(awk '/^VmLck/ {print $2}' "/proc/$holder/status")
if [[ "$mlock_works" != yes ]]; then echo "skip: VmLck (mlock is a no-op in this build; it was ${locked_kb} kB)"
elif [[ "$locked_kb" -ge 1200 ]]; then echo "ok: VmLck ${locked_kb} kB while holding"
else echo "MISMATCH: VmLck ${locked_kb} kB"; failed=1; fi
kill -TERM "$holder"
status=0; wait "$holder" || status=$?
check "--lock exits 0 on SIGTERM" 0 "$status"
holder=

check "--lock --hold 0 returns" "0" "$("$mapio" cache -l --hold 0 "$dir/b" >/dev/null; echo $?)"

# A bad file among good ones: an error naming it, the others counted, exit 1.
status=0; out=$("$mapio" cache "$dir/a" "$dir/missing" "$dir" 2>"$dir/err") || status=$?
check "errors exit 1" 1 "$status"
check "the good file still reported" "1" "$(grep -c "$dir/a\$" <<<"$out")"
check "the missing file named" "mapio cache: open $dir/missing: No such file or directory (ENOENT)" "$(sed -n 1p "$dir/err")"
# A directory is passed over without a word, as fincore passes it over.
check "the directory passed over" "1" "$(wc -l < "$dir/err")"
status=0; "$mapio" cache -t -e "$dir/a" 2>"$dir/err" || status=$?
[[ "$status" -ne 0 ]] && grep -q -- "--touch excludes --evict" "$dir/err" && echo "ok: -t -e refused" ||
  { echo "MISMATCH: -t -e gave $status: $(cat "$dir/err")"; failed=1; }
# Odd names stay one line each, escaped as fincore escapes them (\xHH), in the C and UTF-8 locales;
# --json takes a name that is not UTF-8 (its bad byte becomes U+FFFD) instead of failing.
odd="$dir/odd"; mkdir "$odd"
for name in $'new\nline' $'tab\there' 'back\xslash' 'back\slash' $'del\x7f' $'caf\xc3\xa9' $'bad\xffbyte' 'plain'; do
  printf 'x' >"$odd/$name"
done
for locale in C C.UTF-8; do
  for f in "$odd"/*; do
    expected=$(LC_ALL=$locale fincore --noheadings --output FILE "$f" | sed 's/ *$//')
    actual=$(LC_ALL=$locale "$mapio" cache "$f" | sed -n 2p | cut -c43-)
    check "name as fincore shows it ($locale): $expected" "$expected" "$actual"
  done
done
status=0; json=$("$mapio" cache --json "$odd/"$'bad\xffbyte' 2>"$dir/err") || status=$?
check "--json of a name that is not UTF-8: status" 0 "$status"
check "--json of a name that is not UTF-8: U+FFFD" "$odd/bad"$'\xef\xbf\xbd'"byte" \
  "$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["file"])' <<<"$json")"
exit $failed

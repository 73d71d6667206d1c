#!/usr/bin/env bash
# mapio shm on real objects: a POSIX object it creates (checked in /dev/shm), a sealed memfd that
# another process (python3) holds (checked against that process's /proc/PID/fd), removal, and the
# refusals with their exit statuses.
#   shm.sh PATH_TO_mapio
set -uo pipefail
mapio=$1
name=/mapio-cli-test-$$
failed=0
check() {  # NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok: $1 ($3)"; else
    printf 'MISMATCH (%s):\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"; failed=1
  fi
}
holder=
trap '[[ -n $holder ]] && kill $holder 2>/dev/null; "$mapio" shm rm "$name" 2>/dev/null' EXIT

check "create" "created $name (64 KiB)" "$("$mapio" shm create "$name" 64K)"
check "in /dev/shm with its size" 65536 "$(stat -c %s "/dev/shm${name}")"
check "listed" "posix $name 64 KiB" "$("$mapio" shm | awk -v n="$name" '$2 == n {print $1, $2, $3, $4}')"

# A sealed memfd that only another process holds.
fifo=$(mktemp -u); mkfifo "$fifo"
python3 - "$fifo" <<'PY' &
import fcntl, os, sys, time
fd = os.memfd_create("mapio-cli-memfd", os.MFD_ALLOW_SEALING)
os.ftruncate(fd, 8192)
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
with open(sys.argv[1], "w") as ready:
    ready.write(f"{fd}\n")
time.sleep(30)
PY
holder=$!
read -r memfd_fd <"$fifo"; rm -f "$fifo"
check "the holder's own view" "/memfd:mapio-cli-memfd (deleted)" "$(readlink "/proc/$holder/fd/$memfd_fd")"
json=$("$mapio" shm --json)
check "memfd: size, seals, holder" "8192 shrink,grow $holder:$memfd_fd" "$(python3 -c '
import json, sys
for o in json.load(sys.stdin):
    if o["kind"] == "memfd" and o["name"] == "mapio-cli-memfd":
        print(o["size"], o["seal_names"], " ".join("%d:%d" % (h["pid"], h["fd"]) for h in o["holders"]))
' <<<"$json")"
kill $holder; wait $holder 2>/dev/null; holder=
check "memfd gone with its holder" "" "$("$mapio" shm | grep mapio-cli-memfd)"

out=$("$mapio" shm create "$name" 4 2>&1); status=$?
check "create an existing name: exit 1" 1 "$status"
[[ $out == "mapio shm: shm_open $name: File exists (EEXIST)"* ]] && echo "ok: EEXIST named" || { echo "MISMATCH: $out"; failed=1; }
out=$("$mapio" shm create /other 12Q 2>&1); status=$?
check "bad size: usage error" "2 mapio shm: bad size '12Q': not a number (write decimal, 0x hexadecimal or 0 octal)" "$status $out"
out=$("$mapio" shm create /other 2>&1); status=$?
check "create without a size: usage error" "2 mapio shm: missing SIZE (usage: mapio shm create [OPTIONS] NAME SIZE)" "$status $out"
bad_name="a shared memory name is '/' followed by a name without further slashes"
out=$("$mapio" shm create noslash 10 2>&1); status=$?
check "create a malformed name: usage error" "2 mapio shm: bad name 'noslash': $bad_name" "$status $out"
out=$("$mapio" shm create /a/b 10 2>&1); status=$?
check "create a name with two slashes: usage error" "2 mapio shm: bad name '/a/b': $bad_name" "$status $out"
# Every name is checked before any is removed: the good one stays.
out=$("$mapio" shm rm "$name" noslash 2>&1); status=$?
check "remove a malformed name: usage error" "2 mapio shm: bad name 'noslash': $bad_name" "$status $out"
check "nothing removed when a name is malformed" "yes" "$([[ -e /dev/shm${name} ]] && echo yes || echo no)"

# A size the address space cannot map: the create fails after the name exists, and takes it away.
huge=/mapio-cli-test-huge-$$
out=$("$mapio" shm create "$huge" 99999999999999999 2>&1); status=$?
check "create too large to map: exit 1" 1 "$status"
[[ $out == "mapio shm: "*"ENOMEM"* ]] && echo "ok: ENOMEM named" || { echo "MISMATCH: $out"; failed=1; }
check "nothing left in /dev/shm" "no" "$([[ -e /dev/shm${huge} ]] && echo yes || echo no)"
[[ -e /dev/shm${huge} ]] && rm -f "/dev/shm${huge}"

# Which objects are channels: the header's magic, read with a bound and never mapped, so hostile
# files (the magic and then garbage, a short file, a FIFO, a channel of another version) list
# without harm.
chan=/mapio-cli-test-chan-$$
trap '[[ -n $holder ]] && kill $holder 2>/dev/null; "$mapio" shm rm "$name" 2>/dev/null; rm -f /dev/shm${chan}*' EXIT
"$mapio" chan create "$chan" 8K >/dev/null
check "a channel is shown with its ring" "posix $chan 12 KiB - ring=8 KiB" \
  "$("$mapio" shm | awk -v n="$chan" '$2 == n {print $1, $2, $3, $4, $5, $6, $7}')"
check "not a channel: -" "-" "$("$mapio" shm | awk -v n="$name" '$2 == n {print $6}')"
python3 - "/dev/shm${chan}" <<'PY'
import os, random, struct, sys
base = sys.argv[1]
magic = open(base, "rb").read(8)
random.seed(7)
with open(base + "-garbage", "wb") as f:  # the magic, then random bytes: capacity and version nonsense
    f.write(magic + bytes(random.randrange(256) for _ in range(5000)))
with open(base + "-short", "wb") as f:    # shorter than a header
    f.write(magic + b"\x02")
with open(base + "-v9", "wb") as f:       # a channel header of a version this mapio does not speak
    f.write(magic + struct.pack("<IIQ", 9, 4096, 4096) + bytes(8192 - 24))
os.mkfifo(base + "-fifo")                 # opening a FIFO for reading would block without O_NONBLOCK
PY
table=$(timeout 20 "$mapio" shm); status=$?
check "hostile files: listed, exit 0" 0 "$status"
check "magic then garbage: damaged" "damaged" "$(awk -v n="$chan-garbage" '$2 == n {print $6}' <<<"$table")"
check "another version: damaged" "damaged" "$(awk -v n="$chan-v9" '$2 == n {print $6}' <<<"$table")"
check "a short file: not a channel" "posix -" "$(awk -v n="$chan-short" '$2 == n {print $1, $6}' <<<"$table")"
json=$(timeout 20 "$mapio" shm --json)
check "JSON: the channel, the damaged one" "8192 None; 9 version 9, this library speaks version 4" "$(python3 -c '
import json, sys
objects = {o["name"]: o for o in json.load(sys.stdin)}
c = objects[sys.argv[1]]["channel"]; v = objects[sys.argv[1] + "-v9"]["channel"]
print(c["capacity"], c["problem"], end="; "); print(v["version"], v["problem"])
' "$chan" <<<"$json")"
rm -f /dev/shm${chan}-*
"$mapio" chan rm "$chan"

"$mapio" shm rm "$name"
check "removed" "no" "$([[ -e /dev/shm${name} ]] && echo yes || echo no)"
out=$("$mapio" shm rm "$name" 2>&1); status=$?
check "remove a missing name" "1 mapio shm: shm_unlink $name: No such file or directory (ENOENT)" "$status $out"
# A segment whose name is not UTF-8 (any process may make one): --json still answers, with U+FFFD
# for the byte JSON cannot hold, and the text listing shows the name.
odd="/dev/shm/mapio-cli-odd-$$"$'\xff'
: >"$odd"
status=0; json=$("$mapio" shm --json 2>&1) || status=$?
rm -f "$odd"
check "--json with a name that is not UTF-8: exit 0" 0 "$status"
check "--json with a name that is not UTF-8: U+FFFD" "/mapio-cli-odd-$$"$'\xef\xbf\xbd' "$(python3 -c '
import json, sys
print("".join(o["name"] for o in json.load(sys.stdin) if o["name"].startswith("/mapio-cli-odd-")))
' <<<"$json")"
exit $failed

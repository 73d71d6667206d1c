#!/usr/bin/env bash
# mapio chan between real processes: a receiver that prints what two senders send (arguments and
# standard input), ends when they are gone, and ends the same way when a sender is killed with
# SIGKILL mid-stream; stat; the refusals with their statuses.
#   chan.sh PATH_TO_mapio
set -uo pipefail
mapio=$1
name=/mapio-cli-chan-$$
failed=0
check() {  # NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok: $1"; else
    printf 'MISMATCH (%s):\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"; failed=1
  fi
}
work=$(mktemp -d)
trap '"$mapio" chan rm "$name" 2>/dev/null; rm -rf "$work"' EXIT

check create "created $name: 4096 ring bytes, messages up to 2032 bytes" "$("$mapio" chan create "$name" 4000)"
check "mode 0600" 600 "$(stat -c %a "/dev/shm$name")"

# One sender gives arguments, then (while the first is still attached) a second gives lines.
"$mapio" chan recv "$name" --timeout 10 >"$work/out" 2>"$work/err" &
receiver=$!
{ printf 'line one\nline two\n'; sleep 0.5; } | "$mapio" chan send "$name" &
sender=$!
"$mapio" chan send "$name" "first" "second message"
wait $sender
wait $receiver
check "recv status" 0 $?
check "recv got every message" "first|line one|line two|second message" "$(sort "$work/out" | paste -sd'|')"

# A sender killed mid-stream: the receiver prints what was sent and ends by itself.
"$mapio" chan recv "$name" --timeout 10 >"$work/out2" 2>"$work/err2" &
receiver=$!
{ echo before; sleep 30; echo never; } | "$mapio" chan send "$name" &
sleep 0.5
pkill -KILL -f "chan send $name" 
start=$(date +%s%N)
wait $receiver
status=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "recv after a killed sender: status" 0 "$status"
check "recv after a killed sender: output" "before" "$(cat "$work/out2")"
if (( elapsed < 2000 )); then echo "ok: ended ${elapsed} ms after the kill"; else echo "SLOW: ${elapsed} ms"; failed=1; fi

# A stream between two ends that look before they sleep (--spin): every line, in order.
"$mapio" chan recv "$name" --timeout 10 --spin 50 >"$work/out3" 2>"$work/err3" &
receiver=$!
# The sender starts once this receiver is attached: a sender that filled the ring before then would
# find only the previous receiver, which left, and stop with EPIPE, as it should.
for _ in $(seq 1 100); do "$mapio" chan stat "$name" | grep -q "^receiver: pid $receiver " && break; sleep 0.05; done
seq 1 3000 | "$mapio" chan send "$name" --spin 50
wait $receiver
check "spinning stream: status" 0 $?
check "spinning stream: every line in order" "$(seq 1 3000 | md5sum)" "$(md5sum < "$work/out3")"
"$mapio" chan recv "$name" --spin 20000 >/dev/null 2>"$work/spin"
check "spin over 10 ms: usage status" 2 $?
check "spin over 10 ms: message" "mapio chan: bad spin '20000': use 0 to 10000 microseconds" "$(cat "$work/spin")"
"$mapio" chan send "$name" x --spin -1 >/dev/null 2>"$work/spin"
check "negative spin: usage status" 2 $?

"$mapio" chan send "$name" a b c
check "stat" "$name: 96 of 4096 ring bytes used" "$("$mapio" chan stat "$name" | head -n1 | sed 's/ (head.*//')"
check "stat --json used" 96 "$("$mapio" chan stat "$name" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["used"])')"
check "recv -n 2" "a|b" "$("$mapio" chan recv "$name" -n 2 | paste -sd'|')"
check "recv what is left, then end: its sender is gone" "c" "$("$mapio" chan recv "$name" --timeout 5)"

# Refusals: a timeout (no sender came to this receiver), a bad name, a missing channel; each status 1 with the reason.
"$mapio" chan recv "$name" --timeout 0.2 >/dev/null 2>"$work/timeout"
check "timeout status" 1 $?
check "timeout message" "yes" "$(grep -q 'ETIMEDOUT' "$work/timeout" && echo yes || cat "$work/timeout")"
"$mapio" chan create /a/b 4096 2>"$work/bad"
check "bad name status" 1 $?
"$mapio" chan recv /mapio-no-such-chan-$$ 2>"$work/missing"
check "missing status" 1 $?
check "missing message" "yes" "$(grep -q 'ENOENT' "$work/missing" && echo yes || cat "$work/missing")"

"$mapio" chan rm "$name"
check "rm" "gone" "$([[ -e /dev/shm$name ]] && echo there || echo gone)"
exit $failed

#!/usr/bin/env bash
# The progress bar: on a terminal (a pty from script(1)) a scan that takes more than a second shows
# it on stderr; with --quiet, or when stderr is not a terminal, nothing but the answer appears.
set -uo pipefail
mapio=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
slow_input() {  # 2 MiB of zeros arriving over 1.6 s, through a FIFO
  rm -f "$work/fifo"; mkfifo "$work/fifo"
  (head -c 1M /dev/zero; sleep 1.6; head -c 1M /dev/zero) > "$work/fifo" &
}
failed=0

slow_input
script -qec "$mapio wc -c $work/fifo" "$work/tty.out" > /dev/null
grep -q "GB/s" "$work/tty.out" || { echo "no progress bar on a terminal:"; cat -v "$work/tty.out"; failed=1; }
grep -q "2097152 $work/fifo" "$work/tty.out" || { echo "wrong answer on a terminal"; failed=1; }

slow_input
script -qec "$mapio wc -c --quiet $work/fifo" "$work/quiet.out" > /dev/null
grep -q "GB/s" "$work/quiet.out" && { echo "progress bar despite --quiet"; failed=1; }

slow_input
"$mapio" wc -c "$work/fifo" > "$work/out" 2> "$work/err"
[[ -s "$work/err" ]] && { echo "stderr not a terminal, yet it got: $(cat -v "$work/err")"; failed=1; }
[[ "$(cat "$work/out")" == "2097152 $work/fifo" ]] || { echo "wrong answer: $(cat "$work/out")"; failed=1; }

(( failed == 0 )) && echo "progress bar shown on a terminal only, and never with --quiet"
exit $failed

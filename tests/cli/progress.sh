#!/usr/bin/env bash
# The progress bar: on a terminal (a pty from script(1)) a scan that takes more than a second shows
# it on stderr; a shorter one, or with --quiet, or when stderr is not a terminal, nothing but the
# answer appears.
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

# A scan well under a second draws nothing on a terminal either: what script(1) recorded between
# its own header and footer is the answer line and nothing else (no bar, no erased bar).
recorded() {  # the command's own output in a script(1) log, carriage returns removed
  sed -e '1{/^Script started/d}' -e '/^Script done/,$d' "$1" | tr -d '\r' | sed '/^$/d'
}
fast_on_tty() {  # description, expected answer, command
  local start elapsed_ms
  start=$(date +%s%N)
  script -qec "$3" "$work/fast.out" > /dev/null
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if (( elapsed_ms >= 900 )); then
    echo "skipped ($1): took ${elapsed_ms} ms on a loaded machine, where a bar may rightly appear"
  elif [[ "$(recorded "$work/fast.out")" != "$2" ]]; then
    echo "a fast scan ($1, ${elapsed_ms} ms) drew on the terminal:"; cat -v "$work/fast.out"; failed=1
  fi
}
yes "a line of text for a scan that is over quickly" | head -c 32M > "$work/fast"
fast_on_tty "32 MiB file" "$(wc -l < "$work/fast") $work/fast" "$mapio wc -l $work/fast"
rm -f "$work/fifo"; mkfifo "$work/fifo"
(head -c 1M /dev/zero; sleep 0.4; head -c 1M /dev/zero) > "$work/fifo" &
fast_on_tty "FIFO over 0.4 s" "2097152 $work/fifo" "$mapio wc -c $work/fifo"

(( failed == 0 )) && echo "progress bar shown on a terminal only, and never with --quiet"
exit $failed

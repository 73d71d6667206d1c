#!/usr/bin/env bash
# Runs a program and checks that it exits 0 and that its standard output is exactly the given lines.
#   expect_lines.sh PROGRAM [ARGS...] -- LINE...
set -uo pipefail
command=()
while [[ $# -gt 0 && $1 != "--" ]]; do command+=("$1"); shift; done
[[ $# -gt 0 ]] && shift  # the "--"

expected=$(printf '%s\n' "$@")
actual=$("${command[@]}")
status=$?
if [[ $status -ne 0 ]]; then
  printf 'exit status %d (expected 0); output was:\n%s\n' "$status" "$actual"
  exit 1
fi
if [[ "$actual" != "$expected" ]]; then
  echo "output differs from the expected lines (- expected, + actual):"
  diff -u <(printf '%s\n' "$expected") <(printf '%s\n' "$actual")
  exit 1
fi
echo "output matches the $# expected lines"

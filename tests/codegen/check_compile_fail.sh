#!/usr/bin/env bash
# Compiles tests/codegen/register_access.cpp with one REGISTER_CASE and checks the outcome:
#   check_compile_fail.sh COMPILER INCLUDE_DIR CASE compiles
#   check_compile_fail.sh COMPILER INCLUDE_DIR CASE fails REGEX [REGEX...]
# "fails" passes only when the compiler rejects the case and its diagnostics match every REGEX (an
# extended regular expression): one names the user's register, one gives the reason in words. A
# failure for an unrelated reason (a typo, a missing header) does not count as the check working.
set -uo pipefail
compiler=$1 include=$2 case=$3 expect=$4
shift 4
source=$(dirname "$0")/register_access.cpp
output=$("$compiler" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$include" \
  -DREGISTER_CASE="$case" "$source" 2>&1)
status=$?
if [[ $expect == compiles ]]; then
  if ((status != 0)); then
    printf 'case %s should compile but does not:\n%s\n' "$case" "$output"
    exit 1
  fi
  echo "case $case compiles"
  exit 0
fi
if ((status == 0)); then
  echo "case $case compiles but must not"
  exit 1
fi
for pattern in "$@"; do
  if ! grep -Eq -- "$pattern" <<<"$output"; then
    printf 'case %s fails, but not with a diagnostic matching /%s/:\n%s\n' "$case" "$pattern" "$output"
    exit 1
  fi
  echo "case $case is rejected: $(grep -Eo -m1 -- "$pattern" <<<"$output")"
done

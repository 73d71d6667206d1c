#!/usr/bin/env bash
# Compiles prefetch_kept.cpp to assembly with the build's compiler at -O2 and -O3 and fails unless
# every function in it issues a prefetch: a prefetch the optimiser removed costs nothing and gains
# nothing, and no functional test can see it is gone.
#   check_prefetch.sh COMPILER INCLUDE_DIR
set -euo pipefail
compiler=$1 include=$2
here=$(cd "$(dirname "$0")" && pwd)
failed=0
for level in -O2 -O3; do
  asm=$("$compiler" -std=c++20 "$level" -I"$include" -S -o - "$here/prefetch_kept.cpp" | c++filt)
  for function in prefetch_one_page prefetch_then_nothing visit_and_count; do
    # The function's body: from its label to the end-of-function marker.
    body=$(awk -v f="^$function\\\\(" '$0 ~ f && /:/ {on=1} on {print} on && /\.cfi_endproc|\.size/ {exit}' <<<"$asm")
    if [[ -z "$body" ]]; then echo "FAIL $level $function: not found in the assembly"; failed=1
    elif grep -Eq "^\s+prefetch" <<<"$body"; then echo "ok   $level $function: $(grep -Ec "^\s+prefetch" <<<"$body") prefetch instruction(s)"
    else echo "FAIL $level $function: no prefetch instruction left"; failed=1; fi
  done
done
exit $failed

#!/usr/bin/env bash
# The long fuzz run whose figures docs/testing.md records: each named target (all of them when none
# is named) for RUNS executions, from the corpus its CTest run grew (run `ctest --preset fuzz` once
# first), with the same limits as the short run. Prints one line per target:
#   TARGET executions=N seconds=S cov=C ft=F crashes=0
# and exits non-zero if any target found a crash, leak, timeout or sanitizer report (the input is
# saved in build/fuzz/tests/fuzz/work/TARGET/).
#   tests/fuzz/long_run.sh BUILD_DIR RUNS [TARGET...]
set -euo pipefail
build=$(cd "$1" && pwd)
runs=$2
shift 2
source_dir=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for binary in "$build"/tests/fuzz/*_fuzz; do targets+=("$(basename "${binary%_fuzz}")"); done
fi
status=0
for target in "${targets[@]}"; do
  work=$build/tests/fuzz/work/$target
  if [ ! -d "$work/corpus" ]; then
    echo "$target: no corpus in $work: run ctest --preset fuzz -R fuzz.$target first" >&2
    exit 2
  fi
  options=(-runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
           -artifact_prefix="$work/")
  [ -f "$source_dir/dict/$target.dict" ] && options+=(-dict="$source_dir/dict/$target.dict")
  log=$work/long-run.log
  started=$(date +%s)
  result=0
  (cd "$work" && "$build/tests/fuzz/${target}_fuzz" "${options[@]}" corpus) >"$log" 2>&1 || result=$?
  seconds=$(($(date +%s) - started))
  executions=$(sed -n 's/^stat::number_of_executed_units: //p' "$log" | tail -1)
  coverage=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov=\1 ft=\2/')
  crashes=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' | wc -l)
  echo "$target executions=${executions:-?} seconds=$seconds $coverage crashes=$crashes status=$result"
  [ "$result" -eq 0 ] && [ "$crashes" -eq 0 ] || status=1
done
exit $status

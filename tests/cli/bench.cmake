# `mapio bench` on a small generated file: every method (read, pread, fread, mmap variants,
# io_uring, O_DIRECT, mapio's policy, GNU wc, dd) must count the same lines, and the report must
# hold each of them; the random 4 KiB reads of every method must count the same lines too. A smoke test of the harness, not a measurement.
add_test(NAME cli.bench_methods_agree
  COMMAND bash -c "set -euo pipefail
    '$<TARGET_FILE:mapio_cli>' bench --size 16 --reps 1 --no-cold --random-reads 1000 --small-files 50 --json -q \
      --dir '${CMAKE_CURRENT_BINARY_DIR}' > '${CMAKE_CURRENT_BINARY_DIR}/bench.json'
    python3 - '${CMAKE_CURRENT_BINARY_DIR}/bench.json' <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
methods = {m['method']: m for m in report['sequential']}
wanted = ['read 64K', 'pread 1M', 'fread 1M', 'mmap', 'mmap+POPULATE', 'io_uring 4x1M', 'O_DIRECT 4M',
          'GNU wc -l', 'dd bs=4M iflag=direct']
missing = [w for w in wanted if w not in methods]
disagree = [name for name, m in methods.items() if not m['lines_agree']]
assert not missing, f'methods missing from the report: {missing}'
assert not disagree, f'methods that counted other lines: {disagree}'
random = report['random_4k']
assert all(r['reads'] == 1000 for r in random), random
for where in ('whole file', '16 MiB window'):
    group = {r['method'].rsplit(', ', 1)[0]: r['lines'] for r in random if r['method'].endswith(where)}
    assert set(group) == {'pread 4 KiB', 'mmap, first touch', 'mmap, hot mapping', 'mmap, hot, visit_extents',
                          'ceiling: resident memory'}, group
    assert len(set(group.values())) == 1 and min(group.values()) > 0, f'random reads ({where}) counted other lines: {group}'
print(f'{len(methods)} methods agree; ceiling {report[\"ceiling_gbps\"]:.1f} GB/s')
PY")
set_tests_properties(cli.bench_methods_agree PROPERTIES LABELS cli TIMEOUT 300)

# The report formats: CSV header and a row per method with its ratio to the ceiling of as many
# threads, a well-formed SVG naming every method, the environment in the JSON, the cold-cache note
# when not root (run as nobody when the tests run as root).
add_test(NAME cli.bench_outputs COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bench_outputs.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.bench_outputs PROPERTIES LABELS cli TIMEOUT 300)

# The cold-cache runs, as root: the page cache is dropped before each, so plain mmap must take major
# faults (a hot file would take none) and every cold method must still count the right lines.
# Skipped when not root or when the build tree is on tmpfs, where dropping caches evicts nothing.
add_test(NAME cli.bench_cold
  COMMAND bash -c "set -euo pipefail
    if [[ $(id -u) -ne 0 ]]; then echo 'not root: cannot drop the page cache'; exit 77; fi
    if [[ $(stat -f -c %T '${CMAKE_CURRENT_BINARY_DIR}') == tmpfs ]]; then echo 'build tree on tmpfs'; exit 77; fi
    '$<TARGET_FILE:mapio_cli>' bench --size 8 --reps 1 --only mapio,mmap --random-reads 100 --small-files 10 --json -q \
      --dir '${CMAKE_CURRENT_BINARY_DIR}' > '${CMAKE_CURRENT_BINARY_DIR}/bench_cold.json'
    python3 - '${CMAKE_CURRENT_BINARY_DIR}/bench_cold.json' <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report['cold_note'] == '', report['cold_note']
cold = {m['method']: m for m in report['sequential'] if m['cache'] == 'cold'}
for wanted in ('mmap', 'mapio auto, 1 thread', 'mapio map, 2 threads'):
    assert wanted in cold, f'no cold run of {wanted}: {sorted(cold)}'
assert all(m['lines_agree'] for m in cold.values()), cold
assert cold['mmap']['major_faults_per_gib'] > 0, f'plain mmap took no major fault after the drop: {cold[\"mmap\"]}'
print(f'{len(cold)} cold runs agree; plain mmap {cold[\"mmap\"][\"major_faults_per_gib\"]:.0f} major faults per GiB')
PY")
# RUN_SERIAL: dropping the page cache under a test that checks residency would fail it.
set_tests_properties(cli.bench_cold PROPERTIES LABELS cli TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

# A file bench cannot measure is refused before any measurement, as every verb reports a failure:
# operation, path, errno (exit 1), and nothing else on either stream.
add_test(NAME cli.bench_refusals
  COMMAND bash -c "set -uo pipefail
    mapio='$<TARGET_FILE:mapio_cli>'; dir='${CMAKE_CURRENT_BINARY_DIR}/bench-refusals'; failed=0
    rm -rf \"$dir\"; mkdir -p \"$dir\"; : > \"$dir/empty\"
    expect() { # MESSAGE FILE
      out=$(\"$mapio\" bench -q \"$2\" 2>&1); status=$?
      if [[ $status -eq 1 && $out == \"$1\" ]]; then echo \"ok: $2\"; else
        echo \"MISMATCH for $2: exit $status: $out\"; failed=1; fi
    }
    expect \"mapio bench: open $dir/missing: No such file or directory (ENOENT)\" \"$dir/missing\"
    expect \"mapio bench: bench $dir: Is a directory (EISDIR): bench reads a regular file\" \"$dir\"
    expect 'mapio bench: bench /dev/null: Invalid argument (EINVAL): bench reads a regular file' /dev/null
    expect \"mapio bench: bench $dir/empty: Invalid argument (EINVAL): the file is empty\" \"$dir/empty\"
    exit $failed")
set_tests_properties(cli.bench_refusals PROPERTIES LABELS cli TIMEOUT 30)

# `mapio bench --ipc`, shortened: the JSON's objects, fields and types, a positive value wherever a
# transport ran and a reason wherever it could not; the table, the SVG, refusals, nothing left in
# /dev/shm. RUN_SERIAL: iceoryx's daemon is one per machine, and the processes want the cores.
add_test(NAME cli.bench_ipc COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bench_ipc.sh $<TARGET_FILE:mapio_cli>)
set_tests_properties(cli.bench_ipc PROPERTIES LABELS cli TIMEOUT 300 RUN_SERIAL TRUE)

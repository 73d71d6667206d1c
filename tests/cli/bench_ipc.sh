#!/usr/bin/env bash
# `mapio bench --ipc`, shortened: the JSON is an array with one object per transport and message
# size, every field of the right type, a positive number wherever a transport ran (and a reason
# wherever it could not); the table names every transport and checks the goals; the SVG is
# well-formed; bad arguments are refused; nothing is left in /dev/shm. A smoke test of the
# harness, not a measurement: no value is compared with a threshold.
# Usage: bench_ipc.sh PATH/TO/mapio
set -euo pipefail
mapio=$(realpath "${1:?usage: bench_ipc.sh MAPIO}")
work=$(mktemp -d "${TMPDIR:-/tmp}/mapio-bench-ipc-XXXXXX")
trap 'rm -rf "$work"' EXIT
short=(--ipc --reps 1 --scale 0.05 -q)

"$mapio" bench "${short[@]}" --json > "$work/ipc.json"
"$mapio" bench "${short[@]}" --only mapio,pipe,cache-line --plot "$work/ipc.svg" > "$work/ipc.txt"

python3 - "$work" <<'PY'
import json, sys, xml.etree.ElementTree as ET
work = sys.argv[1]
results = json.load(open(f'{work}/ipc.json'))
assert isinstance(results, list) and results, results
transports = {'mapio', 'mapio-in-place', 'pipe', 'unix-socket', 'boost-message-queue', 'iceoryx', 'cache-line'}
seen = set()
for r in results:
    assert set(r) >= {'transport', 'size', 'latency_ns', 'messages_per_s', 'available'}, r
    assert r['transport'] in transports, r
    assert isinstance(r['size'], int) and not isinstance(r['size'], bool) and r['size'] > 0, r
    assert isinstance(r['available'], bool), r
    seen.add((r['transport'], r['size']))
    if not r['available']:
        # Absent, with the reason: never a made-up number.
        assert r['latency_ns'] is None and r['messages_per_s'] is None, r
        assert isinstance(r.get('unavailable'), str) and r['unavailable'], r
        continue
    assert isinstance(r['latency_ns'], (int, float)) and r['latency_ns'] > 0, r
    if r['transport'] == 'cache-line':
        assert r['messages_per_s'] is None, r
    else:
        assert isinstance(r['messages_per_s'], (int, float)) and r['messages_per_s'] > 0, r
want = {(t, s) for t in transports for s in (64, 4096, 1 << 20)}
assert seen == want, f'missing {sorted(want - seen)}, extra {sorted(seen - want)}'
# These need nothing outside mapio and the kernel: they always run.
for r in results:
    if r['transport'] in ('mapio', 'mapio-in-place', 'pipe', 'unix-socket', 'cache-line'):
        assert r['available'], r

table = open(f'{work}/ipc.txt').read()
for word in ('mapio', 'pipe', 'cache-line', 'goals', 'latency over the cache-line floor', 'memcpy'):
    assert word in table, f'{word!r} not in the table:\n{table}'
assert 'unix-socket' not in table, '--only kept a transport it did not name'
root = ET.fromstring(open(f'{work}/ipc.svg').read())
labels = ' '.join(t.text or '' for t in root.iter('{http://www.w3.org/2000/svg}text'))
for name in ('mapio 64 B', 'pipe 1 MiB', 'cache-line 4 KiB'):
    assert name in labels, f'{name!r} not in the SVG: {labels}'
unavailable = [f"{r['transport']}: {r['unavailable']}" for r in results if not r['available'] and r['size'] == 64]
print(f'{len(results)} results; unavailable here: {unavailable or "none"}')
PY

# Refusals: usage errors (exit 2 with a message), before anything runs.
for bad in "--ipc somefile" "--ipc --csv" "--ipc --scale 0" "--ipc --scale -1"; do
  # shellcheck disable=SC2086
  status=0
  out=$("$mapio" bench $bad -q 2>&1) || status=$?
  [[ $status -eq 2 && $out == "mapio bench: "* ]] || { echo "bench $bad: exit $status, message '$out'"; exit 1; }
done

# Nothing of the run is left behind: no queue, segment or daemon state in /dev/shm.
leftovers=$(find /dev/shm -maxdepth 1 \( -name 'mapio-bench-*' -o -name 'iceoryx_*' \) -newer "$work" 2>/dev/null || true)
[[ -z $leftovers ]] || { echo "left in /dev/shm: $leftovers"; exit 1; }
echo ok

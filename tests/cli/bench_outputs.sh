#!/usr/bin/env bash
# `mapio bench` output formats on a small generated file: the CSV has its header and one row per
# method, each method's ratio is to the ceiling with as many threads as it uses; the SVG is
# well-formed XML naming every method; the JSON records the environment; and the cold-cache runs
# are skipped with a note saying why when not root. A smoke test of the reports, not a measurement.
# Usage: bench_outputs.sh PATH/TO/mapio
set -euo pipefail
mapio=$(realpath "${1:?usage: bench_outputs.sh MAPIO}")
work=$(mktemp -d "${TMPDIR:-/tmp}/mapio-bench-out-XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"  # the unprivileged run below generates its file here
small=(--size 8 --reps 1 --random-reads 200 --threads 2 -q --dir "$work")

"$mapio" bench "${small[@]}" --no-cold --json > "$work/bench.json"
"$mapio" bench "${small[@]}" --no-cold --csv --plot "$work/bench.svg" > "$work/bench.csv"
# Not root: the cold runs are skipped with a note. As root, run as nobody to see it.
if [[ $(id -u) -eq 0 ]]; then
  setpriv --reuid=65534 --regid=65534 --clear-groups "$mapio" bench "${small[@]}" --json > "$work/unprivileged.json"
else
  "$mapio" bench "${small[@]}" --json > "$work/unprivileged.json"
fi

python3 - "$work" <<'PY'
import csv, json, re, sys, xml.etree.ElementTree as ET
work = sys.argv[1]
report = json.load(open(f'{work}/bench.json'))
methods = [m['method'] for m in report['sequential']]
assert len(methods) >= 10, methods

env = report['environment']
for key in ('kernel', 'file system', 'THP enabled', 'fault_around_bytes', 'readahead', 'scan kernel'):
    assert env.get(key), f'environment lacks {key!r}: {env}'
# A number, or "unavailable" with the reason in parentheses: never a bare guess.
fault_around = env['fault_around_bytes']
assert fault_around.isdigit() or re.fullmatch(r'unavailable \(.+\)', fault_around), fault_around
assert report['cold_note'] == 'cold-cache runs skipped (--no-cold)', report['cold_note']

# CSV: the header, both ceilings, one sequential row per method (the hot runs only: --no-cold).
rows = list(csv.DictReader(open(f'{work}/bench.csv')))
header = open(f'{work}/bench.csv').readline().strip()
assert header == ('kind,method,cache,threads,median_gbps,best_gbps,ratio_to_ceiling,minor_faults_per_gib,'
                  'major_faults_per_gib,reads_per_second'), header
ceilings = {int(r['threads']): float(r['median_gbps']) for r in rows if r['kind'] == 'ceiling'}
assert set(ceilings) == {1, 2} and min(ceilings.values()) > 0, ceilings
sequential = [r for r in rows if r['kind'] == 'sequential']
assert sorted(r['method'] for r in sequential) == sorted(methods), (sequential, methods)
assert all(r['cache'] == 'hot' for r in sequential)
# Each method against the ceiling of its own thread count: the 2-thread ones against the 2-thread one.
two = {r['method'] for r in sequential if r['threads'] == '2'}
assert two == {'mapio auto, 2 threads', 'mapio map, 2 threads'}, two
for r in sequential:
    want = float(r['median_gbps']) / ceilings[int(r['threads'])]
    assert abs(float(r['ratio_to_ceiling']) - want) <= 0.002 + 0.002 * want, (r, want)
assert sum(r['kind'] == 'random4k' for r in rows) == 10, rows

# SVG: one well-formed document that names every method.
text = open(f'{work}/bench.svg').read()
assert text.startswith('<svg') and text.rstrip().endswith('</svg>'), text[:80] + ' ... ' + text[-80:]
root = ET.fromstring(text)
labels = ' '.join(t.text or '' for t in root.iter('{http://www.w3.org/2000/svg}text'))
missing = [m for m in methods if m not in labels]
assert not missing, f'methods missing from the plot: {missing}'
assert 'ceiling' in labels

unprivileged = json.load(open(f'{work}/unprivileged.json'))
assert 'needs root' in unprivileged['cold_note'], unprivileged['cold_note']
assert all(m['cache'] == 'hot' for m in unprivileged['sequential'])
print(f'{len(methods)} methods in CSV, SVG and JSON; ceilings {ceilings}; note: {unprivileged["cold_note"]}')
PY

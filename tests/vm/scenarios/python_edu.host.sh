# Python in the guest: Debian's interpreter, the part of its standard library the probe imports,
# and the mapio package from this build (an extra initramfs archive appended to the bench's), drive
# edu through mapio (python/edu_probe.py). QEMU traces every access to edu's registers
# (memory_region_ops_read/_write: address, value, size); the host then proves that mapio's write32,
# read32, read64 and write64 arrive as exactly one access of 4, 4, 8 and 8 bytes, and records what
# Python's mmap slicing, slice assignment and struct.unpack_from arrive as (widths.md in the run
# directory; docs/python.md has the table).
qemu_args=(-device edu)
expect=(python-archive uio-bound py-pci py-id py-liveness py-factorial py-bounds py-uio-irq py-uio-timeout
        py-done trace-write32 trace-read32 trace-read64 trace-write64 trace-table)
python=/usr/bin/python3

prepare() {
  python_archive python-archive "mapio, mapio.pci, mmap, struct" "$here/python/edu_probe.py" || return
  initrd=$python_initrd
  qemu_args+=(-trace "enable=memory_region_ops_*,file=$scratch/trace.log")
}

verify() {
  local table=$scratch/widths.md
  [ -f "$scratch/trace.log" ] || { host_fail trace-table "no trace from QEMU"; return; }
  # Accesses to edu's registers only, as "r|w ADDR VALUE SIZE", in order.
  sed -n "s/.*memory_region_ops_\(read\|write\) .* addr \(0x[0-9a-f]*\) value \(0x[0-9a-f]*\) size \([0-9]*\).*name 'edu-mmio'.*/\1 \2 \3 \4/p" \
    "$scratch/trace.log" | sed 's/^read/r/; s/^write/w/' >"$scratch/edu-accesses"
  "$python" - "$scratch/edu-accesses" "$log" "$table" "$results" <<'PY'
import re, sys
accesses = [line.split() for line in open(sys.argv[1])]
console = open(sys.argv[2], errors="replace").read().replace("\r", "")
names = dict(re.findall(r"^MAPIO-PROBE (\d+) (.*)$", console, re.M))
results = open(sys.argv[4], "a")
def result(name, ok, detail):
    line = f"MAPIO-RESULT {name} {'PASS' if ok else 'FAIL'} {detail}"
    results.write(line + "\n"); print("host:", line[13:])
# Split at the marker writes: a 4-byte write of 0xc0de00NN to the liveness register (offset 4).
probes, current = {}, None
for kind, addr, value, size in accesses:
    if kind == "w" and int(addr, 16) & 0xFFFFF == 0x04 and size == "4" and int(value, 16) >> 16 == 0xC0DE:
        current = int(value, 16) & 0xFFFF
        probes[current] = []
    elif current is not None:
        probes[current].append((kind, int(addr, 16) & 0xFFFFF, int(value, 16), int(size)))
def describe(n):
    got = probes.get(n, [])
    return ", ".join(f"{'read' if k == 'r' else 'write'} {s} B at {a:#x}" for k, a, v, s in got) or "nothing"
expect = {0: ("trace-write32", [("w", 0x04, 4)]), 1: ("trace-read32", [("r", 0x04, 4)]),
          2: ("trace-read64", [("r", 0x80, 8)]), 3: ("trace-write64", [("w", 0x80, 8)])}
for n, (check, want) in expect.items():
    got = [(k, a, s) for k, a, v, s in probes.get(n, [])]
    result(check, got == want, f"{names.get(str(n), '?')}: {describe(n)}")
with open(sys.argv[3], "w") as out:
    out.write("| access from Python | what edu saw (QEMU memory_region_ops trace) | accesses |\n| --- | --- | ---: |\n")
    for n in sorted(int(k) for k in names):
        out.write(f"| `{names[str(n)]}` | {describe(n)} | {len(probes.get(n, []))} |\n")
print(open(sys.argv[3]).read())
result("trace-table", len(names) >= 9 and all(n in probes for n in range(len(names))), f"{len(names)} probes")
PY
}

"""The Python half of the python_edu guest scenario: drives QEMU's edu device through the mapio
package (identification, liveness, factorial, an interrupt through UIO), then makes the accesses
whose widths the host checks in QEMU's memory_region_ops trace, each probe fenced by a marker
write (a mapio write32 of 0xC0DE0000 + n to the liveness register).

    python3 edu_probe.py BDF         (PYTHONPATH: the mapio package; edu bound to uio_pci_generic as uio0)

Prints MAPIO-RESULT lines in the guest library's format: NAME PASS|FAIL DETAIL.
"""

import mmap
import os
import struct
import sys

import mapio


def check(name, ok, detail=""):
    print(f"MAPIO-RESULT {name} {'PASS' if ok else 'FAIL'} {detail}", flush=True)


def main(bdf):
    edu = mapio.pci.device(bdf)
    check("py-pci", (edu.vendor_id, edu.device_id) == (0x1234, 0x11E8), f"{edu.vendor_id:#x}:{edu.device_id:#x}")
    bar = edu.map_bar(0)
    ident = bar.read32(0x00)
    check("py-id", ident == 0x010000ED, f"{ident:#010x}")

    bar.write32(0x04, 0x12345678)
    live = bar.read32(0x04)
    check("py-liveness", live == (~0x12345678 & 0xFFFFFFFF), f"{live:#010x}")

    bar.write32(0x08, 10)
    bar.poll_until(0x20, 0x1, 0x0, timeout=5.0, interval=0.0001)
    factorial = bar.read32(0x08)
    check("py-factorial", factorial == 3628800, str(factorial))

    try:
        bar.read32(0x100000)
        check("py-bounds", False, "an access past the BAR was made")
    except ValueError as e:
        check("py-bounds", isinstance(e, mapio.Error), str(e))

    uio = mapio.UioDevice.open(0)
    regs = uio.map(0)
    regs.write32(0x60, 0x00C0FFEE)  # raise
    count = uio.wait(timeout=5.0)
    status = regs.read32(0x24)
    regs.write32(0x64, status)  # acknowledge
    uio.enable()
    check("py-uio-irq", count == 1 and status == 0x00C0FFEE, f"count {count} status {status:#010x}")
    try:
        uio.wait(timeout=0.2)
        check("py-uio-timeout", False, "an interrupt came that nobody raised")
    except TimeoutError as e:
        check("py-uio-timeout", isinstance(e, mapio.Error), str(e))

    # The width probes. Python's own ways go through an mmap of the same resource file.
    fd = os.open(f"/sys/bus/pci/devices/{edu.address}/resource0", os.O_RDWR | os.O_SYNC)
    mm = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    probes = [
        ("mapio write32(0x04)", lambda: bar.write32(0x04, 0x0BADCAFE)),
        ("mapio read32(0x04)", lambda: bar.read32(0x04)),
        ("mapio read64(0x80)", lambda: bar.read64(0x80)),
        ("mapio write64(0x80)", lambda: bar.write64(0x80, 0x1122334455667788)),
        ("mm[0x04:0x08]", lambda: mm[0x04:0x08]),
        ("mm[0x04:0x08] = 4 bytes", lambda: mm.__setitem__(slice(0x04, 0x08), b"\x11\x22\x33\x44")),
        ("struct.unpack_from('<I', mm, 0x04)", lambda: struct.unpack_from("<I", mm, 0x04)),
        ("struct.unpack_from('<Q', mm, 0x80)", lambda: struct.unpack_from("<Q", mm, 0x80)),
        ("mm[0x80:0x88]", lambda: mm[0x80:0x88]),
    ]
    for n, (name, probe) in enumerate(probes):
        bar.write32(0x04, 0xC0DE0000 + n)
        probe()
        print(f"MAPIO-PROBE {n} {name}", flush=True)
    bar.write32(0x04, 0xC0DE0000 + len(probes))
    mm.close()
    os.close(fd)
    bar.close()
    check("py-done", True)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as e:  # a failure is a result line, not a traceback only
        check("py-done", False, f"{type(e).__name__}: {e}")
        raise

"""The Python half of the rdma guest scenario's client: mapio.rdma against the `mapio rdma serve`
processes of the other machine, over soft-RoCE.

    python3 rdma_client.py SERVER COUNTER WORD8191
        SERVER    the server machine's address
        COUNTER   the counter (offset 0 of the file served on 7471) as the shell read it last
        WORD8191  word 8191 of pattern seed 12, as vm_pattern (C++) computes it: the pattern below
                  must be the host's, not merely agree with itself

The served files (rdma.host.sh): 7471 the host's file with the counter at 0 (read, write,
atomic), 7472 a read-only file the host filled with pattern seed 12, 7474 a scratch region in the
server's memory (read, write, atomic; 49152..53247 is used by nothing else).

Prints MAPIO-RESULT lines in the guest library's format: NAME PASS|FAIL DETAIL.
"""

import struct
import sys

import mapio
import mapio.rdma
from mapio.rdma import Connection, Rights

ADD = 24  # what this script adds to the counter; the host expects it in the file after poweroff


def check(name, ok, detail=""):
    print(f"MAPIO-RESULT {name} {'PASS' if ok else 'FAIL'} {detail}", flush=True)


def pattern_word(seed, index):
    """vm_pattern's word (splitmix64 of seed and index)."""
    mask = (1 << 64) - 1
    z = (seed * 0x9E3779B97F4A7C15 + index + 1) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def pattern(seed, words):
    return b"".join(struct.pack("<Q", pattern_word(seed, i)) for i in range(words))


def first_difference(got, want):
    return next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), min(len(got), len(want)))


def read_only_file(server, word8191):
    want = pattern(12, 8192)
    if struct.unpack_from("<Q", want, 8191 * 8)[0] != word8191:
        check("py-rdma-read", False, f"this script's pattern is not vm_pattern's: word 8191 {struct.unpack_from('<Q', want, 8191 * 8)[0]:#x}, vm_pattern {word8191:#x}")
        return
    with Connection.connect(server, 7472, timeout=5.0) as remote:
        check("py-rdma-connect", remote.length == 65536 and remote.rights == Rights.read,
              f"{remote.address}: {remote.length} bytes, {remote.rights!r}")
        got = remote.read(0, 65536, timeout=10.0)
        # The buffer form: READ into memory the caller owns.
        into = bytearray(4096)
        filled = remote.read(20480, into, timeout=5.0)
        ok = isinstance(got, bytes) and got == want and filled == 4096 and into == want[20480:24576]
        check("py-rdma-read", ok,
              f"{len(got)} bytes equal to pattern 12: {got == want} (first difference at {first_difference(got, want)}); "
              f"read into a bytearray: {filled} bytes, equal: {into == want[20480:24576]}")
        # A write to a read-only server is refused before it is posted; the connection stays usable.
        try:
            remote.write(0, b"must not land")
            refused = "the write was accepted"
        except PermissionError as e:
            refused = str(e)
        again = remote.read(0, 16, timeout=5.0)
        check("py-rdma-refused", refused != "the write was accepted" and again == want[:16],
              f"{refused}; read afterwards equal: {again == want[:16]}")


def counter(server, expected):
    with Connection.connect(server, 7471, timeout=5.0) as remote:
        before = struct.unpack("<Q", remote.read(0, 8))[0]
        returned = remote.fetch_and_add(0, ADD)
        after = struct.unpack("<Q", remote.read(0, 8))[0]
        check("py-rdma-fetch-add", before == expected and returned == expected and after == expected + ADD,
              f"read {before} (expected {expected}), fetch_and_add({ADD}) returned {returned}, then read {after}")


def scratch(server):
    data = pattern(21, 512)  # 4 KiB
    with Connection.connect(server, 7474, timeout=5.0) as remote:
        remote.write(49152, data, timeout=5.0)
        back = remote.read(49152, len(data), timeout=5.0)
        check("py-rdma-write", back == data, f"4096 bytes at 49152 read back equal: {back == data}")


def main(server, expected, word8191):
    for step in (lambda: read_only_file(server, word8191), lambda: counter(server, expected), lambda: scratch(server)):
        try:
            step()
        except (mapio.Error, OSError, ValueError) as e:
            check("py-rdma-error", False, f"{type(e).__name__}: {e}")
    print("MAPIO-RESULT py-rdma-done PASS", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0))

"""Map a file read-write, read its first word, change it, and flush: the seed's first example,
with a numpy view instead of slicing (no copy) and flush() making the change durable.

    python3 write_through.py data.bin
"""

import struct
import sys

import mapio


def main(path: str) -> None:
    with mapio.MappedFile.open(path, "rw") as f:
        view = memoryview(f)
        first = f.read_safely(0, 4)  # guarded: a truncated file is an error, not SIGBUS
        print(f"{path}: {len(f)} bytes, first word {struct.unpack('<I', first)[0]:#010x}")
        view[0:4] = b"\x00\x00\x00\x00"  # writes reach the file (MAP_SHARED)
        view.release()  # close() refuses while a view is alive
        f.flush()  # msync: on disk when this returns
    with open(path, "rb") as plain:
        print(f"after flush the file starts with {plain.read(4).hex()}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data.bin")

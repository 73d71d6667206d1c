"""mapio from Python against Python's own ways, in one run, reported as ratios (docs/benchmarks.md).

1. Register reads: calls per second of Window.read32(off) against struct.unpack_from("<I", mm, off)
   on a Python mmap of the same memory (a file standing in for /dev/mem, mapped by both).
2. Counting lines of a hot file: mapio.count_lines(path) against `mapio wc -l` (the command),
   mm.count(b"\\n") on a Python mmap (Python 3.13+; before that numpy.count_nonzero over the mmap,
   16 MiB at a time), and sum(buf.count(b"\\n")) over f.readinto into a 1 MiB buffer.

    PYTHONPATH=build/release/python python3 bench/python_bench.py --cli build/release/bin/mapio \\
        [--file /tmp/mapio-python-bench.txt] [--size-mib 1024] [--rounds 5]

Each measurement is taken `rounds` times, the contenders interleaved, and the median kept.
"""

import argparse
import mmap
import os
import statistics
import struct
import subprocess
import tempfile
import time

import numpy

import mapio


def interleaved(contenders, rounds):
    """{name: median seconds}, the contenders run in turn each round."""
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def register_reads(rounds):
    calls = 1_000_000
    with tempfile.NamedTemporaryFile(dir="/dev/shm") as backing:
        backing.write(bytes(range(256)) * 16)
        backing.flush()
        window = mapio.PhysicalWindow.map(0, 4096, device=backing.name)
        fd = os.open(backing.name, os.O_RDONLY)
        mm = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
        read32 = window.read32
        unpack_from = struct.unpack_from
        offsets = [(i * 4) % 4096 for i in range(calls)]

        def with_mapio():
            for off in offsets:
                read32(off)

        def with_struct():
            for off in offsets:
                unpack_from("<I", mm, off)

        assert read32(8) == unpack_from("<I", mm, 8)[0]
        times = interleaved({"read32": with_mapio, "struct": with_struct}, rounds)
        mm.close()
        os.close(fd)
        window.close()
    return {name: calls / t for name, t in times.items()}


def ensure_file(path, size):
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    line = b"the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuv\n"  # 80 bytes
    block = line * ((1 << 20) // len(line))  # about 1 MiB of whole lines
    with open(path, "wb") as out:
        written = 0
        while written + len(block) <= size:
            out.write(block)
            written += len(block)
        out.write(b"x" * (size - written))


def count_lines_bench(path, cli, rounds):
    size = os.path.getsize(path)
    with open(path, "rb") as f:  # hot: read it once
        while f.read(1 << 24):
            pass

    def with_mapio():
        return mapio.count_lines(path)

    def with_cli():
        out = subprocess.run([cli, "wc", "-l", path], capture_output=True, text=True, check=True).stdout
        return int(out.split()[0])

    def with_mmap():
        # mmap.count arrived in Python 3.13; before it, the zero-copy way is numpy over the mmap.
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            if hasattr(mm, "count"):
                return mm.count(b"\n")
            data = numpy.frombuffer(mm, dtype=numpy.uint8)
            step = 16 << 20
            total = sum(int(numpy.count_nonzero(data[i:i + step] == 10)) for i in range(0, len(data), step))
            del data
            return total

    def with_readinto():
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        total = 0
        with open(path, "rb", buffering=0) as f:
            while (n := f.readinto(buf)) > 0:
                total += buf.count(b"\n") if n == len(buf) else bytes(view[:n]).count(b"\n")
        return total

    expected = with_mapio()
    for fn in (with_cli, with_mmap, with_readinto):
        assert fn() == expected, fn.__name__
    mmap_name = "mm.count" if hasattr(mmap.mmap, "count") else "mmap + numpy"
    times = interleaved({"mapio.count_lines": with_mapio, "mapio wc -l": with_cli, mmap_name: with_mmap,
                         "readinto + count": with_readinto}, rounds)
    return size, times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--file", default=os.path.join(tempfile.gettempdir(), "mapio-python-bench.txt"))
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    rates = register_reads(args.rounds)
    print(f"register reads, calls per second (median of {args.rounds}):")
    for name, rate in rates.items():
        print(f"  {name:10s} {rate / 1e6:7.2f} M/s")
    print(f"  read32 / struct.unpack_from speed: {rates['read32'] / rates['struct']:.2f}")

    ensure_file(args.file, args.size_mib << 20)
    size, times = count_lines_bench(args.file, args.cli, args.rounds)
    print(f"count lines of a hot {size >> 20} MiB file, {os.cpu_count()} CPUs, kernel {mapio.scan_kernel_name()}:")
    base = times["mapio.count_lines"]
    for name, t in times.items():
        print(f"  {name:18s} {t * 1e3:8.1f} ms  {size / t / 1e9:6.2f} GB/s  mapio.count_lines is {t / base:5.2f}x as fast")


if __name__ == "__main__":
    main()

"""The type stubs: mypy accepts a program that uses the API as documented and rejects misuse."""

import os
import shutil
import subprocess
import sys

import pytest

GOOD = '''
import mapio
import numpy

def lines(path: str) -> int:
    return mapio.count_lines(path, method="read") + mapio.wc(path).words

with mapio.MappedFile.open("data.bin", "rw", offset=4) as f:
    first: bytes = f.read_safely(0, 4)
    # memoryview(f) works, but mypy 1.0 knows buffers only as a fixed list of types (PEP 688's
    # __buffer__ came later): a checker there flags it, whatever the stub says.
    n: int = f.read_into(bytearray(4), 0)
    f.flush(); f.resize(8192); fd: int = f.fileno()
shm = mapio.SharedMemory.create_memfd("x", 4096)
shm.seal(mapio.Seal.shrink | mapio.Seal.grow)
seals: mapio.Seal = shm.seals
bus = mapio.SimBus(0x100)
bus.on_read(lambda offset, width: 0)
value: int = bus.read32(0) + mapio.TracingBus(bus).read64(8)
block: numpy.ndarray = bus.read_block32(0, 4)
window = mapio.PhysicalWindow.map(0x1000, 0x100, writable=True)
window.write16(2, 0xFFFF)
bar = mapio.pci.device("00:04.0").map_bar(0)
count: int = mapio.UioDevice.open(0).wait(timeout=1.0)
with mapio.Channel.open("/jobs") as jobs:
    job: bytes = jobs.receive(timeout=1.0)
    maybe: bytes | None = jobs.try_receive()
    sequence: int = jobs.send(b"done")
remote = mapio.rdma.Connection.connect("10.0.0.1", 7471, timeout=2.0)
page: bytes = remote.read(0, 4096)
filled: int = remote.read(0, bytearray(8), timeout=1.0)
remote.write(8, b"note")
old: int = remote.fetch_and_add(0, 1) + remote.compare_and_swap(0, 1, 2)
granted: mapio.rdma.Rights = remote.rights
with mapio.rdma.Server(shm, mapio.rdma.Rights.read | mapio.rdma.Rights.atomic, port=0) as server:
    peers: int = server.serve(0.2)
names: list[str] = [device.name for device in mapio.rdma.devices()]
try:
    pass
except mapio.Error as e:
    print(e.errno, e.filename, e.explanation)
'''

BAD = '''
import mapio
mapio.count_lines(3.5)
mapio.MappedFile.open("x", mode="w")
mapio.SimBus(16).read32("0")
mapio.SharedMemory.from_fd("3")
mapio.rdma.Connection.connect("10.0.0.1", "7471")
'''


def mypy(tmp_path, name, text):
    program = tmp_path / name
    program.write_text(text)
    package = os.path.join(os.environ["PYTHONPATH"], "mapio")
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
                           "--python-executable", sys.executable, str(program)],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**{k: v for k, v in os.environ.items() if k != "LD_PRELOAD"},  # mypy needs no sanitizer
                               "MYPYPATH": os.path.dirname(package)})


@pytest.mark.skipif(subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True).returncode != 0,
                    reason="mypy is not installed (Debian package mypy)")
def test_mypy_reads_the_stubs(tmp_path):
    good = mypy(tmp_path, "good.py", GOOD)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = mypy(tmp_path, "bad.py", BAD)
    assert bad.returncode == 1
    errors = [line for line in bad.stdout.splitlines() if ": error:" in line]
    assert [int(line.split(":")[1]) for line in errors] == [3, 4, 5, 6, 7], bad.stdout

"""The Python examples (examples/python/), each run as a program with its output checked."""

import os
import subprocess
import sys

from conftest import SOURCE_DIR

EXAMPLES = SOURCE_DIR / "examples" / "python"


def run(name, *args):
    return subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def test_write_through(tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"\x78\x56\x34\x12rest")
    out = run("write_through.py", data)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"{data}: 8 bytes, first word 0x12345678",
                                       "after flush the file starts with 00000000"]
    assert data.read_bytes() == b"\0\0\0\0rest"


def test_shared_counter():
    out = run("shared_counter.py", 5)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "5 children wrote [100, 200, 300, 400, 500], total 1500"


def test_pass_memfd():
    out = run("pass_memfd.py")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["child: hello, reader! (4096 bytes, seals <Seal.seal|shrink|grow: 7>)",
                                       "child: truncating is refused: Operation not permitted"]


def test_read_register_on_a_file_standing_in_for_dev_mem(tmp_path):
    memory = tmp_path / "mem"
    memory.write_bytes(bytes(0x2000))
    out = run("read_register.py", "--devmem", "0x1000", "0x10", "--device", memory, "--write", "0xabcd", "--trace")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["trace: write32 0x0010 <- 0x0000abcd", "trace: read32  0x0010 -> 0x0000abcd",
                                       f"{memory} + 0x10: 0x0000abcd"]
    assert memory.read_bytes()[0x1010:0x1014] == (0xABCD).to_bytes(4, "little")
    refused = run("read_register.py", "--devmem", "0x1000", "0x11", "--device", memory)
    assert refused.returncode == 1 and "read32" in refused.stderr and "0x11" in refused.stderr


def test_count_lines(tmp_path, text_file):
    out = run("count_lines.py", text_file, tmp_path / "missing")
    assert out.returncode == 1
    assert out.stdout == f"4 {text_file}\n"
    assert out.stderr == f"count_lines: open {tmp_path / 'missing'}: No such file or directory (ENOENT)\n"

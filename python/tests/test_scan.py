"""mapio's scanners from Python: the wc answers, on each read/map route, with the GIL released."""

import os
import shutil
import subprocess
import threading
import time

import pytest

import mapio


def gnu_wc(path):
    out = subprocess.run(["wc", "-l", "-w", "-c", str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "LC_ALL": "C"}).stdout.split()
    return tuple(int(x) for x in out[:3])


@pytest.fixture
def big_file(tmp_path):
    """A 3 MiB file: above the 1 MiB threshold where the automatic policy maps."""
    path = tmp_path / "big.txt"
    line = b"the quick brown fox jumps over the lazy dog 0123456789\n"
    with open(path, "wb") as out:
        for i in range(3 * 1024 * 1024 // len(line)):
            out.write(line if i % 7 else b"\tshort one\x00\xff\n")
        out.write(b"tail without newline")
    return path


@pytest.mark.parametrize("method", ["auto", "map", "read"])
def test_counts_equal_gnu_wc_on_every_route(big_file, text_file, tmp_path, method):
    empty = tmp_path / "empty"
    empty.touch()
    for path in (big_file, text_file, empty):
        lines, words, nbytes = gnu_wc(path)
        assert mapio.count_lines(path, method=method) == lines
        assert mapio.count_words(path, method=method) == words
        assert tuple(mapio.wc(path, method=method)) == (lines, words, nbytes)
        data = path.read_bytes()
        assert mapio.count_byte(path, 0, method=method) == data.count(b"\0")
        assert mapio.count_byte(path, ord("o"), method=method, threads=1) == data.count(b"o")


def test_matching_lines_equal_grep(big_file):
    grep = subprocess.run(["grep", "-c", "-F", "-a", "fox", str(big_file)], capture_output=True, text=True)
    assert mapio.count_matching_lines(big_file, b"fox") == int(grep.stdout)
    # Two patterns: every line ending in a newline holds one of them (NUL ends a line, as in GNU
    # grep's binary mode, so "\tshort one" counts and the "\xff" after its NUL does not); the
    # unterminated tail holds neither.
    assert mapio.count_matching_lines(big_file, b"fox\nshort") == big_file.read_bytes().count(b"\n")


def test_path_like_and_missing_files(text_file, tmp_path):
    assert mapio.count_lines(str(text_file)) == mapio.count_lines(text_file) == 4
    with pytest.raises(FileNotFoundError) as caught:
        mapio.count_lines(tmp_path / "nothing")
    assert isinstance(caught.value, mapio.Error)
    with pytest.raises(IsADirectoryError):
        mapio.count_lines(tmp_path)
    with pytest.raises(ValueError):
        mapio.count_byte(text_file, 256)


def test_the_gil_is_free_while_a_scan_runs(tmp_path):
    """A scan that waits 0.5 s for its input (a FIFO whose writer starts late); another Python
    thread must keep running meanwhile, which it cannot while the scan holds the GIL."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"sleep 0.5; yes line | head -n 1000 > '{fifo}'"])
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    start = time.monotonic()
    lines = mapio.count_lines(fifo)
    end = time.monotonic()
    stop.set()
    ticker.join()
    writer.wait()
    assert lines == 1000
    assert end - start >= 0.4
    during = [t for t in ticks if start + 0.1 < t < end - 0.1]
    assert len(during) >= 20, f"the other thread ticked {len(during)} times during the scan"


def test_a_mapping_count_also_releases_the_gil(tmp_path):
    path = tmp_path / "zeros.bin"
    with open(path, "wb") as out:
        out.truncate(64 << 20)
    with mapio.MappedFile.open(path) as f:
        assert f.count(0) == 64 << 20

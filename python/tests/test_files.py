"""MappedFile: zero-copy views, BufferError on close, guarded reads that survive truncation."""

import errno
import mmap
import os
import random
import signal
import time

import numpy
import pytest

import mapio

PAGE = mmap.PAGESIZE


def test_a_write_through_a_numpy_view_is_in_the_file_after_flush(tmp_path):
    path = tmp_path / "words.bin"
    with mapio.MappedFile.create(path, 4096) as f:
        assert f.mode == "rw" and f.writable
        words = numpy.frombuffer(f, dtype=numpy.uint32)
        assert words.flags.writeable and len(words) == 1024
        words[0] = 0x11223344
        words[1023] = 0xCAFEF00D
        del words
        f.flush()
        with open(path, "rb") as plain:  # an independent reader: read(2), not the mapping
            data = plain.read()
    assert data[:4] == (0x11223344).to_bytes(4, "little")
    assert data[-4:] == (0xCAFEF00D).to_bytes(4, "little")


def test_a_view_is_the_mapping_not_a_copy(tmp_path):
    path = tmp_path / "shared.bin"
    path.write_bytes(bytes(8192))
    with mapio.MappedFile.open(path, "rw") as f:
        view = memoryview(f)
        with open(path, "r+b") as plain:
            plain.seek(5000)
            plain.write(b"seen")  # the page cache is the mapping: the view shows it at once
        assert bytes(view[5000:5004]) == b"seen"
        view.release()


def test_read_only_mode_gives_read_only_views(text_file):
    with mapio.MappedFile.open(text_file) as f:
        view = memoryview(f)
        assert view.readonly and not f.writable
        with pytest.raises(TypeError):
            view[0] = 0
        assert not numpy.frombuffer(f, dtype=numpy.uint8).flags.writeable
        assert bytes(view) == text_file.read_bytes()
        view.release()


def test_copy_on_write_stays_in_the_process(text_file):
    before = text_file.read_bytes()
    with mapio.MappedFile.open(text_file, "cow") as f:
        view = memoryview(f)
        view[0:5] = b"OMEGA"
        assert bytes(view[0:5]) == b"OMEGA"
        view.release()
        f.flush()
    assert text_file.read_bytes() == before


def test_close_with_a_live_view_is_a_buffer_error_and_the_view_stays_valid(text_file):
    f = mapio.MappedFile.open(text_file)
    view = memoryview(f)
    with pytest.raises(BufferError):
        f.close()
    assert bytes(view[:5]) == b"alpha"  # still mapped: nothing dangles
    array = numpy.frombuffer(f, dtype=numpy.uint8)
    view.release()
    with pytest.raises(BufferError):
        f.close()
    del array
    f.close()
    assert f.closed
    f.close()  # twice is fine
    with pytest.raises(ValueError):
        memoryview(f)
    with pytest.raises(ValueError):
        f.read_safely(0, 1)


def test_resize_grows_the_file_and_keeps_its_bytes_but_not_under_a_view(tmp_path):
    path = tmp_path / "grow.bin"
    f = mapio.MappedFile.create(path, 10)
    memoryview(f)[:] = b"0123456789"
    view = memoryview(f)
    with pytest.raises(BufferError):
        f.resize(3 * PAGE)
    view.release()
    f.resize(3 * PAGE)
    assert len(f) == 3 * PAGE and os.path.getsize(path) == 3 * PAGE and f.file_size() == 3 * PAGE
    assert f.read_safely(0, 10) == b"0123456789"
    f.close()


def test_any_offset_and_length(tmp_path):
    path = tmp_path / "data.bin"
    data = bytes(random.Random(1).randrange(256) for _ in range(3 * PAGE))
    path.write_bytes(data)
    with mapio.MappedFile.open(path, offset=PAGE + 1, length=100) as f:
        assert len(f) == 100 and f.offset == PAGE + 1
        assert bytes(memoryview(f)) == data[PAGE + 1:PAGE + 101]


def test_an_empty_file_is_an_empty_mapping(tmp_path):
    path = tmp_path / "empty"
    path.touch()
    with mapio.MappedFile.open(path) as f:
        assert len(f) == 0
        assert bytes(memoryview(f)) == b""
        assert f.read_safely(0, 0) == b""


def test_fileno_is_the_mapped_file(text_file):
    with mapio.MappedFile.open(text_file) as f:
        assert os.fstat(f.fileno()).st_ino == os.stat(text_file).st_ino


def test_read_into_count_advise_residency(tmp_path):
    path = tmp_path / "bytes.bin"
    data = bytes(range(256)) * 64 + b"\n" * 7
    path.write_bytes(data)
    with mapio.MappedFile.open(path) as f:
        target = bytearray(300)
        assert f.read_into(target, 10) == 300 and bytes(target) == data[10:310]
        words = numpy.zeros(4, dtype=numpy.uint32)
        f.read_into(words, 4)
        assert words.tobytes() == data[4:20]
        assert f.count(ord("\n")) == data.count(b"\n")
        assert f.count(0, offset=256, length=512) == 2
        f.advise(mapio.Advice.sequential)
        f.populate()
        pages = f.residency()
        assert len(pages) == (len(data) + PAGE - 1) // PAGE and all(pages)
        with pytest.raises(ValueError) as caught:
            f.read_safely(len(data) - 1, 2)
        assert caught.value.errno == errno.ERANGE


def _child_status(pid):
    _, status = os.waitpid(pid, 0)
    return status


def test_a_raw_view_of_a_truncated_file_dies_by_sigbus(tmp_path):
    # The hazard the guarded calls exist for: shown in a child, which dies as Python's mmap would.
    path = tmp_path / "victim.bin"
    path.write_bytes(b"x" * (4 * PAGE))
    f = mapio.MappedFile.open(path)
    pid = os.fork()
    if pid == 0:
        os.truncate(path, 0)
        bytes(memoryview(f)[3 * PAGE:3 * PAGE + 1])
        os._exit(0)
    status = _child_status(pid)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGBUS
    f.close()


def test_read_safely_survives_another_process_truncating_the_file(tmp_path):
    """1,000 trials: a child truncates the file at a random moment while this process reads it
    with read_safely; every read is whole or a mapio.Error (EFAULT), and this process lives."""
    size = 16 * PAGE
    path = tmp_path / "shrinking.bin"
    content = bytes(random.Random(7).randrange(256) for _ in range(size))
    rng = random.Random(16)
    whole = faulted = 0
    for trial in range(1000):
        path.write_bytes(content)
        f = mapio.MappedFile.open(path)
        delay = rng.random() * 0.0005
        keep = rng.randrange(0, size - PAGE)
        pid = os.fork()
        if pid == 0:
            time.sleep(delay)
            os.truncate(path, keep)
            os._exit(0)
        # Read until the truncation has surely happened: child gone, and one read after that.
        child_done = False
        while True:
            try:
                data = f.read_safely(0, size)
                assert data == content
                whole += 1
            except mapio.Error as e:
                assert e.errno == errno.EFAULT, str(e)
                assert "shrinking.bin" in str(e)
                faulted += 1
                if child_done:
                    break
            if not child_done and os.waitpid(pid, os.WNOHANG) != (0, 0):
                child_done = True
        f.close()
    # Every trial ended in an error after the truncation, and reads before it were whole.
    assert faulted >= 1000 and whole > 0


def test_refresh_follows_a_log_another_process_appends_to_and_survives_its_rotation(tmp_path):
    path = tmp_path / "app.log"
    path.write_bytes(b"first line\n")
    log = mapio.MappedFile.open(path)
    seen = len(log)
    assert log.read_safely(0, seen) == b"first line\n"
    pid = os.fork()
    if pid == 0:  # the writer: another process appending lines
        with open(path, "ab") as out:
            for n in range(3):
                out.write(b"line %d\n" % n)
                out.flush()
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    log.refresh()
    assert log.read_safely(seen, len(log) - seen) == b"line 0\nline 1\nline 2\n"
    # The log is rotated (cut to nothing, then written anew): no SIGBUS, a shorter mapping.
    os.truncate(path, 0)
    log.refresh()
    assert len(log) == 0
    path.write_bytes(b"after rotation\n")
    log.refresh()
    assert log.read_safely(0, len(log)) == b"after rotation\n"
    view = memoryview(log)
    with pytest.raises(BufferError):
        log.refresh()
    view.release()
    log.close()


def test_sync_is_callable_in_every_mode(tmp_path):
    path = tmp_path / "journal.bin"
    with mapio.MappedFile.create(path, 4096) as f:
        memoryview(f)[:5] = b"saved"
        f.sync()
    assert path.read_bytes()[:5] == b"saved"

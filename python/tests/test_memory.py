"""SharedMemory and anonymous memory: seals, fork, descriptors passed over a UNIX socket."""

import errno
import os
import socket
import struct

import pytest

import mapio
from conftest import run_python


def test_seal_names_and_values():
    assert {s.name for s in mapio.Seal} == {"seal", "shrink", "grow", "write", "future_write"}
    both = mapio.Seal.shrink | mapio.Seal.grow
    assert isinstance(both, mapio.Seal) and mapio.Seal.shrink in both and mapio.Seal.write not in both


def test_a_sealed_memfd_refuses_ftruncate_and_resize():
    shm = mapio.SharedMemory.create_memfd("sealed", 8192)
    memoryview(shm)[:5] = b"hello"
    shm.seal(mapio.Seal.shrink | mapio.Seal.grow)
    assert shm.seals == mapio.Seal.shrink | mapio.Seal.grow
    with pytest.raises(PermissionError):
        os.ftruncate(shm.fileno(), 0)
    with pytest.raises(PermissionError) as caught:
        shm.resize(4096)
    assert isinstance(caught.value, mapio.Error)
    assert os.fstat(shm.fileno()).st_size == 8192
    shm.seal(mapio.Seal.seal)
    with pytest.raises(PermissionError):
        shm.seal(mapio.Seal.write)
    assert shm.read_safely(0, 5) == b"hello"
    shm.close()


def test_resize_of_an_unsealed_memfd():
    shm = mapio.SharedMemory.create_memfd("grows", 4096)
    shm.resize(3 * 4096)
    assert len(shm) == 3 * 4096 and os.fstat(shm.fileno()).st_size == 3 * 4096
    shm.close()


def test_a_fork_shared_counter():
    memory = mapio.Memory.anonymous(4096)  # shared by default: one memory across fork
    counter = memoryview(memory).cast("Q")
    children = []
    for i in range(4):
        pid = os.fork()
        if pid == 0:
            counter[1 + i] = 1000 + i  # each child its own slot: no lost updates to argue about
            os._exit(0)
        children.append(pid)
    for pid in children:
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert list(counter[1:5]) == [1000, 1001, 1002, 1003]
    counter.release()
    private = mapio.Memory.anonymous(4096, shared=False)
    pid = os.fork()
    if pid == 0:
        memoryview(private)[0] = 9
        os._exit(0)
    os.waitpid(pid, 0)
    assert private.read_safely(0, 1) == b"\0"


def test_a_memfd_passes_to_another_python_process_over_a_unix_socket():
    shm = mapio.SharedMemory.create_memfd("passed", 4096)
    memoryview(shm)[:6] = b"parent"
    shm.seal(mapio.Seal.shrink)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    child = r"""
import socket, sys, mapio
sock = socket.socket(fileno=int(sys.argv[1]))
_, fds, _, _ = socket.recv_fds(sock, 16, 1)
shm = mapio.SharedMemory.from_fd(fds[0])
print(shm.read_safely(0, 6).decode(), len(shm), int(shm.seals))
memoryview(shm)[8:13] = b"child"
sock.sendall(b"done")
"""
    import subprocess, sys
    proc = subprocess.Popen([sys.executable, "-c", child, str(theirs.fileno())], pass_fds=[theirs.fileno()],
                            stdout=subprocess.PIPE, text=True)
    theirs.close()
    socket.send_fds(ours, [b"fd"], [shm.fileno()])
    assert ours.recv(4) == b"done"
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert out.split() == ["parent", "4096", str(int(mapio.Seal.shrink))]
    assert shm.read_safely(8, 5) == b"child"
    shm.close()


def test_posix_shm_read_only_handle_cannot_write_resize_or_truncate():
    name = f"/mapio-test-ro-{os.getpid()}"
    writer = mapio.SharedMemory.create(name, 4096)
    try:
        memoryview(writer)[:4] = b"data"
        reader = mapio.SharedMemory.open(name, read_only=True)
        assert not reader.writable and memoryview(reader).readonly
        assert reader.read_safely(0, 4) == b"data"
        with pytest.raises(TypeError):
            memoryview(reader)[0] = 1
        with pytest.raises(mapio.Error):
            reader.resize(8192)
        with pytest.raises(OSError):
            os.ftruncate(reader.fileno(), 0)
        assert len(writer) == 4096 and os.fstat(writer.fileno()).st_size == 4096
        reader.close()
        other = run_python(f"import mapio; s = mapio.SharedMemory.open({name!r}); print(s.read_safely(0, 4))")
        assert other.stdout.strip() == "b'data'", other.stderr
    finally:
        mapio.SharedMemory.unlink(name)
        writer.close()
    with pytest.raises(FileNotFoundError):
        mapio.SharedMemory.open(name)


def test_from_fd_of_a_closed_descriptor_is_an_error():
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(mapio.Error) as caught:
        mapio.SharedMemory.from_fd(r)
    assert caught.value.errno == errno.EBADF

"""Share a sealed memfd with another process over a UNIX socket: the receiver maps it and can
trust that it will not shrink under it (no SIGBUS), because the sender sealed it.

    python3 pass_memfd.py
"""

import os
import socket

import mapio


def main() -> None:
    blob = mapio.SharedMemory.create_memfd("greeting", 4096)
    memoryview(blob)[:14] = b"hello, reader!"
    blob.seal(mapio.Seal.shrink | mapio.Seal.grow | mapio.Seal.seal)
    parent, child = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        parent.close()
        _, fds, _, _ = socket.recv_fds(child, 16, 1)
        received = mapio.SharedMemory.from_fd(fds[0])
        os.close(fds[0])  # mapio keeps its own duplicate
        print(f"child: {received.read_safely(0, 14).decode()} ({len(received)} bytes, seals {received.seals!r})")
        try:
            os.ftruncate(received.fileno(), 0)
        except PermissionError as e:
            print(f"child: truncating is refused: {e.strerror}")
        os._exit(0)
    child.close()
    socket.send_fds(parent, [b"memfd"], [blob.fileno()])
    os.waitpid(pid, 0)
    blob.close()


if __name__ == "__main__":
    main()

"""RDMA: serve a buffer to other machines, and read, write and update served regions from them.

    remote = mapio.rdma.Connection.connect("10.0.0.1", 7471, timeout=2.0)
    page = remote.read(8192, 4096)              # 4 KiB at offset 8192 of the served region
    before = remote.fetch_and_add(0, 1)         # an 8-byte counter at offset 0

    memory = mapio.Memory.anonymous(4096)
    with mapio.rdma.Server(memory, Rights.read | Rights.write | Rights.atomic, port=7471) as server:
        while running:
            server.serve(0.2)

Present when mapio was built with rdma-core (libibverbs, librdmacm); otherwise importing this
module raises ImportError saying so. See docs/rdma.md.
"""

import enum as _enum

from . import _mapio

if not hasattr(_mapio, "rdma"):
    raise ImportError(
        "mapio.rdma is not available: this mapio was built without rdma-core (libibverbs and librdmacm "
        "were not found when it was built; install libibverbs-dev and librdmacm-dev and build it again)",
        name=__name__)

_rdma = _mapio.rdma

Rights = _enum.IntFlag("Rights", dict(_rdma._RIGHTS_VALUES), module=__name__)
Rights.__doc__ = """What a peer may do to a served region (IBV_ACCESS_REMOTE_*): read, write, atomic, combined with |."""

Connection = _rdma.Connection
Server = _rdma.Server
Device = _rdma.Device
Port = _rdma.Port
devices = _rdma.devices

__all__ = ["Connection", "Device", "Port", "Rights", "Server", "devices"]

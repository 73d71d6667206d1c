"""mapio for Python: files, shared memory and device registers with mapio's guarantees.

- ``MappedFile``: a file mapped into memory, lent to memoryview/numpy without a copy, with guarded
  reads (``read_safely``, ``read_into``, ``count``) that turn a truncated file into an error
  instead of a SIGBUS.
- ``count_lines``, ``count_byte``, ``count_words``, ``wc``, ``count_matching_lines``: mapio's
  scanners, run in C++ with the GIL released.
- ``SharedMemory`` (memfd with seals, POSIX shm) and ``Memory.anonymous`` (shared across fork).
- ``Channel``: messages between processes through shared memory; a dead peer is an error
  (``BrokenPipeError``), never a wait.
- ``PhysicalWindow``, ``pci``, ``UioDevice``: device memory whose ``read8..read64`` and
  ``write8..write64`` are exactly one access of exactly that width; ``SimBus`` and ``TracingBus``
  to test and log a driver without hardware.
- ``mapio.rdma``: serve a buffer to other machines and read, write and update it from them over
  RDMA (where mapio was built with rdma-core; imported on first use).
- ``Error``: every failure, an ``OSError`` raised as the matching subclass.

See docs/python.md.
"""

from __future__ import annotations

import enum as _enum

from . import _mapio
from ._errors import Error
from ._mapio import (
    Advice,
    Channel,
    MappedFile,
    Memory,
    PhysicalWindow,
    SharedMemory,
    SimBus,
    TraceEvent,
    TracingBus,
    UioDevice,
    WcCounts,
    Window,
    count_byte,
    count_lines,
    count_matching_lines,
    count_words,
    evict_from_page_cache,
    scan_kernel_name,
    wc,
)
from . import pci

Seal = _enum.IntFlag("Seal", dict(_mapio._SEAL_VALUES), module=__name__)
Seal.__doc__ = """memfd seals (F_ADD_SEALS), combined with |: shrink, grow, write, future_write, seal."""


def __getattr__(name: str):
    # mapio.rdma is imported on first use: it exists only where mapio was built with rdma-core (and
    # then says why not on import), and the rest of the package must import either way.
    if name == "rdma":
        import importlib
        return importlib.import_module(".rdma", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Advice", "Channel", "Error", "MappedFile", "Memory", "PhysicalWindow", "Seal", "SharedMemory", "SimBus",
    "TraceEvent", "TracingBus", "UioDevice", "WcCounts", "Window", "count_byte", "count_lines",
    "count_matching_lines", "count_words", "evict_from_page_cache", "pci", "scan_kernel_name", "wc",
]

"""Register access from Python: exact widths, checks before any access, SimBus and TracingBus."""

import errno

import numpy
import pytest

import mapio


def test_simbus_is_plain_memory_at_each_width():
    bus = mapio.SimBus(0x100, "dev")
    assert bus.size == 0x100 and bus.name == "dev"
    bus.write64(0x08, 0x1122334455667788)
    assert bus.read64(0x08) == 0x1122334455667788
    assert bus.read32(0x08) == 0x55667788 and bus.read32(0x0C) == 0x11223344
    assert bus.read16(0x0A) == 0x5566 and bus.read8(0x0F) == 0x11
    bus.write8(0x10, 0xAB)
    bus.write16(0x12, 0xCDEF)
    bus.write32(0x14, 0xDEADBEEF)
    assert bus.read32(0x10) == 0xCDEF00AB and bus.read32(0x14) == 0xDEADBEEF
    assert bus.read(0x14, 32) == 0xDEADBEEF
    bus.write(0x18, 16, 0x1234)
    assert bus.stored(0x18, 16) == 0x1234
    assert bus.counts == {"reads": 8, "writes": 5, "relaxed": 0}


def test_handlers_see_one_access_of_the_asked_width():
    bus = mapio.SimBus(0x100, "regs")
    seen = []
    bus.on_read(lambda offset, width: seen.append(("r", offset, width)) or 0x1234_5678_9ABC_DEF0 >> (64 - width))
    bus.on_write(lambda offset, width, value: seen.append(("w", offset, width, value)))
    assert bus.read8(1) == 0x12 and bus.read16(2) == 0x1234 and bus.read32(4) == 0x12345678
    assert bus.read64(8) == 0x123456789ABCDEF0
    bus.write32_relaxed(0x20, 5)
    bus.write64(0x28, 2**64 - 1)
    assert seen == [("r", 1, 8), ("r", 2, 16), ("r", 4, 32), ("r", 8, 64),
                    ("w", 0x20, 32, 5), ("w", 0x28, 64, 2**64 - 1)]
    assert bus.counts["relaxed"] == 1
    bus.on_read(lambda offset, width: 1 << width)  # does not fit: the handler's mistake is a ValueError
    with pytest.raises(ValueError):
        bus.read8(0)
    bus.on_read(None)
    assert bus.read32(0x20) == 0  # back to memory; the handled write never reached the store


def test_bad_offsets_and_values_raise_before_any_access():
    bus = mapio.SimBus(0x40, "small")
    calls = []
    bus.on_read(lambda offset, width: calls.append(offset) or 0)
    for bad in (lambda: bus.read32(0x40), lambda: bus.read64(0x3C), lambda: bus.read32(2), lambda: bus.read16(1)):
        with pytest.raises(ValueError) as caught:
            bad()
        assert isinstance(caught.value, mapio.Error)
        assert caught.value.errno in (errno.ERANGE, errno.EINVAL)
        assert "small" in str(caught.value)
    assert calls == []
    with pytest.raises(ValueError):
        bus.write8(0, 256)
    with pytest.raises(ValueError):
        bus.write32(0, -1)
    with pytest.raises(TypeError):
        bus.write32(0, 1.5)
    with pytest.raises(ValueError):
        bus.read(0, 12)


def test_an_exception_in_a_handler_reaches_the_caller():
    bus = mapio.SimBus(0x10)

    def broken(offset, width):
        raise RuntimeError("device on fire")

    bus.on_read(broken)
    with pytest.raises(RuntimeError, match="device on fire"):
        bus.read32(0)


def test_no_store_reads_all_ones():
    bus = mapio.SimBus(0x10, store=False)
    assert bus.read32(0) == 0xFFFFFFFF and bus.read64(8) == 2**64 - 1
    bus.write32(0, 1)  # dropped


def test_read_block32_is_a_numpy_array_of_single_reads():
    bus = mapio.SimBus(0x40)
    for i in range(8):
        bus.write32(4 * i, i * 0x01010101)
    offsets = []
    bus.on_read(lambda offset, width: offsets.append((offset, width)) or bus.stored(offset, width))
    block = bus.read_block32(4, 5)
    assert block.dtype == numpy.uint32 and list(block) == [i * 0x01010101 for i in range(1, 6)]
    assert offsets == [(4 * i, 32) for i in range(1, 6)]
    with pytest.raises(ValueError):
        bus.read_block32(0x30, 5)


def test_poll_until_returns_the_word_or_times_out_naming_it():
    bus = mapio.SimBus(0x20, "edu")
    reads = []

    def status(offset, width):
        reads.append(offset)
        return 0x1 if len(reads) < 5 else 0x0  # busy for four reads

    bus.on_read(status)
    assert bus.poll_until(0x20 - 4, 0x1, 0x0, timeout=1.0) == 0
    assert len(reads) == 5
    bus.on_read(lambda offset, width: 0x1)
    with pytest.raises(TimeoutError) as caught:
        bus.poll_until(0x1C, 0x1, 0x0, timeout=0.01, interval=0.001)
    assert isinstance(caught.value, mapio.Error) and caught.value.errno == errno.ETIMEDOUT
    assert "edu + 0x1c" in str(caught.value)


def test_tracing_bus_logs_each_access_that_took_place():
    sim = mapio.SimBus(0x100, "edu")
    traced = mapio.TracingBus(sim)
    traced.write32(0x04, 0x12345678)
    assert traced.read32(0x04) == 0x12345678
    traced.write64_relaxed(0x80, 0x1000)
    with pytest.raises(ValueError):
        traced.read32(0x100)  # refused: leaves no line
    assert [str(e) for e in traced.events] == [
        "write32 0x0004 <- 0x12345678",
        "read32  0x0004 -> 0x12345678",
        "write64 0x0080 <- 0x0000000000001000 (relaxed)",
    ]
    first = traced.events[0]
    assert (first.bus, first.offset, first.width, first.value, first.write, first.relaxed) == (
        "edu", 4, 32, 0x12345678, True, False)
    lines = []
    sinked = mapio.TracingBus(sim, lambda e: lines.append(str(e)))
    sinked.read8(0x04)
    assert lines == ["read8   0x0004 -> 0x78"] and list(sinked.events) == []
    with pytest.raises(TypeError):
        mapio.TracingBus(object())


def test_a_physical_window_over_a_file_reads_and_writes_exact_words(tmp_path):
    memory = tmp_path / "mem"
    memory.write_bytes(bytes(range(256)) * 32)
    window = mapio.PhysicalWindow.map(0x1000, 0x100, device=memory)
    assert window.address == 0x1000 and window.size == 0x100 and not window.writable
    assert window.read32(0) == 0x03020100 and window.read64(8) == 0x0F0E0D0C0B0A0908
    with pytest.raises(PermissionError) as caught:
        window.write32(0, 1)
    assert caught.value.errno == errno.EACCES
    with pytest.raises(ValueError):
        window.read32(0x100)
    with pytest.raises(ValueError):
        window.read64(4)
    for bad in (lambda: window.read32(-4), lambda: window.read8(2**64)):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(TypeError):
        window.read32("0")
    with pytest.raises(TypeError):
        window.read32()
    window.close()
    with pytest.raises(ValueError):
        window.read32(0)
    rw = mapio.PhysicalWindow.map(0x1000, 0x100, True, device=memory)
    traced = mapio.TracingBus(rw)
    traced.write32(0x10, 0xFEEDFACE)
    with pytest.raises(ValueError):
        rw.write16(0x20, 0x10000)
    with pytest.raises(ValueError):
        rw.write8(0x20, -1)
    rw.write64(0x18, 2**64 - 1)
    assert rw.read64(0x18) == 2**64 - 1 and rw.read16(0x1E) == 0xFFFF
    with pytest.raises(BufferError):
        rw.close()  # the tracer still uses it
    del traced
    rw.close()
    assert memory.read_bytes()[0x1010:0x1014] == (0xFEEDFACE).to_bytes(4, "little")


def test_windows_are_not_buffers(tmp_path):
    memory = tmp_path / "mem"
    memory.write_bytes(bytes(4096))
    window = mapio.PhysicalWindow.map(0, 4096, device=memory)
    with pytest.raises(TypeError):
        memoryview(window)


def test_register_descriptions_enforce_access_and_fields_at_call_time():
    from mapio.registers import Field, Register, RegisterMap

    sim = mapio.SimBus(0x100, "edu")
    traced = mapio.TracingBus(sim)
    status = Register("status", 0x20, 32, "ro", fields=[Field("busy", 0), Field("irq", 7)])
    control = Register("control", 0x24, 32, "rw", fields=[Field("enable", 0), Field("mode", 4, 2)])
    doorbell = Register("doorbell", 0x28, 16, "wo")
    regs = RegisterMap(traced, [status, control, doorbell])
    sim.store_value(0x20, 32, 0x81)
    assert regs.status.read() == 0x81 and regs.status.read("busy") is True and regs["status"].read("irq") is True
    regs.control.write(enable=True, mode=3)
    regs.control.modify(mode=1)
    assert sim.stored(0x24, 32) == 0x11
    regs.doorbell.write(0xFFFF)
    assert [str(e) for e in traced.events] == [
        "read32  0x0020 -> 0x00000081", "read32  0x0020 -> 0x00000081", "read32  0x0020 -> 0x00000081",
        "write32 0x0024 <- 0x00000031", "read32  0x0024 -> 0x00000031", "write32 0x0024 <- 0x00000011",
        "write16 0x0028 <- 0xffff"]
    for refused in (lambda: regs.status.write(0), lambda: regs.doorbell.read(), lambda: regs.status.modify(busy=0)):
        with pytest.raises(PermissionError) as caught:
            refused()
        assert isinstance(caught.value, mapio.Error) and caught.value.errno == errno.EACCES
    assert len(traced.events) == 7  # refused before the bus was touched
    with pytest.raises(ValueError):
        regs.control.write(mode=4)  # 2 bits
    with pytest.raises(ValueError):
        regs.control.read("busy")  # status's field, not control's
    with pytest.raises(ValueError) as caught:
        RegisterMap(sim, [Register("far", 0x100, 32)])
    assert caught.value.errno == errno.ERANGE and "far" in str(caught.value)
    with pytest.raises(ValueError):
        Register("odd", 0x22, 32)
    with pytest.raises(TimeoutError):
        regs.status.poll_until(busy=False, timeout=0.01)
    sim.store_value(0x20, 32, 0)
    assert regs.status.poll_until(busy=False, timeout=0.01) == 0

"""mapio.rdma from Python on a machine without an RDMA device (this one; transfers run in the QEMU
guests, tests/vm/scenarios/rdma.*.sh): every call says so in an OSError naming what it tried, and
arguments are checked before any device is asked."""

import errno
import os

import pytest

import mapio
from conftest import run_python

try:
    import mapio.rdma as rdma
except ImportError as missing:
    # A build without rdma-core: importing says so, and that is all there is to test.
    assert "this mapio was built without rdma-core" in str(missing), str(missing)
    pytest.skip(f"mapio was built without rdma-core: {missing}", allow_module_level=True)
Rights = rdma.Rights


def sysfs_devices():
    try:
        return sorted(os.listdir("/sys/class/infiniband"))
    except FileNotFoundError:
        return []


without_devices = pytest.mark.skipif(bool(sysfs_devices()), reason="this machine has RDMA devices")


def test_devices_are_what_sysfs_lists():
    found = rdma.devices()
    assert isinstance(found, list)
    assert sorted(d.name for d in found) == sysfs_devices()
    for device in found:
        assert all(port.state and port.link_layer for port in device.ports)


def test_rights_combine_as_flags():
    both = Rights.read | Rights.atomic
    assert (int(Rights.read), int(Rights.write), int(Rights.atomic)) == (1, 2, 4)
    assert Rights.atomic in both and Rights.write not in both
    assert mapio.rdma is rdma


@without_devices
def test_connecting_without_a_device_names_the_step_and_the_address():
    with pytest.raises(mapio.Error) as caught:
        rdma.Connection.connect("127.0.0.1", 7471, timeout=0.5)
    e = caught.value
    assert isinstance(e, OSError)
    assert e.errno == errno.ENODEV, str(e)
    assert e.filename == "rdma 127.0.0.1:7471"
    assert e.operation.startswith("rdma_")  # the rdmacm call that found no device
    assert str(e).startswith(f"{e.operation} rdma 127.0.0.1:7471: No such device (ENODEV)")


def test_an_unknown_host_is_named():
    with pytest.raises(mapio.Error) as caught:
        rdma.Connection.connect("no-such-host.invalid", 7999, timeout=0.5)
    assert caught.value.errno == errno.EHOSTUNREACH
    assert caught.value.filename == "rdma no-such-host.invalid:7999"


@without_devices
def test_serving_without_a_device_names_the_address_and_lets_go_of_the_memory():
    memory = mapio.Memory.anonymous(4096)
    with pytest.raises(mapio.Error) as caught:
        rdma.Server(memory, Rights.read | Rights.write | Rights.atomic, port=7999)
    e = caught.value
    assert e.errno == errno.ENODEV, str(e)
    assert e.filename == "rdma server 0.0.0.0:7999"
    assert "(ENODEV)" in str(e)
    memory.close()  # a BufferError here would mean the failed Server still holds the memory


@without_devices
def test_serving_a_file_read_only_without_a_device(tmp_path):
    path = tmp_path / "table.bin"
    path.write_bytes(bytes(8192))
    with mapio.MappedFile.open(path) as table:
        with pytest.raises(mapio.Error) as caught:
            rdma.Server(table, address="127.0.0.1", port=7998)
        assert caught.value.errno == errno.ENODEV
        assert caught.value.filename == "rdma server 127.0.0.1:7998"


def test_a_read_only_buffer_is_served_for_reading_only(tmp_path):
    path = tmp_path / "table.bin"
    path.write_bytes(bytes(4096))
    with mapio.MappedFile.open(path) as table:
        for region in (table, b"immutable bytes"):
            with pytest.raises(PermissionError) as caught:
                rdma.Server(region, Rights.read | Rights.write)
            e = caught.value
            assert isinstance(e, mapio.Error) and e.errno == errno.EACCES
            assert e.operation == "rdma serve" and "served with Rights.read only" in str(e)


def test_no_rights_is_an_invalid_argument():
    with pytest.raises(ValueError) as caught:
        rdma.Server(bytearray(4096), Rights.none)
    assert isinstance(caught.value, mapio.Error) and caught.value.errno == errno.EINVAL
    assert "at least one right" in str(caught.value)


@pytest.mark.parametrize("rights", [8, 15, -1, 1 << 40])
def test_unknown_rights_are_refused_before_anything_else(rights):
    with pytest.raises(ValueError, match="rights"):
        rdma.Server(bytearray(4096), rights)


def test_a_region_must_be_a_buffer():
    with pytest.raises(TypeError):
        rdma.Server("not a buffer")
    with pytest.raises(TypeError):
        rdma.Server(object(), Rights.write)


@pytest.mark.parametrize("port", [-1, 65536])
def test_ports_outside_16_bits_are_refused(port):
    with pytest.raises(ValueError, match="port must be 0..65535"):
        rdma.Connection.connect("127.0.0.1", port)
    with pytest.raises(ValueError, match="port must be 0..65535"):
        rdma.Server(bytearray(64), port=port)


@pytest.mark.parametrize("timeout", [-1.0, float("nan"), float("inf")])
def test_timeouts_must_be_seconds(timeout):
    with pytest.raises(ValueError, match="timeout"):
        rdma.Connection.connect("127.0.0.1", 7471, timeout)


def test_a_build_without_rdma_says_so_on_import():
    # The extension of a build without rdma-core has no `rdma` submodule: stand in for it by
    # removing the submodule before mapio.rdma is first imported.
    out = run_python("""
import mapio, mapio._mapio
del mapio._mapio.rdma
try:
    mapio.rdma
except ImportError as e:
    print("ImportError:", e)
print(mapio.Memory.anonymous(8).size)
""")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("ImportError: mapio.rdma is not available: this mapio was built without rdma-core")
    assert lines[1] == "8"

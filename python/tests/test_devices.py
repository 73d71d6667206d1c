"""PCI and UIO from Python on hand-made sysfs trees (tests/data/sysfs), the same trees the C++
unit tests use; the real devices are exercised in the QEMU guest."""

import errno
import os
import shutil

import pytest

import mapio
from conftest import SOURCE_DIR

TREE = SOURCE_DIR / "tests" / "data" / "sysfs" / "qemu"


@pytest.fixture
def sysfs(tmp_path):
    root = tmp_path / "sys"
    shutil.copytree(TREE, root, symlinks=True)
    return root


def test_devices_are_listed_with_ids_drivers_and_bars():
    devices = mapio.pci.devices(sysfs_root=TREE)
    addresses = [d.address for d in devices]
    assert addresses == sorted(addresses) and "0000:00:04.0" in addresses
    edu = mapio.pci.device("00:04.0", sysfs_root=TREE)
    assert (edu.vendor_id, edu.device_id) == (0x1234, 0x11E8)
    assert edu.driver == "uio_pci_generic"
    bar0 = edu.bars[0]
    assert bar0["index"] == 0 and bar0["size"] == 1 << 20 and bar0["memory"] and not bar0["io"]
    assert bar0["description"].startswith("Memory at ")


def test_a_missing_device_is_an_error_naming_it():
    with pytest.raises(mapio.Error) as caught:
        mapio.pci.device("00:1f.3", sysfs_root=TREE)
    assert caught.value.errno == errno.ENODEV and "0000:00:1f.3" in str(caught.value)
    with pytest.raises(ValueError):
        mapio.pci.device("not an address", sysfs_root=TREE)


def test_map_bar_reads_and_writes_the_resource_file_with_exact_words(sysfs):
    resource = sysfs / "bus/pci/devices/0000:00:04.0/resource0"
    with open(resource, "wb") as out:
        out.truncate(1 << 20)
        out.write((0x010000ED).to_bytes(4, "little"))
    edu = mapio.pci.device("00:04.0", sysfs_root=sysfs)
    bar = edu.map_bar(0)
    assert bar.size == 1 << 20 and bar.address == edu.bars[0]["address"]
    assert bar.read32(0) == 0x010000ED
    bar.write32(0x40000, 0xCAFEF00D)
    with pytest.raises(ValueError):
        bar.read32(1 << 20)
    bar.close()
    with open(resource, "rb") as f:
        f.seek(0x40000)
        assert f.read(4) == (0xCAFEF00D).to_bytes(4, "little")


def test_an_io_port_bar_cannot_be_mapped():
    e1000 = mapio.pci.device("00:03.0", sysfs_root=TREE)
    with pytest.raises(ValueError) as caught:  # EINVAL: also a ValueError
        e1000.map_bar(1)
    assert "I/O ports at c000" in str(caught.value)


def test_uio_open_of_a_missing_device_is_explained(tmp_path):
    with pytest.raises(mapio.Error) as caught:
        mapio.UioDevice.open(3, sysfs_root=tmp_path, dev_root=tmp_path)
    assert "uio3" in str(caught.value)

"""PCI devices as sysfs shows them: ``mapio.pci.devices()``, ``mapio.pci.device("00:04.0")``.

    edu = mapio.pci.device("00:04.0")
    bar = edu.map_bar(0)              # a mapio.Window over resource0
    assert bar.read32(0) == 0x010000ED
"""

from ._mapio import pci as _pci

PciDevice = _pci.PciDevice
devices = _pci.devices
device = _pci.device

__all__ = ["PciDevice", "devices", "device"]

import os
from typing import Any

from . import Window

_Path = str | os.PathLike[str]

class PciDevice:
    @property
    def address(self) -> str: ...
    vendor_id: int
    device_id: int
    class_code: int
    revision: int
    vendor_name: str
    device_name: str
    class_name: str
    driver: str
    iommu_group: int | None
    sysfs_path: os.PathLike[str]
    @property
    def bars(self) -> list[dict[str, Any]]: ...
    def map_bar(self, index: int, writable: bool = True, write_combining: bool = False) -> Window: ...

def devices(sysfs_root: _Path = "/sys") -> list[PciDevice]: ...
def device(address: str, sysfs_root: _Path = "/sys") -> PciDevice: ...

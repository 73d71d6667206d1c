// vm_vfio_hold: opens a PCI device through VFIO, maps its BAR0 and keeps it mapped until stdin
// closes, so that a test can see what the rest of the system sees while a VFIO user holds a
// device (vfio-pci requests the BAR's region on first use: /dev/mem and the sysfs resource file
// are then refused).
//
//     vm_vfio_hold 0000:00:02.0 </tmp/fifo    prints "MAPIO-HOLDING <BAR0 word 0>", then waits
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <fmt/core.h>

#include "mapio/core/error.hpp"
#include "mapio/mmio/pci.hpp"
#include "mapio/mmio/vfio.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: vm_vfio_hold DEVICE   (e.g. 0000:00:02.0; holds it until stdin closes)\n", stderr);
    return 2;
  }
  try {
    auto device = mapio::mmio::VfioDevice::open(mapio::mmio::PciAddress::parse(argv[1]));
    auto bar = device.map_region(mapio::mmio::vfio_region::bar0);
    const auto id = *reinterpret_cast<const volatile std::uint32_t*>(bar.data());
    fmt::print("MAPIO-HOLDING 0x{:08X}\n", id);
    std::fflush(stdout);
    while (std::getchar() != EOF) {
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "vm_vfio_hold: {}\n", e.what());
    return 1;
  }
}

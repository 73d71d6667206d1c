// PCI addresses as typed and as sysfs names them (PciAddress::parse): any text parses or is a
// mapio::Error, and to_string() parses back to the same address.
#include <cstdint>

#include "fuzz_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/pci.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mapio::fuzz::require;
  mapio::mmio::PciAddress address;
  try {
    address = mapio::mmio::PciAddress::parse(mapio::fuzz::text_of(data, size));
  } catch (const mapio::Error&) {
    return 0;
  }
  require(address.device <= 0x1f && address.function <= 7, "device 0-1f, function 0-7");
  const auto text = address.to_string();
  require(mapio::mmio::PciAddress::parse(text) == address, "to_string() then parse() gives the same address");
  return 0;
}

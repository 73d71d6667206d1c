// Numbers as sysfs attribute files print them (sysfs::parse_number, used for PCI ids, UIO maps and
// resource columns) and the kernel lockdown file: any text is a number or nullopt, and a number
// printed in hex or decimal parses back to itself.
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "fuzz_support.hpp"
#include "mapio/mmio/physical.hpp"
#include "mmio/pci_sysfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mapio::fuzz::require;
  namespace sysfs = mapio::mmio::sysfs;
  const auto text = mapio::fuzz::text_of(data, size);
  (void)mapio::mmio::parse_lockdown(text);
  if (const auto value = sysfs::parse_number(text)) {
    require(sysfs::parse_number(fmt::format("{:#x}\n", *value)) == value, "hex round trip");
    require(sysfs::parse_number(fmt::format("{}", *value)) == value, "decimal round trip");
  }
  return 0;
}

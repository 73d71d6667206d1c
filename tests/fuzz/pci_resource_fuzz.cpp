// A PCI device's sysfs `resource` table (parse_resource_table) and the lspci-style text made from
// it: any text parses or is a mapio::Error; every BAR kept has a size; the BARs written back in the
// kernel's format parse to the same BARs.
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "fuzz_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/pci.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mapio::fuzz::require;
  std::vector<mapio::mmio::Bar> bars;
  try {
    bars = mapio::mmio::parse_resource_table(mapio::fuzz::text_of(data, size), "fuzz");
  } catch (const mapio::Error&) {
    return 0;
  }
  std::string table;
  unsigned next = 0;
  for (const auto& bar : bars) {
    require(bar.size != 0, "a BAR that is kept has a size");
    require(bar.index <= 6, "only BARs 0-5 and the ROM are kept");
    require(bar.address + (bar.size - 1) >= bar.address, "a BAR does not wrap past the top of memory");
    (void)mapio::mmio::describe_bar(bar);
    (void)mapio::mmio::format_size(bar.size);
    for (; next < bar.index; ++next) table += "0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
    table += fmt::format("{:#018x} {:#018x} {:#018x}\n", bar.address, bar.address + bar.size - 1, bar.flags);
    ++next;
  }
  const auto again = mapio::mmio::parse_resource_table(table, "formatted");
  require(again.size() == bars.size(), "the table written back keeps every BAR");
  for (std::size_t i = 0; i < bars.size(); ++i) {
    require(again[i].index == bars[i].index && again[i].address == bars[i].address && again[i].size == bars[i].size &&
                again[i].flags == bars[i].flags,
            "the table written back parses to the same BARs");
  }
  return 0;
}

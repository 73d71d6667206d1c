// VFIO_DEVICE_GET_REGION_INFO's answer with its capability chain (parse_region_info): any bytes
// decode or are a mapio::Error (a chain that loops or points outside the buffer), and can_map()
// agrees with the areas it reports.
#include <cstdint>
#include <span>

#include "fuzz_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/vfio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mapio::fuzz::require;
  mapio::mmio::VfioRegion region;
  try {
    region = mapio::mmio::parse_region_info(std::span(reinterpret_cast<const std::byte*>(data), size));
  } catch (const mapio::Error&) {
    return 0;
  }
  for (const auto& area : region.mmap_areas) {
    require(area.size != 0, "an mmap-able area has a size");
    require(region.can_map(area.offset, area.size), "an area reported mappable can be mapped whole");
    require(region.can_map(area.offset, 1), "its first byte can be mapped");
  }
  if (!region.sparse) require(region.mmap_areas.size() <= 1, "without sparse mmap, one area at most");
  require(!region.can_map(~std::uint64_t{0}, 2), "a range whose end wraps is never mappable");
  return 0;
}

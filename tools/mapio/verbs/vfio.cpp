// `mapio vfio DEVICE`: what VFIO offers for a PCI function bound to vfio-pci — its IOMMU group and
// IOMMU type, every region (BARs, ROM, config space, VGA) with its size, access and what of it can
// be mmap()ed, and every interrupt kind with its vectors. What a user-space driver asks first.
//
//     mapio vfio 0000:00:04.0
//     0000:00:04.0: IOMMU group 3, VFIO_TYPE1v2_IOMMU, 9 regions, 5 interrupt kinds
//     region        size  access      mmap
//     BAR0         1 MiB  read write  whole
//     config      4 KiB   read write  -
//     ...
//
// Regions and interrupts the device does not have (size 0, or refused with EINVAL, as vfio-pci
// does for the VGA region of other devices and the error interrupt of conventional PCI ones) are
// left out. The device is opened as a driver opens it (container, group, device fd), so the
// failures are a driver's: not bound to vfio-pci, a group that is not viable, no IOMMU — each
// explained.
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "json_text.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/vfio.hpp"

namespace mapio::cli {
namespace {

struct VfioArgs {
  std::string device;
  bool json = false;
};

std::string region_name(unsigned index) {
  if (index <= mmio::vfio_region::bar5) return fmt::format("BAR{}", index);
  if (index == mmio::vfio_region::rom) return "ROM";
  if (index == mmio::vfio_region::config) return "config";
  if (index == mmio::vfio_region::vga) return "VGA";
  return fmt::format("region {}", index);  // device-specific regions follow the fixed ones
}

const char* irq_name(unsigned index) {
  static constexpr const char* names[] = {"INTx", "MSI", "MSI-X", "error", "request"};
  return index < std::size(names) ? names[index] : "other";
}

std::string access_of(const mmio::VfioRegion& r) {
  std::vector<std::string> words;
  if (r.readable()) words.emplace_back("read");
  if (r.writable()) words.emplace_back("write");
  return words.empty() ? "-" : fmt::format("{}", fmt::join(words, " "));
}

std::string mmap_of(const mmio::VfioRegion& r) {
  if (!r.mappable()) return "-";
  if (!r.sparse) return "whole";
  std::vector<std::string> areas;
  for (const auto& a : r.mmap_areas) areas.push_back(fmt::format("{:#x}+{:#x}", a.offset, a.size));
  return areas.empty() ? "none (sparse)" : fmt::format("{} (sparse)", fmt::join(areas, ", "));
}

std::string irq_flags(std::uint32_t flags) {
  // VFIO_IRQ_INFO_EVENTFD, _MASKABLE, _AUTOMASKED, _NORESIZE
  static constexpr const char* names[] = {"eventfd", "maskable", "automasked", "noresize"};
  std::vector<std::string> words;
  for (unsigned bit = 0; bit < std::size(names); ++bit) {
    if (flags & (1u << bit)) words.emplace_back(names[bit]);
  }
  return fmt::format("{}", fmt::join(words, " "));
}

int run_vfio(const VfioArgs& args) {
  const auto address = parse_pci_address(args.device);
  const auto device = mmio::VfioDevice::open(address);
  std::vector<mmio::VfioRegion> regions;
  for (unsigned i = 0; i < device.region_count(); ++i) {
    // vfio-pci counts the VGA region for every device and answers EINVAL for it on all but VGA
    // devices: that is an absent region, like a BAR of size 0.
    try {
      auto r = device.region(i);
      if (r.size != 0) regions.push_back(std::move(r));
    } catch (const Error& e) {
      if (e.errno_value() != EINVAL) throw;
    }
  }
  std::vector<std::pair<unsigned, mmio::VfioIrqInfo>> irqs;
  for (unsigned i = 0; i < device.irq_count(); ++i) {
    // The same for interrupts: the error interrupt exists only for PCI Express devices.
    try {
      irqs.emplace_back(i, device.irq_info(static_cast<mmio::VfioIrq>(i)));
    } catch (const Error& e) {
      if (e.errno_value() != EINVAL) throw;
    }
  }

  if (args.json) {
    nlohmann::ordered_json out = {{"device", address.to_string()},
                                  {"iommu_group", device.iommu_group()},
                                  {"iommu_type", device.iommu_type()},
                                  {"region_count", device.region_count()},
                                  {"regions", nlohmann::ordered_json::array()},
                                  {"interrupts", nlohmann::ordered_json::array()}};
    for (const auto& r : regions) {
      nlohmann::ordered_json areas = nlohmann::ordered_json::array();
      for (const auto& a : r.mmap_areas) areas.push_back({{"offset", a.offset}, {"size", a.size}});
      out["regions"].push_back({{"index", r.index}, {"name", region_name(r.index)}, {"size", r.size},
                                {"readable", r.readable()}, {"writable", r.writable()}, {"mappable", r.mappable()},
                                {"sparse", r.sparse}, {"mmap_areas", areas}});
    }
    for (const auto& [index, info] : irqs) {
      out["interrupts"].push_back({{"index", index}, {"name", irq_name(index)}, {"vectors", info.count},
                                   {"flags", irq_flags(info.flags)}});
    }
    fmt::print("{}", json_text(out));
    return 0;
  }
  std::string text = fmt::format("{}: IOMMU group {}, {}, {} regions, {} interrupt kinds\n", address.to_string(),
                                 device.iommu_group(), device.iommu_type(), device.region_count(), device.irq_count());
  text += fmt::format("{:<10} {:>10}  {:<11} {}\n", "region", "size", "access", "mmap");
  for (const auto& r : regions) {
    text += fmt::format("{:<10} {:>10}  {:<11} {}\n", region_name(r.index), human_size(r.size), access_of(r), mmap_of(r));
  }
  text += fmt::format("{:<10} {:>10}  {}\n", "interrupt", "vectors", "flags");
  for (const auto& [index, info] : irqs) {
    text += fmt::format("{:<10} {:>10}  {}\n", irq_name(index), info.count, irq_flags(info.flags));
  }
  fmt::print("{}", text);
  return 0;
}

Registration vfio{"vfio", "Show a vfio-pci device's regions and interrupts, opened as a user-space driver opens it",
                  [](CLI::App& app) {
                    auto args = std::make_shared<VfioArgs>();
                    app.add_option("DEVICE", args->device, "PCI address, e.g. 0000:00:04.0 or 00:04.0")->required();
                    app.add_flag("--json", args->json, "JSON instead of the tables");
                    return [args] { return run_vfio(*args); };
                  }};

}  // namespace
}  // namespace mapio::cli

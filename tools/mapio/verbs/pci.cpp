// `mapio pci`: the PCI bus as libpci reads it from sysfs — one row per function (address, ids, class, driver,
// IOMMU group, name) followed by its BARs in lspci's words, or the same as JSON.
//
//     mapio pci
//     mapio pci -d 1234:11e8 --json
//     mapio pci -s 00:04.0 --config       # config space as hex (64 bytes unless root)
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "json_text.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/pci.hpp"

namespace mapio::cli {
namespace {

struct IdFilter {
  std::optional<std::uint16_t> vendor;
  std::optional<std::uint16_t> device;
};

std::uint16_t parse_id(std::string_view text, std::string_view whole) {
  std::uint32_t value = 0;
  bool ok = !text.empty() && text.size() <= 4;
  for (char c : text) {
    int digit = detail::digit_value(c);
    if (digit > 15) ok = false;
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  if (!ok) throw ArgumentError(fmt::format("bad id '{}': expected VENDOR:DEVICE in hex, e.g. 1234:11e8 or 1af4:", whole));
  return static_cast<std::uint16_t>(value);
}

IdFilter parse_id_filter(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    throw ArgumentError(fmt::format("bad id '{}': expected VENDOR:DEVICE in hex, e.g. 1234:11e8 or 1af4:", text));
  }
  IdFilter filter;
  if (colon > 0) filter.vendor = parse_id(text.substr(0, colon), text);
  if (colon + 1 < text.size()) filter.device = parse_id(text.substr(colon + 1), text);
  return filter;
}

std::string display_name(const mmio::PciDevice& d) {
  if (d.vendor_name.empty() && d.device_name.empty()) return fmt::format("Device {:04x}:{:04x}", d.vendor_id, d.device_id);
  std::string vendor = d.vendor_name.empty() ? fmt::format("Vendor {:04x}", d.vendor_id) : d.vendor_name;
  std::string device = d.device_name.empty() ? fmt::format("Device {:04x}", d.device_id) : d.device_name;
  return vendor + " " + device;
}

std::string display_class(const mmio::PciDevice& d) {
  auto code = d.class_code >> 8;
  if (d.class_name.empty()) return fmt::format("Class [{:04x}]", code);
  // pci.ids falls back to the base class for unknown subclasses and then already names the code.
  if (d.class_name.back() == ']') return d.class_name;
  return fmt::format("{} [{:04x}]", d.class_name, code);
}

std::string bar_line(const mmio::Bar& bar) {
  if (bar.is_rom()) return mmio::describe_bar(bar);
  return fmt::format("Region {}: {}", bar.index, mmio::describe_bar(bar));
}

nlohmann::json to_json(const mmio::PciDevice& d) {
  nlohmann::json bars = nlohmann::json::array();
  for (const auto& b : d.bars) {
    bars.push_back({{"index", b.index},
                    {"kind", b.is_rom() ? "rom" : b.is_io() ? "io" : "memory"},
                    {"address", fmt::format("{:#x}", b.address)},
                    {"size", b.size},
                    {"64bit", b.is_64bit()},
                    {"prefetchable", b.is_prefetchable()},
                    {"flags", fmt::format("{:#x}", b.flags)},
                    {"description", bar_line(b)}});
  }
  return {{"address", d.address.to_string()},
          {"vendor_id", fmt::format("{:04x}", d.vendor_id)},
          {"device_id", fmt::format("{:04x}", d.device_id)},
          {"vendor", d.vendor_name},
          {"device", d.device_name},
          {"class", fmt::format("{:06x}", d.class_code)},
          {"class_name", d.class_name},
          {"revision", d.revision},
          {"driver", d.driver.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.driver)},
          {"iommu_group", d.iommu_group ? nlohmann::json(*d.iommu_group) : nlohmann::json(nullptr)},
          {"bars", bars}};
}

void print_table(const std::vector<mmio::PciDevice>& devices) {
  struct Row {
    std::string address, ids, klass, driver, group, name;
  };
  std::vector<Row> rows{{"ADDRESS", "IDS", "CLASS", "DRIVER", "GROUP", "NAME"}};
  for (const auto& d : devices) {
    rows.push_back({d.address.to_string(), fmt::format("{:04x}:{:04x}", d.vendor_id, d.device_id), display_class(d),
                    d.driver.empty() ? "-" : d.driver, d.iommu_group ? std::to_string(*d.iommu_group) : "-",
                    display_name(d)});
  }
  std::size_t w[5] = {};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.address.size());
    w[1] = std::max(w[1], r.ids.size());
    w[2] = std::max(w[2], r.klass.size());
    w[3] = std::max(w[3], r.driver.size());
    w[4] = std::max(w[4], r.group.size());
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r.address, w[0], r.ids, w[1], r.klass, w[2], r.driver,
               w[3], r.group, w[4], r.name);
    if (i == 0) continue;
    for (const auto& bar : devices[i - 1].bars) fmt::print("    {}\n", bar_line(bar));
  }
}

void print_config(const mmio::PciDevice& d) {
  auto config = d.config();
  std::vector<std::byte> bytes(config.size());
  std::size_t got = config.read_bytes(0, bytes);
  fmt::print("{} config space ({} of {} bytes readable):\n", d.address.to_string(), got, bytes.size());
  for (std::size_t row = 0; row < got; row += 16) {
    std::string line = fmt::format("{:03x}:", row);
    for (std::size_t i = row; i < std::min(got, row + 16); ++i) line += fmt::format(" {:02x}", static_cast<unsigned>(bytes[i]));
    fmt::print("{}\n", line);
  }
  if (got < bytes.size()) {
    fmt::print(stderr,
               "mapio pci: short read of {}: {} of {} bytes; without CAP_SYS_ADMIN the kernel shows only the first "
               "64 bytes of configuration space\n",
               config.path().string(), got, bytes.size());
  }
}

struct Options {
  std::string ids;
  std::string slot;
  bool json = false;
  bool config = false;
  bool check = false;
  std::string sysfs = "/sys";
};

Registration pci_verb{"pci", "List PCI devices with their BARs, driver and IOMMU group (like lspci -v)", [](CLI::App& app) {
  auto options = std::make_shared<Options>();
  app.add_option("-d", options->ids, "Only devices with these ids: VENDOR:DEVICE in hex, either may be empty");
  app.add_option("-s", options->slot, "Only this device: [DOMAIN:]BUS:DEVICE.FUNCTION, e.g. 00:04.0");
  app.add_flag("--json", options->json, "Print JSON instead of text");
  app.add_flag("--config", options->config, "Also dump configuration space in hex (64 bytes unless root)");
  app.add_flag("--check", options->check, "Compare libpci's view with the sysfs files read directly; exit 1 on any difference");
  app.add_option("--sysfs", options->sysfs, "sysfs root to read (default /sys)");
  return [options]() -> int {
    IdFilter filter;
    std::optional<mmio::PciAddress> slot;
    if (!options->ids.empty()) filter = parse_id_filter(options->ids);
    if (!options->slot.empty()) slot = parse_pci_address(options->slot);
    mmio::PciBus bus(options->sysfs);
    auto all = bus.devices();
    std::vector<mmio::PciDevice> devices;
    for (auto& d : all) {
      if (filter.vendor && d.vendor_id != *filter.vendor) continue;
      if (filter.device && d.device_id != *filter.device) continue;
      if (slot && d.address != *slot) continue;
      devices.push_back(std::move(d));
    }
    if (options->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& d : devices) out.push_back(to_json(d));
      fmt::print("{}", json_text(out));
    } else {
      print_table(devices);
      if (options->config) {
        for (const auto& d : devices) print_config(d);
      }
    }
    if (options->check) {
      auto differences = bus.libpci_disagreements();
      for (const auto& line : differences) fmt::print(stderr, "mapio pci: libpci disagrees: {}\n", line);
      if (differences.empty()) fmt::print(stderr, "mapio pci: sysfs and libpci agree on every device and BAR\n");
      if (!differences.empty()) return 1;
    }
    if (slot && devices.empty()) {
      throw Error("find PCI device", slot->to_string(), ENODEV, "no such device (or it does not match -d)");
    }
    return 0;
  };
}};

}  // namespace
}  // namespace mapio::cli

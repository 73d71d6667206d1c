#include "mapio/mmio/pci.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"
#include "mmio/pci_libpci.hpp"
#include "mmio/pci_sysfs.hpp"

namespace mapio::mmio {
namespace {

constexpr unsigned bar_count = 6;

std::optional<std::uint32_t> parse_hex_field(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

PciAddress PciAddress::parse(std::string_view text) {
  auto fail = [&]() -> PciAddress {
    throw Error("parse PCI address", fmt::format("\"{}\"", text), EINVAL,
                "expected [DOMAIN:]BUS:DEVICE.FUNCTION in hex, e.g. 0000:00:04.0 or 00:04.0 "
                "(device 00-1f, function 0-7)");
  };
  std::string_view rest = text;
  PciAddress address;
  auto first_colon = rest.find(':');
  if (first_colon == std::string_view::npos) return fail();
  if (rest.find(':', first_colon + 1) != std::string_view::npos) {
    auto domain = parse_hex_field(rest.substr(0, first_colon), 8);
    if (!domain) return fail();
    address.domain = *domain;
    rest.remove_prefix(first_colon + 1);
  }
  auto colon = rest.find(':');
  auto dot = rest.find('.');
  if (colon == std::string_view::npos || dot == std::string_view::npos || dot < colon) return fail();
  auto bus = parse_hex_field(rest.substr(0, colon), 2);
  auto device = parse_hex_field(rest.substr(colon + 1, dot - colon - 1), 2);
  auto function = parse_hex_field(rest.substr(dot + 1), 1);
  if (!bus || !device || !function || *device > 0x1f || *function > 7) return fail();
  address.bus = static_cast<std::uint8_t>(*bus);
  address.device = static_cast<std::uint8_t>(*device);
  address.function = static_cast<std::uint8_t>(*function);
  return address;
}

std::string PciAddress::to_string() const {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

std::vector<Bar> parse_resource_table(std::string_view text, std::string_view subject) {
  std::vector<Bar> bars;
  unsigned index = 0;
  while (!text.empty() && index <= 6) {
    auto end_of_line = text.find('\n');
    std::string_view line = text.substr(0, end_of_line);
    text = end_of_line == std::string_view::npos ? std::string_view() : text.substr(end_of_line + 1);
    std::uint64_t fields[3];
    std::size_t found = 0;
    while (found < 3) {
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      auto space = line.find(' ');
      auto token = line.substr(0, space);
      auto value = sysfs::parse_number(token);
      if (!value) break;
      fields[found++] = *value;
      line = space == std::string_view::npos ? std::string_view() : line.substr(space);
    }
    if (found != 3) {
      throw Error("parse", std::string(subject), EINVAL,
                  fmt::format("line {} is not \"start end flags\"", index + 1));
    }
    auto [start, end, flags] = std::tuple(fields[0], fields[1], fields[2]);
    // A range from 0 to 2^64 - 1 has 2^64 bytes, a size no BAR has (and one that wraps to 0): like
    // an empty region, it is no BAR.
    const bool whole_space = start == 0 && end == std::numeric_limits<std::uint64_t>::max();
    if ((end > start || (start != 0 && end == start)) && !whole_space) {
      bars.push_back(Bar{index, start, end - start + 1, flags});
    }
    ++index;
  }
  return bars;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr const char* units[] = {"", "K", "M", "G", "T"};
  std::size_t unit = 0;
  while (bytes != 0 && bytes % 1024 == 0 && unit + 1 < std::size(units)) {
    bytes /= 1024;
    ++unit;
  }
  return fmt::format("{}{}", bytes, units[unit]);
}

std::string describe_bar(const Bar& bar) {
  std::string text;
  if (bar.is_io()) {
    text = fmt::format("I/O ports at {:04x}", bar.address);
  } else if (bar.is_rom()) {
    text = fmt::format("Expansion ROM at {:08x}", bar.address);
  } else {
    text = fmt::format("Memory at {:08x} ({}-bit, {})", bar.address, bar.is_64bit() ? 64 : 32,
                       bar.is_prefetchable() ? "prefetchable" : "non-prefetchable");
  }
  if (bar.flags & resource_flags::disabled) text += " [disabled]";
  text += fmt::format(" [size={}]", format_size(bar.size));
  return text;
}

// ---- ConfigSpace ----------------------------------------------------------------------------

ConfigSpace ConfigSpace::open(const std::filesystem::path& config_file, bool writable) {
  return ConfigSpace(FileDescriptor::open(config_file, writable ? O_RDWR : O_RDONLY), config_file, writable);
}

std::size_t ConfigSpace::read_bytes(std::size_t offset, std::span<std::byte> out) const {
  const auto got = sys::pread_exact(fd_.get(), out, offset);
  if (got.error != 0) {
    throw_errno("read config", fmt::format("{} [offset {}]", path_.string(), hex(offset + got.done)), got.error);
  }
  return got.done;
}

void ConfigSpace::read_exact(std::size_t offset, std::span<std::byte> out) const {
  std::size_t got = read_bytes(offset, out);
  if (got == out.size()) return;
  std::string subject = fmt::format("{} [offset {}, {} bytes]", path_.string(), hex(offset), out.size());
  std::size_t total = size();
  if (offset + out.size() <= total && ::geteuid() != 0) {
    throw Error("read config", subject, EACCES,
                fmt::format("short read ({} of {} bytes): without CAP_SYS_ADMIN the kernel shows only the "
                            "first 64 bytes of configuration space; run as root",
                            got, out.size()));
  }
  throw Error("read config", subject, ERANGE,
              fmt::format("short read ({} of {} bytes): configuration space is {} bytes", got, out.size(), total));
}

void ConfigSpace::write_bytes(std::size_t offset, std::span<const std::byte> in) {
  if (!writable_) {
    throw Error("write config", fmt::format("{} [offset {}]", path_.string(), hex(offset)), EACCES,
                "the configuration space was opened read-only; open it writable (config(true)) to change it");
  }
  const auto put = sys::pwrite_exact(fd_.get(), in, offset);
  if (put.done == in.size()) return;
  std::string subject = fmt::format("{} [offset {}]", path_.string(), hex(offset + put.done));
  if (put.error == EBADF) {
    throw_errno("write config", subject, EBADF, "the configuration space was opened read-only");
  }
  if (put.error != 0) throw_errno("write config", subject, put.error);
  throw_errno("write config", subject, ERANGE, "past the end of configuration space");
}

std::size_t ConfigSpace::size() const {
  struct stat info {};
  if (::fstat(fd_.get(), &info) != 0) throw_errno("stat", path_.string());
  return static_cast<std::size_t>(info.st_size);
}

// ---- PciDevice --------------------------------------------------------------------------------

const Bar& PciDevice::bar(unsigned index) const {
  if (index >= bar_count) {
    throw Error("select BAR", fmt::format("{} BAR {}", address.to_string(), index), EINVAL,
                "a BAR index is 0 to 5");
  }
  auto it = std::find_if(bars.begin(), bars.end(), [&](const Bar& b) { return b.index == index; });
  if (it == bars.end()) {
    std::string present;
    for (const auto& b : bars) {
      if (b.is_rom()) continue;
      present += present.empty() ? "" : ", ";
      present += std::to_string(b.index);
    }
    throw Error("select BAR", fmt::format("{} BAR {}", address.to_string(), index), ENODEV,
                present.empty() ? std::string("the device has no BARs")
                                : fmt::format("the device does not implement it (present: {})", present));
  }
  return *it;
}

MappedBar PciDevice::map_bar(unsigned index, BarMapOptions options) const {
  const Bar& b = bar(index);
  std::string name = fmt::format("{} BAR {}", address.to_string(), index);
  if (b.is_io()) {
    throw Error("map", name, EINVAL,
                fmt::format("BAR {} is I/O ports ({}): port space cannot be memory-mapped; use "
                            "in/out instructions (ioperm(2)) or read/write the resource file",
                            index, describe_bar(b)));
  }
  MappedBar result;
  auto file = sysfs_path / fmt::format("resource{}", index);
  if (options.write_combining) {
    auto wc = sysfs_path / fmt::format("resource{}_wc", index);
    std::error_code ec;
    if (std::filesystem::exists(wc, ec)) {
      file = wc;
      result.write_combining = true;
    } else {
      result.note = fmt::format("{} has no {} (only prefetchable BARs get one): mapped uncached through {}",
                                name, wc.filename().string(), file.filename().string());
    }
  }
  bool writable = allows(options.protection, Protection::write);
  // O_SYNC is what devmem uses too; for sysfs resource files the kernel maps device memory uncached
  // (or write-combining for _wc) whatever the flag, but it documents the intent.
  FileDescriptor fd;
  try {
    fd = FileDescriptor::open(file, (writable ? O_RDWR : O_RDONLY) | O_SYNC);
  } catch (const Error& e) {
    if (e.errno_value() != EACCES && e.errno_value() != EPERM) throw;
    throw Error(e.operation(), e.subject(), e.errno_value(),
                "sysfs resource files are open only to root (mapping a BAR needs CAP_SYS_ADMIN): run as root");
  }
  try {
    result.mapping = Mapping::map_descriptor(fd.get(), 0, static_cast<std::size_t>(b.size), options.protection,
                                             Sharing::shared, file.string());
  } catch (const Error& e) {
    // With CONFIG_IO_STRICT_DEVMEM the kernel refuses to map a BAR whose range a driver has
    // claimed (pci_request_regions); vfio-pci and most drivers claim theirs.
    if ((e.errno_value() != EINVAL && e.errno_value() != EPERM) || driver.empty()) throw;
    throw Error(e.operation(), e.subject(), e.errno_value(),
                fmt::format("the BAR is claimed by its driver {} (CONFIG_IO_STRICT_DEVMEM refuses to map claimed "
                            "ranges): unbind it first (echo {} > /sys/bus/pci/drivers/{}/unbind)",
                            driver, address.to_string(), driver));
  }
  return result;
}

ConfigSpace PciDevice::config(bool writable) const { return ConfigSpace::open(sysfs_path / "config", writable); }

// ---- PciBus ----------------------------------------------------------------------------------

PciBus::PciBus(std::filesystem::path sysfs_root) : root_(std::move(sysfs_root)) {}

// The kernel's own files, read directly: the second opinion behind libpci_disagreements.
PciDevice PciBus::read_device(const std::filesystem::path& directory) const {
  PciDevice device;
  device.address = PciAddress::parse(directory.filename().string());
  device.sysfs_path = directory;
  device.vendor_id = static_cast<std::uint16_t>(sysfs::read_number(directory / "vendor"));
  device.device_id = static_cast<std::uint16_t>(sysfs::read_number(directory / "device"));
  device.class_code = static_cast<std::uint32_t>(sysfs::read_number(directory / "class") & 0xffffff);
  // Older kernels have no `revision` file (0 then); a malformed one is an error, not a 0.
  device.revision = static_cast<std::uint8_t>(sysfs::read_optional_number(directory / "revision").value_or(0));
  device.driver = sysfs::link_name(directory / "driver").value_or("");
  if (auto group = sysfs::link_name(directory / "iommu_group")) {
    if (auto number = sysfs::parse_number(*group)) device.iommu_group = static_cast<unsigned>(*number);
  }
  auto resource = directory / "resource";
  device.bars = parse_resource_table(sysfs::read_text(resource), resource.string());
  return device;
}

namespace {

void require_directory(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::directory_iterator it(directory, ec);
  if (ec) {
    throw Error("list PCI devices", directory.string(), ec.value(),
                "no PCI bus in sysfs here (is sysfs mounted? is this a machine without PCI?)");
  }
}

}  // namespace

std::vector<PciDevice> PciBus::devices() const {
  // Checked here first so that the common failure names the directory and errno; libpci would say
  // only "Cannot open".
  auto directory = devices_directory();
  require_directory(directory);
  auto devices = libpci::enumerate(root_);
  for (auto& device : devices) device.sysfs_path = directory / device.address.to_string();
  std::sort(devices.begin(), devices.end(),
            [](const PciDevice& a, const PciDevice& b) { return a.address < b.address; });
  return devices;
}

PciDevice PciBus::device(PciAddress address) const {
  auto missing = [&] {
    return Error("find PCI device", address.to_string(), ENODEV,
                 fmt::format("no {} in {} (see `mapio pci` for the devices present)", address.to_string(),
                             devices_directory().string()));
  };
  std::error_code ec;
  auto directory = devices_directory() / address.to_string();
  if (!std::filesystem::exists(directory, ec)) throw missing();
  auto device = libpci::describe(root_, address);
  device.sysfs_path = directory;
  return device;
}

std::vector<std::string> PciBus::libpci_disagreements() const {
  std::vector<std::string> differences;
  auto theirs = devices();
  std::vector<PciDevice> ours;
  for (const auto& entry : std::filesystem::directory_iterator(devices_directory())) {
    ours.push_back(read_device(entry.path()));
  }
  std::sort(ours.begin(), ours.end(), [](const PciDevice& a, const PciDevice& b) { return a.address < b.address; });
  for (const auto& seen : theirs) {
    bool listed = std::any_of(ours.begin(), ours.end(), [&](const PciDevice& d) { return d.address == seen.address; });
    if (!listed) differences.push_back(fmt::format("{}: listed by libpci only", seen.address.to_string()));
  }
  for (const auto& device : ours) {
    auto seen = std::find_if(theirs.begin(), theirs.end(),
                             [&](const PciDevice& s) { return s.address == device.address; });
    std::string name = device.address.to_string();
    if (seen == theirs.end()) {
      differences.push_back(fmt::format("{}: not seen by libpci", name));
      continue;
    }
    if (seen->vendor_id != device.vendor_id || seen->device_id != device.device_id) {
      differences.push_back(fmt::format("{}: ids {:04x}:{:04x} in sysfs, {:04x}:{:04x} in libpci", name,
                                        device.vendor_id, device.device_id, seen->vendor_id, seen->device_id));
    }
    if (seen->class_code != device.class_code || seen->revision != device.revision) {
      differences.push_back(fmt::format("{}: class {:06x} rev {:02x} in sysfs, class {:06x} rev {:02x} in libpci", name,
                                        device.class_code, device.revision, seen->class_code, seen->revision));
    }
    if (seen->driver != device.driver) {
      differences.push_back(fmt::format("{}: driver \"{}\" in sysfs, \"{}\" in libpci", name, device.driver,
                                        seen->driver));
    }
    if (seen->iommu_group != device.iommu_group) {
      auto show = [](const std::optional<unsigned>& g) { return g ? std::to_string(*g) : std::string("none"); };
      differences.push_back(fmt::format("{}: IOMMU group {} in sysfs, {} in libpci", name, show(device.iommu_group),
                                        show(seen->iommu_group)));
    }
    for (unsigned i = 0; i <= bar_count; ++i) {
      auto mine = std::find_if(device.bars.begin(), device.bars.end(), [&](const Bar& b) { return b.index == i; });
      auto other = std::find_if(seen->bars.begin(), seen->bars.end(), [&](const Bar& b) { return b.index == i; });
      bool have_mine = mine != device.bars.end();
      bool have_other = other != seen->bars.end();
      std::string region = i == bar_count ? std::string("ROM") : fmt::format("BAR {}", i);
      if (!have_mine && !have_other) continue;
      if (have_mine != have_other) {
        differences.push_back(fmt::format("{} {}: present only in {}", name, region, have_mine ? "sysfs" : "libpci"));
        continue;
      }
      if (mine->address != other->address || mine->size != other->size || mine->flags != other->flags) {
        differences.push_back(fmt::format("{} {}: sysfs says {} (flags {:#x}), libpci says {} (flags {:#x})", name,
                                          region, describe_bar(*mine), mine->flags, describe_bar(*other),
                                          other->flags));
      }
    }
  }
  return differences;
}

}  // namespace mapio::mmio

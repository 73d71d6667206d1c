#include "mapio/mmio/uio.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/page.hpp"
#include "mapio/core/syscall.hpp"
#include "mmio/pci_sysfs.hpp"

namespace mapio::mmio {
namespace {

std::filesystem::path class_directory(const UioPaths& paths) { return paths.sysfs_root / "class" / "uio"; }

// "uio12" -> 12, "map3" -> 3: the kernel names devices and maps with a plain decimal number
// ("%d"). Anything else ("uio 1", "uio01", "uio0x1", a number past unsigned) is not one of its
// entries, and is skipped rather than read as another device's number.
std::optional<unsigned> number_after(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view digits = name.substr(prefix.size());
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > std::numeric_limits<unsigned>::max()) return std::nullopt;
  }
  return static_cast<unsigned>(value);
}

std::optional<unsigned> number_of(const std::string& name) { return number_after(name, "uio"); }

// /sys/class/uio/uioN is a link to the device's directory. A link that leads nowhere (the device
// went away between the listing and the look) or an entry that is no directory is not a device:
// listing and describing by number both go by this, so a device listed is one that can be described.
bool is_device_directory(const std::filesystem::path& entry) {
  std::error_code ec;
  return std::filesystem::is_directory(entry, ec);
}

UioDeviceInfo read_info(const std::filesystem::path& directory, unsigned number) {
  UioDeviceInfo info;
  info.number = number;
  info.sysfs_path = directory;
  info.name = sysfs::read_optional_line(directory / "name").value_or("");
  info.version = sysfs::read_optional_line(directory / "version").value_or("");
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory / "maps", ec)) {
    std::string name = entry.path().filename().string();
    auto index = number_after(name, "map");
    if (!index) continue;
    UioMap map;
    map.index = *index;
    map.name = sysfs::read_optional_line(entry.path() / "name").value_or("");
    map.address = sysfs::read_number(entry.path() / "addr");
    map.size = sysfs::read_number(entry.path() / "size");
    // Older kernels have no offset attribute (the map starts on its page); one that is there but
    // not a number is an error like a bad addr or size, never a silent 0.
    map.offset = sysfs::read_optional_number(entry.path() / "offset").value_or(0);
    info.maps.push_back(std::move(map));
  }
  std::sort(info.maps.begin(), info.maps.end(), [](const UioMap& a, const UioMap& b) { return a.index < b.index; });
  if (auto parent = sysfs::link_name(directory / "device")) {
    try {
      info.pci_address = PciAddress::parse(*parent);
    } catch (const Error&) {
      // Not a PCI parent (a platform device): no address to report.
    }
  }
  return info;
}

}  // namespace

std::vector<UioDeviceInfo> list_uio_devices(const UioPaths& paths) {
  std::vector<UioDeviceInfo> devices;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(class_directory(paths), ec)) {
    auto number = number_of(entry.path().filename().string());
    if (number && is_device_directory(entry.path())) devices.push_back(read_info(entry.path(), *number));
  }
  std::sort(devices.begin(), devices.end(),
            [](const UioDeviceInfo& a, const UioDeviceInfo& b) { return a.number < b.number; });
  return devices;
}

UioDeviceInfo describe_uio_device(unsigned number, const UioPaths& paths) {
  auto directory = class_directory(paths) / fmt::format("uio{}", number);
  if (!is_device_directory(directory)) {
    throw Error("find UIO device", fmt::format("uio{}", number), ENODEV,
                fmt::format("no {} (is a UIO driver loaded and bound? e.g. insmod uio.ko, insmod "
                            "uio_pci_generic.ko, echo \"VENDOR DEVICE\" > "
                            "/sys/bus/pci/drivers/uio_pci_generic/new_id)",
                            directory.string()));
  }
  return read_info(directory, number);
}

UioDevice UioDevice::open(unsigned number, const UioPaths& paths) {
  auto info = describe_uio_device(number, paths);
  auto fd = FileDescriptor::open(paths.dev_root / fmt::format("uio{}", number), O_RDWR);
  return UioDevice(std::move(fd), std::move(info));
}

Mapping UioDevice::map(unsigned index, Protection protection) const {
  auto it = std::find_if(info_.maps.begin(), info_.maps.end(), [&](const UioMap& m) { return m.index == index; });
  if (it == info_.maps.end()) {
    throw Error("map", fmt::format("uio{} map {}", info_.number, index), ENODEV,
                fmt::format("uio{} has {} map(s)", info_.number, info_.maps.size()));
  }
  // The kernel picks the map from the page offset of the mmap call: map N lives at N pages.
  std::uint64_t offset = std::uint64_t{index} * page_size() + it->offset;
  if (!allows(protection, Protection::write)) {
    // The device stays open read-write (interrupts are enabled by writing to it); a read-only map is
    // made through a read-only descriptor of its own, so the kernel too refuses to make it writable.
    auto reader = FileDescriptor::duplicate_read_only(fd_.get(), fd_.description());
    return Mapping::map_descriptor(reader.get(), offset, static_cast<std::size_t>(it->size), protection,
                                   Sharing::shared, fd_.description());
  }
  return Mapping::map_descriptor(fd_.get(), offset, static_cast<std::size_t>(it->size), protection, Sharing::shared,
                                 fd_.description());
}

std::uint32_t UioDevice::wait() const {
  std::uint32_t count = 0;
  const ssize_t n = sys::read(fd_.get(), std::as_writable_bytes(std::span(&count, 1)));
  if (n < 0) throw_errno("wait for interrupt", fd_.description());
  if (n != static_cast<ssize_t>(sizeof count)) {
    throw_errno("wait for interrupt", fd_.description(), EIO, fmt::format("read gave {} bytes, not 4", n));
  }
  return count;
}

std::uint32_t UioDevice::wait(std::chrono::milliseconds timeout) const {
  if (!fd_.wait_readable(timeout)) {
    throw_errno("wait for interrupt", fd_.description(), ETIMEDOUT, fmt::format("no interrupt within {} ms", timeout.count()));
  }
  return wait();
}

void UioDevice::enable_interrupts(const TraceSink& trace) const {
  std::uint32_t one = 1;
  const ssize_t n = sys::write(fd_.get(), std::as_bytes(std::span(&one, 1)));
  if (n == static_cast<ssize_t>(sizeof one)) {
    if (trace) trace(TraceEvent{fd_.description(), 0, 32, one, Direction::write, Ordering::ordered});
    return;
  }
  if (n < 0 && errno == ENOSYS && info_.pci_address) {
    clear_pci_interrupt_disable(trace);
    return;
  }
  throw_errno("enable interrupts", fd_.description());
}

void UioDevice::clear_pci_interrupt_disable(const TraceSink& trace) const {
  if (!info_.pci_address) {
    throw_errno("enable interrupts", fmt::format("uio{}", info_.number), ENOTSUP,
                "the device is not PCI: there is no command register to clear");
  }
  auto config = ConfigSpace::open(info_.sysfs_path / "device" / "config", true);
  const std::string name = config.path().string();
  auto command = config.read<std::uint16_t>(0x04);
  if (trace) trace(TraceEvent{name, 0x04, 16, command, Direction::read, Ordering::ordered});
  if (command & command_bits::interrupt_disable) {
    auto cleared = static_cast<std::uint16_t>(command & ~command_bits::interrupt_disable);
    config.write<std::uint16_t>(0x04, cleared);
    if (trace) trace(TraceEvent{name, 0x04, 16, cleared, Direction::write, Ordering::ordered});
  }
}

}  // namespace mapio::mmio

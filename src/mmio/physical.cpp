#include "mapio/mmio/physical.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include <fmt/format.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"

namespace mapio::mmio {
namespace {

std::string range_text(std::uint64_t first, std::uint64_t last) {
  return fmt::format("{:#x}-{:#x}", first, last);
}

// "0000:00:04.0": the name the PCI core gives a device's BAR resources.
bool is_pci_address(std::string_view name) {
  if (name.size() != 12) return false;
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (i == 4 || i == 7) ? c == ':' : i == 10 ? c == '.' : hex(c);
    if (!ok) return false;
  }
  return name[11] >= '0' && name[11] <= '7';
}

std::string explain_open(const DevmemFailure& f) {
  const std::string device = f.device;
  switch (f.errno_value) {
    case ENOENT:
      return fmt::format(
          "there is no {}: the kernel was built without CONFIG_DEVMEM, or this container was not given the "
          "device (docker run --device /dev/mem --cap-add SYS_RAWIO, or --privileged)",
          device);
    case EPERM:
    case EACCES:
      if (f.lockdown == Lockdown::integrity || f.lockdown == Lockdown::confidentiality) {
        return fmt::format(
            "the kernel is locked down ([{}] in /sys/kernel/security/lockdown), which closes {} even to root; "
            "boot without lockdown (lockdown=none on the kernel command line, or Secure Boot off) to use it",
            f.lockdown == Lockdown::integrity ? "integrity" : "confidentiality", device);
      }
      if (f.errno_value == EACCES) {
        return fmt::format("{} is open only to root (and, for reading, the kmem group); run as root", device);
      }
      return fmt::format(
          "opening {} needs CAP_SYS_RAWIO: run as root, or grant the capability (setcap cap_sys_rawio+ep, "
          "or a container with --cap-add SYS_RAWIO)",
          device);
    default:
      return {};
  }
}

std::string explain_map(const DevmemFailure& f) {
  const std::string range = range_text(f.first, f.last);
  switch (f.errno_value) {
    case EPERM: {
      if (!f.iomem) {
        return fmt::format(
            "the kernel refused {}: CONFIG_STRICT_DEVMEM keeps System RAM above 1 MiB out of {}, and "
            "CONFIG_IO_STRICT_DEVMEM keeps out ranges a driver has claimed; /proc/iomem could not be read "
            "(it shows only zeros without CAP_SYS_ADMIN), so mapio cannot say which applies",
            range, f.device);
      }
      const mmio::ResourceTree& iomem = *f.iomem;
      if (iomem.overlaps_system_ram(f.first, f.last)) {
        return fmt::format(
            "{} is System RAM in {}; CONFIG_STRICT_DEVMEM lets {} map only the first 1 MiB of RAM "
            "and device memory (a driver's own interface, or a kernel without STRICT_DEVMEM, is the way to "
            "RAM)",
            range, iomem.source(), f.device);
      }
      auto owners = iomem.innermost_overlapping(f.first, f.last);
      if (owners.empty()) {
        return fmt::format(
            "the kernel refused {}, which no resource in {} covers{} (CONFIG_STRICT_DEVMEM or an "
            "architecture restriction)",
            range, iomem.source(), iomem.roots().empty() ? " (it lists none)" : "");
      }
      const mmio::Resource* owner = owners.front();
      std::string where = fmt::format("'{}' ({:0{}x}-{:0{}x})", owner->name, owner->start, iomem.address_digits(),
                                      owner->end, iomem.address_digits());
      std::string pci_device;
      for (const mmio::Resource* r : iomem.path_to(owner->start)) {
        if (is_pci_address(r->name)) pci_device = r->name;
      }
      std::string unbind =
          pci_device.empty()
              ? std::string("unbind the driver that owns it")
              : fmt::format("unbind the driver of PCI device {} (echo {} > /sys/bus/pci/devices/{}/driver/unbind)",
                            pci_device, pci_device, pci_device);
      return fmt::format(
          "{} is claimed by {} in {}; CONFIG_IO_STRICT_DEVMEM keeps {} out of ranges the kernel or a "
          "driver has claimed: {}, or boot with iomem=relaxed",
          range, where, iomem.source(), f.device, unbind);
    }
    case EINVAL:
      return fmt::format(
          "{} cannot be mapped there: the range lies beyond the physical addresses this machine can reach, "
          "or the device does not map that offset",
          f.device);
    case ENODEV:
      return fmt::format("{} does not support mmap", f.device);
    default:
      return {};
  }
}

std::optional<mmio::ResourceTree> try_read_iomem(const std::filesystem::path& path) {
  try {
    return mmio::ResourceTree::read_iomem(path);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

Lockdown parse_lockdown(std::string_view text) noexcept {
  const auto open = text.find('[');
  const auto close = text.find(']', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) return Lockdown::unknown;
  const std::string_view mode = text.substr(open + 1, close - open - 1);
  if (mode == "none") return Lockdown::none;
  if (mode == "integrity") return Lockdown::integrity;
  if (mode == "confidentiality") return Lockdown::confidentiality;
  return Lockdown::unknown;
}

Lockdown read_lockdown(const std::filesystem::path& path) noexcept {
  try {
    // The file is one short line ("none [integrity] confidentiality"); a page is plenty.
    return parse_lockdown(FileDescriptor::open(path, O_RDONLY).read_all(4096));
  } catch (const std::exception&) {
    return Lockdown::unknown;  // no securityfs, no lockdown LSM, or not readable: cannot tell
  }
}

std::string explain_devmem_failure(const DevmemFailure& failure) {
  return failure.stage == DevmemStage::open ? explain_open(failure) : explain_map(failure);
}

PhysicalWindow PhysicalWindow::map(std::uint64_t address, std::size_t length, const PhysicalOptions& options) {
  const std::string device = options.device_path().string();
  if (length == 0) {
    throw Error("map", fmt::format("{} [{}, length 0]", device, hex(address)), EINVAL,
                "a physical window needs at least one byte");
  }
  // mmap(2) takes a signed off_t: the last byte must stay below 2^63.
  constexpr std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());
  if (address > limit || length - 1 > limit - address) {
    throw Error("map", fmt::format("{} [{}, length {}]", device, hex(address), length), ERANGE,
                "the range ends past 2^63, the largest offset mmap(2) can express");
  }
  const std::uint64_t last = address + (length - 1);

  DevmemFailure failure;
  failure.first = address;
  failure.last = last;
  failure.writable = options.is_writable();
  failure.device = device;
  auto diagnose = [&](DevmemStage stage, const Error& e, std::string subject) -> Error {
    failure.stage = stage;
    failure.errno_value = e.errno_value();
    // Only read the system's state when something went wrong: the common path touches nothing else.
    failure.iomem = try_read_iomem(options.iomem_path());
    failure.lockdown = read_lockdown(options.lockdown_path());
    return Error(e.operation(), std::move(subject), e.errno_value(), explain_devmem_failure(failure));
  };

  FileDescriptor fd;
  try {
    // O_SYNC: the kernel maps /dev/mem uncached (phys_mem_access_prot), as device registers need.
    fd = FileDescriptor::open(options.device_path(), (options.is_writable() ? O_RDWR : O_RDONLY) | O_SYNC);
  } catch (const Error& e) {
    throw diagnose(DevmemStage::open, e, device);
  }
  // /dev/mem has no size, but a regular file standing in for it (a test, a saved memory image) does:
  // a window reaching past its end would map, and the first access to a page beyond the end would
  // raise SIGBUS. Refuse it here, for every user of a window.
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) <= last) {
    throw Error("map", fmt::format("{} [{}]", device, range_text(address, last)), ERANGE,
                fmt::format("{} is a regular file of {} bytes; the window needs it to reach {:#x}", device,
                            st.st_size, last + 1));
  }
  try {
    auto mapping = Mapping::map_descriptor(fd.get(), address, length,
                                           options.is_writable() ? Protection::read_write : Protection::read,
                                           Sharing::shared, device);
    return PhysicalWindow(address, std::move(mapping));
  } catch (const Error& e) {
    throw diagnose(DevmemStage::map, e, fmt::format("{} [{}]", device, range_text(address, last)));
  }
}

}  // namespace mapio::mmio

// PhysicalWindow: a window onto physical memory through /dev/mem (mem(4)).
//
// Maps any physical address and length: the page alignment mmap(2) needs happens inside, and the
// Mapping hands back exactly the bytes asked for. /dev/mem is opened with O_SYNC, which makes the
// kernel map device memory uncached, and read-only unless the window is writable. A read-only
// window keeps no descriptor and can never be made writable: mapping().protect(read_write) is
// mapio::Error (EACCES), as the kernel would refuse it too.
//
//     auto window = mapio::mmio::PhysicalWindow::map(0xfea00000, 0x100);             // read-only
//     mapio::mmio::VolatileBus bus(window.mapping());
//     auto id = bus.read<std::uint32_t>(0);                                            // edu: 0x010000ed
//
//     auto regs = mapio::mmio::PhysicalWindow::map(0xfea00000, 0x100, mapio::mmio::PhysicalOptions().writable());
//
// When the kernel refuses, the mapio::Error says why, from /proc/iomem and the lockdown state:
//   - ENOENT on open: no /dev/mem (kernel without CONFIG_DEVMEM, or a container that does not pass it);
//   - EPERM/EACCES on open: no CAP_SYS_RAWIO or no permission on the node, or kernel lockdown
//     (/sys/kernel/security/lockdown shows [integrity] or [confidentiality]);
//   - EPERM on mmap of System RAM above 1 MiB: CONFIG_STRICT_DEVMEM;
//   - EPERM on mmap of a range a driver claimed: CONFIG_IO_STRICT_DEVMEM (the claiming resource is
//     named; unbind the driver or boot with iomem=relaxed).
// `explain_devmem_failure` is that diagnosis as a pure function, testable with captured files.
//
// Under IO_STRICT_DEVMEM a driver that claims the range later revokes existing /dev/mem mappings of
// it: accesses then fault (SIGBUS). Mapping::read_safely survives that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "mapio/core/mapping.hpp"
#include "mapio/mmio/iomem.hpp"

namespace mapio::mmio {

/// The kernel lockdown state (/sys/kernel/security/lockdown, kernel_lockdown(7)).
enum class Lockdown {
  unknown,          ///< the file is absent or unreadable (no securityfs, or no lockdown LSM)
  none,             ///< "[none]"
  integrity,        ///< "[integrity]": /dev/mem is closed to everyone
  confidentiality,  ///< "[confidentiality]": likewise, and more
};

/// Parses the lockdown file's text ("none [integrity] confidentiality" -> integrity).
Lockdown parse_lockdown(std::string_view text) noexcept;
/// Reads the lockdown state; unknown when the file cannot be read.
Lockdown read_lockdown(const std::filesystem::path& path = "/sys/kernel/security/lockdown") noexcept;

/// Which call the kernel refused.
enum class DevmemStage { open, map };

/// Everything the diagnosis looks at. `iomem` is empty when /proc/iomem could not be read (or showed
/// only zeros, as it does without CAP_SYS_ADMIN).
struct DevmemFailure {
  DevmemStage stage = DevmemStage::open;
  int errno_value = 0;
  std::uint64_t first = 0;  ///< first physical address of the request
  std::uint64_t last = 0;   ///< last physical address of the request (inclusive)
  bool writable = false;
  std::string device = "/dev/mem";
  std::optional<mmio::ResourceTree> iomem;
  Lockdown lockdown = Lockdown::unknown;
};

/// A sentence or two on why /dev/mem refused and what to do about it; empty when mapio has nothing
/// better to say than the errno. Pure: reads nothing but its argument.
std::string explain_devmem_failure(const DevmemFailure& failure);

/// How to open a window. Reads like a sentence: PhysicalOptions().writable().device("/dev/mem").
class PhysicalOptions {
 public:
  /// Map for writing too (O_RDWR, PROT_READ|PROT_WRITE). Default read-only.
  PhysicalOptions& writable(bool yes = true) { writable_ = yes; return *this; }
  /// The memory device (default /dev/mem). Any file works, which tests use.
  PhysicalOptions& device(std::filesystem::path path) { device_ = std::move(path); return *this; }
  /// Where the diagnosis reads the resource tree and the lockdown state from.
  PhysicalOptions& iomem(std::filesystem::path path) { iomem_ = std::move(path); return *this; }
  PhysicalOptions& lockdown(std::filesystem::path path) { lockdown_ = std::move(path); return *this; }

  bool is_writable() const noexcept { return writable_; }
  const std::filesystem::path& device_path() const noexcept { return device_; }
  const std::filesystem::path& iomem_path() const noexcept { return iomem_; }
  const std::filesystem::path& lockdown_path() const noexcept { return lockdown_; }

 private:
  bool writable_ = false;
  std::filesystem::path device_ = "/dev/mem";
  std::filesystem::path iomem_ = "/proc/iomem";
  std::filesystem::path lockdown_ = "/sys/kernel/security/lockdown";
};

/// A mapped range of physical memory. Move-only (it owns a Mapping); unmapped when it goes.
class PhysicalWindow {
 public:
  /// Maps [address, address + length) of physical memory. Throws mapio::Error with the diagnosis
  /// above as its explanation; ERANGE when the range wraps past 2^64; EINVAL for length 0.
  static PhysicalWindow map(std::uint64_t address, std::size_t length, const PhysicalOptions& options = {});

  /// The physical address of mapping().data().
  std::uint64_t address() const noexcept { return address_; }
  std::size_t size() const noexcept { return mapping_.size(); }
  Mapping& mapping() noexcept { return mapping_; }
  const Mapping& mapping() const noexcept { return mapping_; }

 private:
  PhysicalWindow(std::uint64_t address, Mapping mapping) : address_(address), mapping_(std::move(mapping)) {}
  std::uint64_t address_ = 0;
  Mapping mapping_;
};

}  // namespace mapio::mmio

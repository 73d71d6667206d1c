// UIO devices (Documentation/driver-api/uio-howto.rst): a kernel stub hands a device's memory and
// interrupt to user space through /dev/uioN.
//
// sysfs describes each device under /sys/class/uio/uioN (name, version, maps/mapM/{addr,size,
// offset,name}); map M is mapped by mmap(2) of /dev/uioN at offset M × page size; a blocking 4-byte
// read(2) of /dev/uioN waits for the next interrupt and returns the total count so far.
//
//     for (const auto& info : mapio::mmio::list_uio_devices())
//       fmt::print("uio{} {} ({} maps)\n", info.number, info.name, info.maps.size());
//
//     auto uio = mapio::mmio::UioDevice::open(0);
//     auto regs = uio.map(0);                          // BAR0 with uio_pci_generic
//     auto count = uio.wait(std::chrono::seconds(1));  // mapio::Error(ETIMEDOUT) after a second
//     uio.enable_interrupts();                         // uio_pci_generic: clears INTx-disable
//
// uio_pci_generic masks INTx itself on every interrupt by setting the command register's
// interrupt-disable bit (bit 10) and has no irqcontrol, so write(1) to /dev/uioN fails with ENOSYS:
// `enable_interrupts` then clears bit 10 through the PCI device's sysfs `config` instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/mmio/pci.hpp"
#include "mapio/mmio/tracing_bus.hpp"

namespace mapio::mmio {

/// Where UIO lives: sysfs for the description, a device directory for the nodes (tests move both).
struct UioPaths {
  std::filesystem::path sysfs_root = "/sys";
  std::filesystem::path dev_root = "/dev";
};

/// One memory map a UIO driver offers (sysfs maps/mapM).
struct UioMap {
  unsigned index = 0;
  std::string name;           ///< may be empty
  std::uint64_t address = 0;  ///< physical address
  std::uint64_t size = 0;
  std::uint64_t offset = 0;   ///< offset of the device's first byte inside the first page
};

/// What sysfs says about /dev/uioN.
struct UioDeviceInfo {
  unsigned number = 0;
  std::string name;     ///< driver-supplied name ("uio_pci_generic")
  std::string version;
  std::vector<UioMap> maps;
  std::optional<PciAddress> pci_address;  ///< when the parent device is PCI
  std::filesystem::path sysfs_path;       ///< <root>/class/uio/uioN
};

/// Every UIO device, by number; empty when the class directory does not exist (no uio module).
std::vector<UioDeviceInfo> list_uio_devices(const UioPaths& paths = {});
/// One device's description; mapio::Error (ENODEV) when absent.
UioDeviceInfo describe_uio_device(unsigned number, const UioPaths& paths = {});

/// An open /dev/uioN (RAII, move-only).
class UioDevice {
 public:
  static UioDevice open(unsigned number, const UioPaths& paths = {});

  const UioDeviceInfo& info() const noexcept { return info_; }
  /// Maps map `index` whole (mmap of /dev/uioN at index × page size, MAP_SHARED); the returned
  /// bytes start at the device's first byte (the map's `offset` inside the page is applied). A
  /// protection without write maps through a read-only descriptor of its own (/proc/self/fd/N), so
  /// the map can never be made writable (protect() is EACCES).
  Mapping map(unsigned index, Protection protection = Protection::read_write) const;
  /// Blocks until the next interrupt; returns the interrupt count the kernel reports.
  std::uint32_t wait() const;
  /// As wait(), giving up after `timeout` with mapio::Error (ETIMEDOUT) (poll(2) first).
  std::uint32_t wait(std::chrono::milliseconds timeout) const;
  /// Re-enables the interrupt: write(1) to /dev/uioN; on ENOSYS (no irqcontrol, uio_pci_generic),
  /// clears the PCI interrupt-disable bit via config space. Needs write access to `config` (root).
  /// `trace`, when given, hears each access that took place: the 32-bit 1 written to /dev/uioN
  /// (bus "/dev/uioN", offset 0), the command register read and write (bus: the config file,
  /// offset 0x04, 16 bits).
  void enable_interrupts(const TraceSink& trace = {}) const;
  /// Clears the command register's interrupt-disable bit (bit 10) via the parent's sysfs config
  /// (reads it, and writes it back only when the bit is set).
  void clear_pci_interrupt_disable(const TraceSink& trace = {}) const;
  int fd() const noexcept { return fd_.get(); }

 private:
  UioDevice(FileDescriptor fd, UioDeviceInfo info) : fd_(std::move(fd)), info_(std::move(info)) {}
  FileDescriptor fd_;
  UioDeviceInfo info_;
};

}  // namespace mapio::mmio

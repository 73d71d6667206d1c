// PCI devices as Linux shows them in sysfs: addresses, ids and names, BARs, config space.
//
// Everything is read from a sysfs root ("/sys" by default; a test points it at a hand-made tree).
// The bus is enumerated with libpci (pciutils, <pci/pci.h>), its linux-sysfs method pointed at
// `<root>/bus/pci`: ids, class, revision, the BAR table with the kernel's IORESOURCE_* flags (from
// each device's `resource` file), the bound driver, the IOMMU group, and names from pci.ids. What
// libpci does not know mapio takes from sysfs directly: the `resourceN`/`resourceN_wc` files that
// map a BAR and the `config` file. `libpci_disagreements` reads the same files without libpci and
// reports any difference, as a check on both.
//
//     mapio::mmio::PciBus bus;                                     // /sys
//     for (const auto& device : bus.devices())
//       fmt::print("{} {}\n", device.address.to_string(), device.device_name);
//
//     auto edu = bus.device(mapio::mmio::PciAddress::parse("00:04.0"));
//     auto bar0 = edu.map_bar(0);                                  // mmap of .../resource0, MAP_SHARED
//     auto config = edu.config();                                  // .../config
//     std::uint16_t command = config.read<std::uint16_t>(0x04);
//
// A BAR can be mapped only if it is memory: an I/O-port BAR has no mmap-able resource file on x86
// (use in/out instructions or the device's driver). Reading a memory BAR's resource file with
// read(2) fails with EIO: only mmap works.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/mapping.hpp"

namespace mapio::mmio {

/// domain:bus:device.function, e.g. 0000:00:04.0.
///
///     auto a = PciAddress::parse("00:04.0");     // domain 0 assumed, as lspci does
///     a.to_string();                             // "0000:00:04.0"
struct PciAddress {
  std::uint32_t domain = 0;
  std::uint8_t bus = 0;
  std::uint8_t device = 0;    ///< 0..31
  std::uint8_t function = 0;  ///< 0..7

  /// Accepts "DDDD:BB:DD.F" and "BB:DD.F" (hex). Throws mapio::Error (EINVAL) naming the text.
  static PciAddress parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const PciAddress&) const = default;
};

/// IORESOURCE_* bits from include/linux/ioport.h, as they appear in the third column of `resource`.
namespace resource_flags {
inline constexpr std::uint64_t io = 0x100;
inline constexpr std::uint64_t memory = 0x200;
inline constexpr std::uint64_t prefetchable = 0x2000;
inline constexpr std::uint64_t read_only = 0x4000;
inline constexpr std::uint64_t memory_64 = 0x100000;
inline constexpr std::uint64_t disabled = 0x10000000;
inline constexpr std::uint64_t unset = 0x20000000;
}  // namespace resource_flags

/// One base address register (or the expansion ROM) as the kernel assigned it.
struct Bar {
  unsigned index = 0;          ///< 0..5 for BARs, 6 for the expansion ROM
  std::uint64_t address = 0;   ///< CPU physical address of the first byte
  std::uint64_t size = 0;      ///< bytes (a power of two)
  std::uint64_t flags = 0;     ///< raw IORESOURCE_* flags

  bool is_io() const noexcept { return (flags & resource_flags::io) != 0; }
  bool is_memory() const noexcept { return (flags & resource_flags::memory) != 0; }
  bool is_64bit() const noexcept { return (flags & resource_flags::memory_64) != 0; }
  bool is_prefetchable() const noexcept { return (flags & resource_flags::prefetchable) != 0; }
  bool is_rom() const noexcept { return index == 6; }
};

/// Parses the text of a sysfs `resource` file: line N is region N ("0x<start> 0x<end> 0x<flags>");
/// lines 0..5 are BARs, line 6 the ROM, later lines bridge windows (ignored). Regions with no size
/// are left out. Throws mapio::Error (EINVAL) on a malformed line; `subject` names the file.
std::vector<Bar> parse_resource_table(std::string_view text, std::string_view subject = "resource");

/// "1M", "32", "4K": a size the way lspci prints it (largest unit that divides it exactly).
std::string format_size(std::uint64_t bytes);

/// "Memory at fea00000 (32-bit, non-prefetchable) [size=1M]" / "I/O ports at c000 [size=32]".
std::string describe_bar(const Bar& bar);

/// A device's configuration space through its sysfs `config` file (pread/pwrite; the kernel does
/// the config cycles). Without CAP_SYS_ADMIN the kernel returns only the first 64 bytes (the
/// standard header) and the rest reads as a short read: `read_bytes` reports the count, `read<T>`
/// throws an Error that explains it.
///
///     auto config = device.config();
///     auto command = config.read<std::uint16_t>(0x04);
///     config.write<std::uint16_t>(0x04, command | 0x4);    // bus master on
class ConfigSpace {
 public:
  /// Opens `config_file` O_RDONLY, or O_RDWR when `writable`. Writes to one opened read-only are
  /// refused by mapio (EACCES) before any reach the file.
  static ConfigSpace open(const std::filesystem::path& config_file, bool writable = false);

  /// Reads up to out.size() bytes from `offset`; returns how many the kernel gave (may be short).
  std::size_t read_bytes(std::size_t offset, std::span<std::byte> out) const;
  void write_bytes(std::size_t offset, std::span<const std::byte> in);

  template <class T>
  T read(std::size_t offset) const {
    static_assert(std::is_integral_v<T> && std::is_unsigned_v<T>);
    T value{};
    read_exact(offset, std::as_writable_bytes(std::span<T, 1>(&value, 1)));
    return value;  // config space is little-endian, like the x86 host
  }
  template <class T>
  void write(std::size_t offset, T value) {
    static_assert(std::is_integral_v<T> && std::is_unsigned_v<T>);
    write_bytes(offset, std::as_bytes(std::span<const T, 1>(&value, 1)));
  }

  /// Size of the file (256 for conventional PCI, 4096 for PCIe), whatever this reader may see.
  std::size_t size() const;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  ConfigSpace(FileDescriptor fd, std::filesystem::path path, bool writable)
      : fd_(std::move(fd)), path_(std::move(path)), writable_(writable) {}
  void read_exact(std::size_t offset, std::span<std::byte> out) const;

  FileDescriptor fd_;
  std::filesystem::path path_;
  bool writable_ = false;
};

/// Command register (offset 0x04) bits that user-space drivers touch.
namespace command_bits {
inline constexpr std::uint16_t io_space = 1u << 0;
inline constexpr std::uint16_t memory_space = 1u << 1;
inline constexpr std::uint16_t bus_master = 1u << 2;
inline constexpr std::uint16_t interrupt_disable = 1u << 10;
}  // namespace command_bits

/// How to map a BAR.
struct BarMapOptions {
  bool write_combining = false;  ///< use resourceN_wc (only prefetchable BARs have one)
  Protection protection = Protection::read_write;
};

/// A mapped BAR; `note` says when a wish could not be granted (no resourceN_wc: mapped uncached).
struct MappedBar {
  Mapping mapping;
  bool write_combining = false;
  std::string note;
};

/// A snapshot of one PCI function as libpci reads it from sysfs.
struct PciDevice {
  PciAddress address;
  std::filesystem::path sysfs_path;  ///< <root>/bus/pci/devices/<address>
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::uint32_t class_code = 0;      ///< 24 bits: base class, subclass, programming interface
  std::uint8_t revision = 0;
  std::string vendor_name;           ///< from pci.ids; empty when unknown
  std::string device_name;           ///< from pci.ids; empty when unknown
  std::string class_name;            ///< from pci.ids; empty when unknown
  std::string driver;                ///< bound driver (the `driver` symlink's name); empty when none
  std::optional<unsigned> iommu_group;  ///< the `iommu_group` symlink's number; none without an IOMMU
  std::vector<Bar> bars;             ///< present BARs (size > 0), ascending index, ROM (6) last

  /// BAR `index` (0..5); throws mapio::Error (EINVAL) for a bad index, (ENODEV) for an absent BAR.
  const Bar& bar(unsigned index) const;
  /// Maps the whole BAR through sysfs `resource<index>` (MAP_SHARED). I/O BARs: mapio::Error (EINVAL).
  /// A protection without write opens the file O_RDONLY, and the mapping can never be made
  /// writable (protect() is EACCES).
  MappedBar map_bar(unsigned index, BarMapOptions options = {}) const;
  /// Opens `config` (read-only unless `writable`).
  ConfigSpace config(bool writable = false) const;
};

/// The PCI functions under a sysfs root.
class PciBus {
 public:
  explicit PciBus(std::filesystem::path sysfs_root = "/sys");

  /// Every function, sorted by address, each described by libpci. Throws mapio::Error when the devices
  /// directory is missing, or (EIO, with libpci's message) when libpci cannot read the tree; libpci
  /// never ends the process.
  std::vector<PciDevice> devices() const;
  /// One function, described from its own sysfs directory without scanning the bus, exactly as
  /// devices() lists it; mapio::Error (ENODEV) naming the address when it is not there.
  PciDevice device(PciAddress address) const;
  /// Differences between libpci's view and the sysfs files read directly (devices listed, ids,
  /// class and revision, driver, IOMMU group, every BAR and the ROM), one sentence each; empty when
  /// they agree.
  std::vector<std::string> libpci_disagreements() const;

  const std::filesystem::path& sysfs_root() const noexcept { return root_; }
  std::filesystem::path devices_directory() const { return root_ / "bus" / "pci" / "devices"; }

 private:
  PciDevice read_device(const std::filesystem::path& directory) const;
  std::filesystem::path root_;
};

}  // namespace mapio::mmio

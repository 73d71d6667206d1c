// VFIO (Documentation/driver-api/vfio.rst): a device bound to vfio-pci, driven from user space
// behind an IOMMU, with DMA and interrupts.
//
// The kernel's objects are a container (/dev/vfio/vfio: one IOMMU address space), a group
// (/dev/vfio/<iommu group>: the smallest set of devices the IOMMU can isolate; every device in it
// must be bound to vfio-pci or to no driver, which makes the group "viable") and a device fd (from
// VFIO_GROUP_GET_DEVICE_FD) whose regions are the BARs, ROM and config space at fixed offsets.
// VfioDevice::open does the whole dance: open the container, check VFIO_API_VERSION, open the
// group, check viability, attach it, set the type1 IOMMU (VFIO_TYPE1v2_IOMMU, else VFIO_TYPE1_IOMMU)
// and get the device.
//
//     using namespace mapio::mmio;
//     auto device = VfioDevice::open(PciAddress::parse("0000:00:04.0"));
//     auto bar0 = device.map_region(vfio_region::bar0);               // mmap of the device fd
//     device.enable_bus_master();                                     // command bit 2, via config
//     auto buffer = mapio::Mapping::anonymous(4096);
//     auto dma = device.map_dma(buffer.writable_bytes(), 0x100000);   // VFIO_IOMMU_MAP_DMA at IOVA 1 MiB
//     auto event = EventFd::create();
//     device.enable_interrupt(VfioIrq::msi, event);                   // VFIO_DEVICE_SET_IRQS
//     ... start the device's DMA to IOVA 0x100000 ...
//     event.wait(std::chrono::seconds(1));
//
// Failures say what to do: no /dev/vfio (load vfio, vfio_iommu_type1, vfio-pci), no IOMMU group
// (boot with intel_iommu=on; QEMU: -machine q35 -device intel-iommu), a group that is not viable
// (lists the other devices and their drivers), MAP_DMA's ENOMEM (RLIMIT_MEMLOCK, `ulimit -l`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/eventfd.hpp"
#include "mapio/mmio/pci.hpp"

namespace mapio::mmio {

/// Where VFIO lives (tests move these).
struct VfioPaths {
  std::filesystem::path sysfs_root = "/sys";
  std::filesystem::path vfio_dir = "/dev/vfio";
};

/// vfio-pci's region indexes (VFIO_PCI_*_REGION_INDEX).
namespace vfio_region {
inline constexpr unsigned bar0 = 0;
inline constexpr unsigned bar5 = 5;
inline constexpr unsigned rom = 6;
inline constexpr unsigned config = 7;
inline constexpr unsigned vga = 8;
}  // namespace vfio_region

/// vfio-pci's interrupt indexes (VFIO_PCI_*_IRQ_INDEX).
enum class VfioIrq : unsigned { intx = 0, msi = 1, msix = 2, error = 3, request = 4 };

/// A part of a region that may be mmap()ed.
struct VfioArea {
  std::uint64_t offset = 0;  ///< from the start of the region
  std::uint64_t size = 0;
};

/// VFIO_DEVICE_GET_REGION_INFO's answer.
struct VfioRegion {
  unsigned index = 0;
  std::uint32_t flags = 0;    ///< VFIO_REGION_INFO_FLAG_*
  std::uint64_t size = 0;
  std::uint64_t offset = 0;   ///< where the region starts in the device fd
  bool sparse = false;        ///< a VFIO_REGION_INFO_CAP_SPARSE_MMAP capability was present
  std::vector<VfioArea> mmap_areas;  ///< what may be mapped: the whole region unless sparse

  bool readable() const noexcept { return flags & 1u; }
  bool writable() const noexcept { return flags & 2u; }
  bool mappable() const noexcept { return flags & 4u; }

  /// Whether [offset, offset + length) lies wholly inside one mmap-able area: what map_region
  /// checks before it maps. A range that spans a hole between sparse areas does not, nor one whose
  /// end overflows.
  ///
  ///   auto bar0 = device.region(0);
  ///   if (bar0.can_map(0x3000, 0x1000)) auto registers = device.map_region(0, 0x3000, 0x1000);
  bool can_map(std::uint64_t offset, std::uint64_t length) const noexcept;
};

/// Decodes a struct vfio_region_info (with its capability chain when VFIO_REGION_INFO_FLAG_CAPS
/// is set) as the kernel wrote it into `buffer`. Throws mapio::Error (EINVAL) when a capability
/// points outside the buffer, the chain loops, or a sparse-mmap area ends past 2^64.
VfioRegion parse_region_info(std::span<const std::byte> buffer);

/// VFIO_DEVICE_GET_IRQ_INFO's answer.
struct VfioIrqInfo {
  std::uint32_t flags = 0;  ///< VFIO_IRQ_INFO_*
  std::uint32_t count = 0;  ///< vectors (0: the device does not have this kind)
};

/// A buffer mapped for device DMA at an I/O virtual address (VFIO_IOMMU_MAP_DMA); unmapped
/// (VFIO_IOMMU_UNMAP_DMA) when destroyed. RAII, move-only; keeps its own handle on the container.
class DmaMapping {
 public:
  DmaMapping() = default;
  DmaMapping(DmaMapping&& other) noexcept;
  DmaMapping& operator=(DmaMapping&& other) noexcept;
  DmaMapping(const DmaMapping&) = delete;
  DmaMapping& operator=(const DmaMapping&) = delete;
  ~DmaMapping() { reset(); }

  std::uint64_t iova() const noexcept { return iova_; }
  std::size_t size() const noexcept { return size_; }
  /// VFIO_IOMMU_UNMAP_DMA now (errors ignored: the container may already be gone).
  void reset() noexcept;

 private:
  friend class VfioDevice;
  DmaMapping(FileDescriptor container, std::uint64_t iova, std::size_t size)
      : container_(std::move(container)), iova_(iova), size_(size) {}
  FileDescriptor container_;
  std::uint64_t iova_ = 0;
  std::size_t size_ = 0;
};

/// Which way DMA may go, from the device's point of view.
enum class DmaAccess { device_reads, device_writes, both };

/// A PCI function owned through VFIO: container, group and device fds (RAII, move-only).
class VfioDevice {
 public:
  static VfioDevice open(PciAddress address, const VfioPaths& paths = {});

  const PciAddress& address() const noexcept { return address_; }
  unsigned iommu_group() const noexcept { return group_number_; }
  /// "VFIO_TYPE1v2_IOMMU" or "VFIO_TYPE1_IOMMU".
  const char* iommu_type() const noexcept { return iommu_type_; }
  unsigned region_count() const noexcept { return region_count_; }
  unsigned irq_count() const noexcept { return irq_count_; }

  VfioRegion region(unsigned index) const;
  /// Maps [offset, offset + length) of a region (default the whole region), MAP_SHARED. The range
  /// must lie inside one mmap-able area (sparse-mmap capability); otherwise mapio::Error (EINVAL)
  /// naming the areas that can be mapped. A protection without write gives a map that can never be
  /// made writable (protect() is EACCES), though the device descriptor itself stays read-write.
  Mapping map_region(unsigned index, std::uint64_t offset = 0, std::size_t length = Mapping::whole,
                     Protection protection = Protection::read_write) const;

  /// Config space through the config region (pread/pwrite on the device fd).
  template <class T>
  T read_config(std::size_t offset) const {
    static_assert(std::is_integral_v<T> && std::is_unsigned_v<T>);
    T value{};
    region_io(false, vfio_region::config, offset, &value, sizeof value);
    return value;
  }
  template <class T>
  void write_config(std::size_t offset, T value) const {
    static_assert(std::is_integral_v<T> && std::is_unsigned_v<T>);
    region_io(true, vfio_region::config, offset, &value, sizeof value);
  }
  /// Sets the command register's bus-master bit (and memory space): needed before the device DMAs.
  void enable_bus_master() const;

  /// Maps `buffer` (page-aligned start and length, e.g. from Mapping::anonymous) at `iova`.
  /// The pages are pinned and count against RLIMIT_MEMLOCK. mapio writes each page (its own value
  /// back) before pinning, so that an untouched private page is not pinned as the shared zero page.
  DmaMapping map_dma(std::span<std::byte> buffer, std::uint64_t iova, DmaAccess access = DmaAccess::both) const;

  VfioIrqInfo irq_info(VfioIrq kind) const;
  /// Routes vector `vector` of `kind` to `event` (VFIO_IRQ_SET_ACTION_TRIGGER with an eventfd).
  void enable_interrupt(VfioIrq kind, const EventFd& event, unsigned vector = 0) const;
  /// INTx is masked by the kernel when it fires: unmask after handling (VFIO_IRQ_SET_ACTION_UNMASK).
  void unmask_intx() const;
  /// Tears down every vector of `kind` (DATA_NONE | ACTION_TRIGGER, count 0).
  void disable_interrupts(VfioIrq kind) const;
  /// VFIO_DEVICE_RESET; mapio::Error (ENOTTY/EINVAL) when the device cannot be reset.
  void reset() const;

  int device_fd() const noexcept { return device_.get(); }
  int container_fd() const noexcept { return container_.get(); }

 private:
  VfioDevice() = default;
  void region_io(bool write, unsigned index, std::size_t offset, void* data, std::size_t size) const;

  // Declared in opening order so that destruction closes device, then group, then container.
  FileDescriptor container_;
  FileDescriptor group_;
  FileDescriptor device_;
  PciAddress address_;
  unsigned group_number_ = 0;
  const char* iommu_type_ = "";
  unsigned region_count_ = 0;
  unsigned irq_count_ = 0;
};

}  // namespace mapio::mmio

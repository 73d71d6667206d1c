#include "mapio/mmio/vfio.hpp"

#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/page.hpp"
#include "mapio/core/syscall.hpp"
#include "mmio/pci_sysfs.hpp"

namespace mapio::mmio {
namespace {

template <class T>
T load(std::span<const std::byte> buffer, std::size_t offset) {
  T value;
  std::memcpy(&value, buffer.data() + offset, sizeof value);
  return value;
}

std::string group_members(const std::filesystem::path& sysfs_root, unsigned group) {
  auto directory = sysfs_root / "kernel" / "iommu_groups" / std::to_string(group) / "devices";
  std::vector<std::string> members;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    auto driver = sysfs::link_name(entry.path() / "driver");
    members.push_back(fmt::format("{} ({})", entry.path().filename().string(),
                                  driver ? *driver : std::string("no driver")));
  }
  std::sort(members.begin(), members.end());
  std::string text;
  for (const auto& m : members) text += (text.empty() ? "" : ", ") + m;
  return text.empty() ? std::string("(members unknown)") : text;
}

std::string memlock_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return fmt::format("{} KiB", limit.rlim_cur / 1024);
}

}  // namespace

VfioRegion parse_region_info(std::span<const std::byte> buffer) {
  if (buffer.size() < sizeof(vfio_region_info)) {
    throw Error("parse region info", "", EINVAL,
                fmt::format("{} bytes is shorter than struct vfio_region_info", buffer.size()));
  }
  auto info = load<vfio_region_info>(buffer, 0);
  VfioRegion region;
  region.index = info.index;
  region.flags = info.flags;
  region.size = info.size;
  region.offset = info.offset;
  std::size_t end = std::min<std::size_t>(buffer.size(), info.argsz);
  if ((info.flags & VFIO_REGION_INFO_FLAG_CAPS) && info.cap_offset != 0) {
    std::size_t at = info.cap_offset;
    for (unsigned hops = 0; at != 0; ++hops) {
      std::string where = fmt::format("region {} capability at {}", info.index, at);
      if (hops > 64) throw Error("parse region info", where, EINVAL, "the capability chain loops");
      if (at < sizeof(vfio_region_info) || at + sizeof(vfio_info_cap_header) > end) {
        throw Error("parse region info", where, EINVAL, fmt::format("outside the {} bytes of info", end));
      }
      auto header = load<vfio_info_cap_header>(buffer, at);
      if (header.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
        std::size_t areas_at = at + sizeof(vfio_region_info_cap_sparse_mmap);
        if (areas_at > end) throw Error("parse region info", where, EINVAL, "sparse-mmap header is cut short");
        auto sparse = load<vfio_region_info_cap_sparse_mmap>(buffer, at);
        if (areas_at + std::size_t{sparse.nr_areas} * sizeof(vfio_region_sparse_mmap_area) > end) {
          throw Error("parse region info", where, EINVAL,
                      fmt::format("{} sparse-mmap areas do not fit in the info", sparse.nr_areas));
        }
        region.sparse = true;
        for (std::uint32_t i = 0; i < sparse.nr_areas; ++i) {
          auto area = load<vfio_region_sparse_mmap_area>(buffer, areas_at + i * sizeof(vfio_region_sparse_mmap_area));
          // An area whose end passes 2^64 describes no bytes of the device fd: an error, not a range
          // that later checks would have to distrust.
          if (area.size != 0 && area.offset > ~std::uint64_t{0} - area.size) {
            throw Error("parse region info", where, EINVAL,
                        fmt::format("sparse-mmap area {} (offset {:#x}, size {:#x}) ends past 2^64", i, area.offset,
                                    area.size));
          }
          if (area.size != 0) region.mmap_areas.push_back(VfioArea{area.offset, area.size});
        }
      }
      at = header.next;
    }
  }
  if (!region.sparse && region.mappable() && region.size != 0) {
    region.mmap_areas.push_back(VfioArea{0, region.size});
  }
  return region;
}

// ---- DmaMapping --------------------------------------------------------------------------------

DmaMapping::DmaMapping(DmaMapping&& other) noexcept
    : container_(std::move(other.container_)), iova_(other.iova_), size_(std::exchange(other.size_, 0)) {}

DmaMapping& DmaMapping::operator=(DmaMapping&& other) noexcept {
  if (this != &other) {
    reset();
    container_ = std::move(other.container_);
    iova_ = other.iova_;
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void DmaMapping::reset() noexcept {
  if (container_.valid() && size_ != 0) {
    vfio_iommu_type1_dma_unmap unmap{};
    unmap.argsz = sizeof unmap;
    unmap.iova = iova_;
    unmap.size = size_;
    sys::ioctl(container_.get(), VFIO_IOMMU_UNMAP_DMA, &unmap);
  }
  container_.reset();
  size_ = 0;
}

// ---- VfioDevice --------------------------------------------------------------------------------

VfioDevice VfioDevice::open(PciAddress address, const VfioPaths& paths) {
  std::string name = address.to_string();
  PciDevice pci = PciBus(paths.sysfs_root).device(address);
  std::string bind_hint = fmt::format(
      "bind it to vfio-pci: insmod vfio, vfio_iommu_type1, irqbypass, vfio_virqfd, vfio-pci-core, vfio-pci "
      "(or modprobe vfio-pci), then echo {} > /sys/bus/pci/devices/{}/driver/unbind (if bound) and "
      "echo \"{:04x} {:04x}\" > /sys/bus/pci/drivers/vfio-pci/new_id",
      name, name, pci.vendor_id, pci.device_id);
  if (!pci.iommu_group) {
    throw Error("open VFIO device", name, ENODEV,
                "the device has no IOMMU group: enable the IOMMU (kernel command line intel_iommu=on or "
                "amd_iommu=on; in QEMU: -machine q35 -device intel-iommu before the device)");
  }
  if (pci.driver != "vfio-pci") {
    throw Error("open VFIO device", name, EBUSY,
                fmt::format("it is bound to {}, not vfio-pci; {}", pci.driver.empty() ? "no driver" : pci.driver,
                            bind_hint));
  }

  VfioDevice device;
  device.address_ = address;
  device.group_number_ = *pci.iommu_group;

  auto container_path = paths.vfio_dir / "vfio";
  try {
    device.container_ = FileDescriptor::open(container_path, O_RDWR);
  } catch (const Error& e) {
    throw Error("open VFIO container", container_path.string(), e.errno_value(),
                e.errno_value() == ENOENT ? "the vfio module is not loaded (modprobe vfio-pci, or insmod vfio.ko ...)"
                                          : "VFIO needs root or a udev rule granting access");
  }
  int version = sys::ioctl(device.container_.get(), VFIO_GET_API_VERSION, 0ul);
  if (version != VFIO_API_VERSION) {
    throw Error("open VFIO container", container_path.string(), EPROTO,
                fmt::format("kernel VFIO API version {}, mapio speaks {}", version, VFIO_API_VERSION));
  }
  unsigned long type = VFIO_TYPE1v2_IOMMU;
  device.iommu_type_ = "VFIO_TYPE1v2_IOMMU";
  if (sys::ioctl(device.container_.get(), VFIO_CHECK_EXTENSION, type) <= 0) {
    type = VFIO_TYPE1_IOMMU;
    device.iommu_type_ = "VFIO_TYPE1_IOMMU";
    if (sys::ioctl(device.container_.get(), VFIO_CHECK_EXTENSION, type) <= 0) {
      throw Error("open VFIO container", container_path.string(), ENOTSUP,
                  "no type1 IOMMU backend: load vfio_iommu_type1 (insmod vfio_iommu_type1.ko)");
    }
  }

  auto group_path = paths.vfio_dir / std::to_string(device.group_number_);
  try {
    device.group_ = FileDescriptor::open(group_path, O_RDWR);
  } catch (const Error& e) {
    std::string why = e.errno_value() == ENOENT ? "no such group node: " + bind_hint
                      : e.errno_value() == EBUSY ? "another process (or container) holds the group"
                                                 : "VFIO groups need root or a udev rule granting access";
    throw Error("open VFIO group", group_path.string(), e.errno_value(), why);
  }
  vfio_group_status status{};
  status.argsz = sizeof status;
  if (sys::ioctl(device.group_.get(), VFIO_GROUP_GET_STATUS, &status) != 0) {
    throw_errno("VFIO_GROUP_GET_STATUS", group_path.string());
  }
  if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
    throw Error("open VFIO group", group_path.string(), EBUSY,
                fmt::format("IOMMU group {} is not viable: every device in it must be bound to vfio-pci or to no "
                            "driver; members: {}",
                            device.group_number_, group_members(paths.sysfs_root, device.group_number_)));
  }
  int container_fd = device.container_.get();
  if (sys::ioctl(device.group_.get(), VFIO_GROUP_SET_CONTAINER, &container_fd) != 0) {
    throw_errno("VFIO_GROUP_SET_CONTAINER", group_path.string());
  }
  if (sys::ioctl(device.container_.get(), VFIO_SET_IOMMU, type) != 0) {
    int error = errno;
    throw Error("VFIO_SET_IOMMU", fmt::format("{} ({})", container_path.string(), device.iommu_type_), error,
                error == EPERM ? "the IOMMU has no interrupt remapping; enable it, or load vfio_iommu_type1 with "
                                 "allow_unsafe_interrupts=1 (insmod vfio_iommu_type1.ko allow_unsafe_interrupts=1)"
                               : "");
  }
  int fd = sys::ioctl(device.group_.get(), VFIO_GROUP_GET_DEVICE_FD, reinterpret_cast<unsigned long>(name.c_str()));
  if (fd < 0) throw_errno("VFIO_GROUP_GET_DEVICE_FD", fmt::format("{} in {}", name, group_path.string()));
  device.device_ = FileDescriptor(fd, fmt::format("VFIO device {}", name));

  vfio_device_info info{};
  info.argsz = sizeof info;
  if (sys::ioctl(device.device_.get(), VFIO_DEVICE_GET_INFO, &info) != 0) {
    throw_errno("VFIO_DEVICE_GET_INFO", name);
  }
  device.region_count_ = info.num_regions;
  device.irq_count_ = info.num_irqs;
  return device;
}

VfioRegion VfioDevice::region(unsigned index) const {
  std::vector<std::byte> buffer(sizeof(vfio_region_info));
  for (int attempt = 0; attempt < 2; ++attempt) {
    vfio_region_info info{};
    info.argsz = static_cast<std::uint32_t>(buffer.size());
    info.index = index;
    std::memcpy(buffer.data(), &info, sizeof info);
    if (sys::ioctl(device_.get(), VFIO_DEVICE_GET_REGION_INFO, buffer.data()) != 0) {
      int error = errno;
      std::string why;
      if (error == EINVAL) {
        why = index >= region_count_ ? fmt::format("the device has {} regions", region_count_)
              : index == vfio_region::vga
                  ? "vfio-pci counts a VGA region for every device but has one only for VGA devices"
                  : "vfio-pci has no such region for this device";
      }
      throw Error("VFIO_DEVICE_GET_REGION_INFO", fmt::format("{} region {}", address_.to_string(), index), error, why);
    }
    // The kernel answers with the argsz it needs to describe the capabilities: ask again with that.
    auto needed = load<vfio_region_info>(buffer, 0).argsz;
    if (needed <= buffer.size()) break;
    buffer.resize(needed);
  }
  return parse_region_info(buffer);
}

bool VfioRegion::can_map(std::uint64_t at, std::uint64_t length) const noexcept {
  // Written with subtractions only: `at + length` could wrap past zero and look small.
  return std::any_of(mmap_areas.begin(), mmap_areas.end(), [&](const VfioArea& a) {
    return at >= a.offset && length <= a.size && at - a.offset <= a.size - length;
  });
}

Mapping VfioDevice::map_region(unsigned index, std::uint64_t offset, std::size_t length, Protection protection) const {
  VfioRegion r = region(index);
  std::string subject = fmt::format("{} region {}", address_.to_string(), index);
  if (!r.mappable()) {
    throw Error("map", subject, EINVAL,
                "the region cannot be mmap()ed (no VFIO_REGION_INFO_FLAG_MMAP): use read/write on the device fd");
  }
  if (offset > r.size) throw Error("map", subject, ERANGE, fmt::format("offset {} is past the region's {} bytes", hex(offset), r.size));
  std::uint64_t size = length == Mapping::whole ? r.size - offset : length;
  if (!r.can_map(offset, size)) {
    std::string areas;
    for (const auto& a : r.mmap_areas) areas += fmt::format("{}[{}, {})", areas.empty() ? "" : ", ", hex(a.offset), hex(a.offset + a.size));
    throw Error("map", fmt::format("{} [offset {}, length {}]", subject, hex(offset), size), EINVAL,
                fmt::format("outside the mmap-able areas of the region (sparse mmap): {}", areas));
  }
  // The device descriptor is read-write and cannot be reopened (an anonymous inode): a read-only
  // map is marked so, and protect() refuses to make it writable.
  MapFlags flags;
  flags.read_only_object = !allows(protection, Protection::write);
  return Mapping::map_descriptor(device_.get(), r.offset + offset, static_cast<std::size_t>(size), protection,
                                 Sharing::shared, subject, flags);
}

void VfioDevice::region_io(bool write, unsigned index, std::size_t offset, void* data, std::size_t size) const {
  // vfio-pci places region N at N << 40 in the device fd; asking the kernel keeps that its business.
  VfioRegion r = region(index);
  std::string subject = fmt::format("{} region {} [offset {}]", address_.to_string(), index, hex(offset));
  const ssize_t n = write ? sys::pwrite(device_.get(), {static_cast<const std::byte*>(data), size}, r.offset + offset)
                          : sys::pread(device_.get(), {static_cast<std::byte*>(data), size}, r.offset + offset);
  if (n < 0) throw_errno(write ? "write" : "read", subject);
  if (static_cast<std::size_t>(n) != size) {
    throw_errno(write ? "write" : "read", subject, EIO, fmt::format("{} of {} bytes", n, size));
  }
}

void VfioDevice::enable_bus_master() const {
  auto command = read_config<std::uint16_t>(0x04);
  std::uint16_t wanted = command | command_bits::bus_master | command_bits::memory_space;
  if (wanted != command) write_config<std::uint16_t>(0x04, wanted);
}

DmaMapping VfioDevice::map_dma(std::span<std::byte> buffer, std::uint64_t iova, DmaAccess access) const {
  auto page = page_size();
  auto start = reinterpret_cast<std::uintptr_t>(buffer.data());
  std::string subject = fmt::format("{} bytes at IOVA {}", buffer.size(), hex(iova));
  if (buffer.empty() || !is_aligned(start, page) || !is_aligned(buffer.size(), page) || !is_aligned(iova, page)) {
    throw Error("VFIO_IOMMU_MAP_DMA", subject, EINVAL,
                "buffer address, length and IOVA must be page-aligned and non-empty (use Mapping::anonymous)");
  }
  // Pinning a private page nobody has written yet, for a device that only reads it, pins the
  // shared zero page: later CPU writes go to a fresh copy the device never sees (seen in the guest:
  // edu read zeros). Fault every page in for writing first, keeping its contents.
  for (std::size_t at = 0; at < buffer.size(); at += page) {
    volatile std::byte* byte = buffer.data() + at;
    *byte = *byte;
  }
  vfio_iommu_type1_dma_map map{};
  map.argsz = sizeof map;
  map.flags = (access != DmaAccess::device_writes ? VFIO_DMA_MAP_FLAG_READ : 0u) |
              (access != DmaAccess::device_reads ? VFIO_DMA_MAP_FLAG_WRITE : 0u);
  map.vaddr = start;
  map.iova = iova;
  map.size = buffer.size();
  if (sys::ioctl(container_.get(), VFIO_IOMMU_MAP_DMA, &map) != 0) {
    int error = errno;
    std::string why;
    if (error == ENOMEM) {
      why = fmt::format("pinning the pages exceeds RLIMIT_MEMLOCK (now {}): raise it (ulimit -l, "
                        "/etc/security/limits.conf, systemd LimitMEMLOCK=) or give the process CAP_IPC_LOCK",
                        memlock_limit());
    } else if (error == EEXIST) {
      why = "the IOVA range overlaps an existing DMA mapping";
    }
    throw Error("VFIO_IOMMU_MAP_DMA", subject, error, why);
  }
  return DmaMapping(FileDescriptor::duplicate(container_.get(), "VFIO container"), iova, buffer.size());
}

VfioIrqInfo VfioDevice::irq_info(VfioIrq kind) const {
  vfio_irq_info info{};
  info.argsz = sizeof info;
  info.index = static_cast<std::uint32_t>(kind);
  if (sys::ioctl(device_.get(), VFIO_DEVICE_GET_IRQ_INFO, &info) != 0) {
    const int error = errno;
    throw Error("VFIO_DEVICE_GET_IRQ_INFO", fmt::format("{} irq index {}", address_.to_string(), info.index), error,
                error != EINVAL            ? ""
                : info.index >= irq_count_ ? fmt::format("the device has {} interrupt kinds", irq_count_)
                : kind == VfioIrq::error   ? "vfio-pci has the error interrupt only for PCI Express devices"
                                           : "vfio-pci has no such interrupt for this device");
  }
  return VfioIrqInfo{info.flags, info.count};
}

namespace {

void set_irqs(int device_fd, const std::string& subject, std::uint32_t flags, VfioIrq kind, std::uint32_t start,
              std::uint32_t count, const std::int32_t* eventfd) {
  // struct vfio_irq_set ends in a flexible array: build it in a buffer big enough for one eventfd.
  alignas(vfio_irq_set) std::byte buffer[sizeof(vfio_irq_set) + sizeof(std::int32_t)] = {};
  vfio_irq_set set{};
  set.argsz = static_cast<std::uint32_t>(sizeof(vfio_irq_set) + (eventfd ? sizeof(std::int32_t) : 0));
  set.flags = flags;
  set.index = static_cast<std::uint32_t>(kind);
  set.start = start;
  set.count = count;
  std::memcpy(buffer, &set, sizeof set);
  if (eventfd) std::memcpy(buffer + sizeof set, eventfd, sizeof *eventfd);
  if (sys::ioctl(device_fd, VFIO_DEVICE_SET_IRQS, buffer) != 0) throw_errno("VFIO_DEVICE_SET_IRQS", subject);
}

}  // namespace

void VfioDevice::enable_interrupt(VfioIrq kind, const EventFd& event, unsigned vector) const {
  auto info = irq_info(kind);
  std::string subject = fmt::format("{} irq index {} vector {}", address_.to_string(), static_cast<unsigned>(kind), vector);
  if (vector >= info.count) {
    throw Error("VFIO_DEVICE_SET_IRQS", subject, EINVAL,
                fmt::format("the device has {} vector(s) of this kind", info.count));
  }
  std::int32_t fd = event.fd();
  set_irqs(device_.get(), subject, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, kind, vector, 1, &fd);
}

void VfioDevice::unmask_intx() const {
  set_irqs(device_.get(), fmt::format("{} INTx unmask", address_.to_string()),
           VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, VfioIrq::intx, 0, 1, nullptr);
}

void VfioDevice::disable_interrupts(VfioIrq kind) const {
  set_irqs(device_.get(), fmt::format("{} irq index {} off", address_.to_string(), static_cast<unsigned>(kind)),
           VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, kind, 0, 0, nullptr);
}

void VfioDevice::reset() const {
  if (sys::ioctl(device_.get(), VFIO_DEVICE_RESET, 0ul) != 0) throw_errno("VFIO_DEVICE_RESET", address_.to_string());
}

}  // namespace mapio::mmio

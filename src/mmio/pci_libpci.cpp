#include "mmio/pci_libpci.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <string>

extern "C" {
#include <pci/pci.h>
}

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mmio/pci_sysfs.hpp"

namespace mapio::mmio::libpci {
namespace {

// libpci reports problems through callbacks, and its default error handler prints and calls
// exit(): a library must not end its caller's process over an unreadable sysfs file. The handlers
// below record warnings and turn an error into a mapio::Error, thrown through libpci's C frames
// (Debian builds it with unwind tables, as every x86_64 object is). libpci expects its error
// handler not to return, so whatever it holds at that moment is never released: mapio therefore
// calls it only where it holds nothing open (see describe_one and enumerate below).
thread_local std::string warnings;
thread_local const char* operation = "";

std::string format_message(const char* format, va_list arguments) {
  char text[512];
  std::vsnprintf(text, sizeof text, format, arguments);
  return text;
}

// The GNU spelling: clang treats noreturn as part of the function type, as libpci declares it.
__attribute__((noreturn)) void on_error(char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  std::string text = format_message(format, arguments);
  va_end(arguments);
  if (!warnings.empty()) text += fmt::format(" (after libpci warned: {})", warnings);
  warnings.clear();
  throw Error(operation, "", EIO, text);
}

void on_warning(char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  std::string text = format_message(format, arguments);
  va_end(arguments);
  warnings += warnings.empty() ? text : "; " + text;
}

void on_debug(char*, ...) {}

/// pci_alloc/pci_cleanup with mapio's handlers installed before anything can fail; `what` names
/// the operation in the errors they throw.
struct Access {
  pci_access* access = pci_alloc();
  explicit Access(const char* what) {
    warnings.clear();
    operation = what;
    access->error = on_error;
    access->warning = on_warning;
    access->debug = on_debug;
  }
  ~Access() { pci_cleanup(access); }
  Access(const Access&) = delete;
  Access& operator=(const Access&) = delete;
};

// Names only from pci.ids: no network lookups (PCI_LOOKUP_NETWORK stays off) and no udev hwdb, so
// that the answer depends on the ids file alone; NO_NUMBERS makes an unknown id an empty answer.
constexpr int quiet = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;

std::string lookup(pci_access* a, int what, int first, int second = 0) {
  char buffer[256];
  const char* name = pci_lookup_name(a, buffer, sizeof buffer, what | quiet, first, second);
  return name ? std::string(name) : std::string();
}

std::string string_property(pci_dev* d, std::uint32_t which) {
  const char* value = pci_get_string_property(d, which);
  return value ? std::string(value) : std::string();
}

Bar make_bar(unsigned index, pciaddr_t base, pciaddr_t size, pciaddr_t flags) {
  // base_addr carries the BAR's low flag bits (I/O: bits 0-1; memory: bits 0-3): mask them off.
  bool io = (flags & resource_flags::io) != 0;
  return Bar{index, static_cast<std::uint64_t>(base & (io ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK)),
             static_cast<std::uint64_t>(size), static_cast<std::uint64_t>(flags)};
}

// The sysfs back-end reads each of these from the same files the kernel exports (vendor, device,
// class, revision, resource, the driver and iommu_group links).
constexpr int wanted = PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT | PCI_FILL_BASES | PCI_FILL_ROM_BASE |
                       PCI_FILL_SIZES | PCI_FILL_IO_FLAGS | PCI_FILL_DRIVER | PCI_FILL_IOMMU_GROUP;

void open_sysfs(pci_access* a, const std::filesystem::path& sysfs_root) {
  a->method = PCI_ACCESS_SYS_BUS_PCI;
  std::string path = (sysfs_root / "bus" / "pci").string();
  char parameter[] = "sysfs.path";
  pci_set_param(a, parameter, path.data());
  pci_init(a);
}

PciDevice describe_filled(pci_dev* d) {
  pci_fill_info(d, wanted);
  PciDevice device;
  device.address.domain = static_cast<std::uint32_t>(d->domain);
  device.address.bus = d->bus;
  device.address.device = d->dev;
  device.address.function = d->func;
  device.vendor_id = d->vendor_id;
  device.device_id = d->device_id;
  device.class_code = (static_cast<std::uint32_t>(d->device_class) << 8) | d->prog_if;
  device.revision = d->rev_id;
  device.driver = string_property(d, PCI_FILL_DRIVER);
  if (auto group = sysfs::parse_number(string_property(d, PCI_FILL_IOMMU_GROUP))) {
    device.iommu_group = static_cast<unsigned>(*group);
  }
  for (unsigned i = 0; i < 6; ++i) {
    if (d->size[i] != 0) device.bars.push_back(make_bar(i, d->base_addr[i], d->size[i], d->flags[i]));
  }
  if (d->rom_size != 0) device.bars.push_back(make_bar(6, d->rom_base_addr, d->rom_size, d->rom_flags));
  return device;
}

// Names are a courtesy: a missing or malformed pci.ids leaves them empty rather than failing the
// listing (a malformed one is reported through the error handler, once).
void add_names(pci_access* a, std::vector<PciDevice>& devices) {
  try {
    for (auto& device : devices) {
      device.vendor_name = lookup(a, PCI_LOOKUP_VENDOR, device.vendor_id);
      device.device_name = lookup(a, PCI_LOOKUP_DEVICE, device.vendor_id, device.device_id);
      // pci_lookup_name wants base class and subclass (16 bits); the programming interface is separate.
      device.class_name = lookup(a, PCI_LOOKUP_CLASS, static_cast<int>(device.class_code >> 8));
    }
  } catch (const Error&) {
  }
}

// One function through libpci. Its resource table is parsed by mapio first: libpci reads it with
// stdio and, on a line it cannot parse, throws (through our handler) with the FILE still open.
// mapio's parser fails on everything libpci's would, and closes what it opened.
PciDevice describe_one(pci_access* a, const std::filesystem::path& directory, const PciAddress& address) {
  auto resource = directory / address.to_string() / "resource";
  parse_resource_table(sysfs::read_text(resource), resource.string());
  // pci_get_dev makes a handle for one address without scanning the bus; the sysfs back-end fills
  // it from that device's own directory.
  pci_dev* d = pci_get_dev(a, static_cast<int>(address.domain), address.bus, address.device, address.function);
  try {
    PciDevice device = describe_filled(d);
    pci_free_dev(d);
    return device;
  } catch (...) {
    pci_free_dev(d);
    throw;
  }
}

}  // namespace

std::vector<PciDevice> enumerate(const std::filesystem::path& sysfs_root) {
  // The directory is listed here and each function handed to libpci on its own (pci_get_dev), not
  // through pci_scan_bus: libpci's scan holds its directory open while it reads each device, and
  // an error there (a name that is not an address, a malformed table) leaves that handle open for
  // good, since the error handler throws past its cleanup.
  auto directory = sysfs_root / "bus" / "pci" / "devices";
  std::vector<PciAddress> addresses;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    try {
      addresses.push_back(PciAddress::parse(name));
    } catch (const Error&) {
      throw Error("list PCI devices", it->path().string(), EINVAL,
                  fmt::format("\"{}\" in the devices directory is not a PCI address", name));
    }
  }
  if (ec) throw Error("list PCI devices", directory.string(), ec.value());

  Access holder("list PCI devices with libpci");
  open_sysfs(holder.access, sysfs_root);
  std::vector<PciDevice> devices;
  for (const auto& address : addresses) devices.push_back(describe_one(holder.access, directory, address));
  add_names(holder.access, devices);
  return devices;
}

PciDevice describe(const std::filesystem::path& sysfs_root, const PciAddress& address) {
  Access holder("describe a PCI device with libpci");
  open_sysfs(holder.access, sysfs_root);
  std::vector<PciDevice> one;
  one.push_back(describe_one(holder.access, sysfs_root / "bus" / "pci" / "devices", address));
  add_names(holder.access, one);
  return std::move(one.front());
}

}  // namespace mapio::mmio::libpci

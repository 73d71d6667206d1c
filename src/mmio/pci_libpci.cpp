#include "mmio/pci_libpci.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>

extern "C" {
#include <pci/pci.h>
}

#include "mapio/error.hpp"

namespace mapio::mmio::libpci {
namespace {

// libpci reports problems through callbacks; its default error handler calls exit(). mapio turns
// an error into an exception instead (libpci is built with unwind tables on Debian) and stays quiet
// on warnings, which only repeat what the caller will see as a missing value.
// The GNU spelling: clang treats noreturn as part of the function type, as libpci declares it.
__attribute__((noreturn)) void on_error(char* format, ...) {
  char text[512];
  va_list arguments;
  va_start(arguments, format);
  std::vsnprintf(text, sizeof text, format, arguments);
  va_end(arguments);
  throw Error("libpci", "", EIO, text);
}
void on_warning(char*, ...) {}

struct Access {
  pci_access* access = pci_alloc();
  Access() {
    access->error = on_error;
    access->warning = on_warning;
    access->debug = on_warning;
  }
  ~Access() { pci_cleanup(access); }
  Access(const Access&) = delete;
  Access& operator=(const Access&) = delete;
};

}  // namespace

struct NameList::State {
  Access access;
  bool usable = false;
};

NameList::NameList() : state_(std::make_unique<State>()) {
  // Names only: no bus scan, no network (PCI_LOOKUP_NETWORK stays off), no udev hwdb so that the
  // answer depends on pci.ids alone.
  pci_access* a = state_->access.access;
  a->method = PCI_ACCESS_SYS_BUS_PCI;
  try {
    pci_init(a);
    state_->usable = true;
  } catch (const Error&) {
    state_->usable = false;
  }
}

NameList::~NameList() = default;

namespace {
constexpr int quiet = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;

std::string or_empty(const char* name) { return name ? std::string(name) : std::string(); }
}  // namespace

std::string NameList::vendor(std::uint16_t vendor_id) {
  if (!state_->usable) return {};
  char buffer[256];
  try {
    return or_empty(pci_lookup_name(state_->access.access, buffer, sizeof buffer, PCI_LOOKUP_VENDOR | quiet,
                                    static_cast<int>(vendor_id)));
  } catch (const Error&) {
    return {};
  }
}

std::string NameList::device(std::uint16_t vendor_id, std::uint16_t device_id) {
  if (!state_->usable) return {};
  char buffer[256];
  try {
    return or_empty(pci_lookup_name(state_->access.access, buffer, sizeof buffer, PCI_LOOKUP_DEVICE | quiet,
                                    static_cast<int>(vendor_id), static_cast<int>(device_id)));
  } catch (const Error&) {
    return {};
  }
}

std::string NameList::device_class(std::uint32_t class_code) {
  if (!state_->usable) return {};
  char buffer[256];
  try {
    // pci_lookup_name wants base class and subclass (16 bits); the programming interface is separate.
    return or_empty(pci_lookup_name(state_->access.access, buffer, sizeof buffer, PCI_LOOKUP_CLASS | quiet,
                                    static_cast<int>(class_code >> 8)));
  } catch (const Error&) {
    return {};
  }
}

std::vector<Seen> scan(const std::filesystem::path& sysfs_root) {
  Access holder;
  pci_access* a = holder.access;
  a->method = PCI_ACCESS_SYS_BUS_PCI;
  std::string path = (sysfs_root / "bus" / "pci").string();
  char name[] = "sysfs.path";
  pci_set_param(a, name, path.data());
  pci_init(a);
  pci_scan_bus(a);
  std::vector<Seen> seen;
  for (pci_dev* d = a->devices; d != nullptr; d = d->next) {
    pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_IO_FLAGS);
    Seen s;
    s.address.domain = static_cast<std::uint32_t>(d->domain);
    s.address.bus = d->bus;
    s.address.device = d->dev;
    s.address.function = d->func;
    s.vendor_id = d->vendor_id;
    s.device_id = d->device_id;
    for (unsigned i = 0; i < 6; ++i) {
      if (d->size[i] == 0) continue;
      Bar bar;
      bar.index = i;
      bar.flags = d->flags[i];
      bool io = (d->flags[i] & resource_flags::io) != 0;
      bar.address = d->base_addr[i] & (io ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK);
      bar.size = d->size[i];
      s.bars.push_back(bar);
    }
    seen.push_back(std::move(s));
  }
  return seen;
}

}  // namespace mapio::mmio::libpci

// The parts of mapio's PCI code that talk to libpci (pciutils), kept behind one small interface so
// that <pci/pci.h> (and its macros) stay out of every other file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mapio/mmio/pci.hpp"

namespace mapio::mmio::libpci {

/// Names from pci.ids through pci_lookup_name(3). One instance loads the list once.
class NameList {
 public:
  NameList();
  ~NameList();
  NameList(const NameList&) = delete;
  NameList& operator=(const NameList&) = delete;

  /// Empty strings when the ids are not in the list (or the list cannot be read).
  std::string vendor(std::uint16_t vendor_id);
  std::string device(std::uint16_t vendor_id, std::uint16_t device_id);
  std::string device_class(std::uint32_t class_code);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// What libpci's sysfs back-end reads for one function.
struct Seen {
  PciAddress address;
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::vector<Bar> bars;  ///< BARs 0..5 with size > 0
};

/// Scans `<sysfs_root>/bus/pci` with libpci (method linux-sysfs). Throws mapio::Error when libpci
/// reports an error.
std::vector<Seen> scan(const std::filesystem::path& sysfs_root);

}  // namespace mapio::mmio::libpci

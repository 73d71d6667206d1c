// The parts of mapio's PCI code that talk to libpci (pciutils), kept behind one small interface so
// that <pci/pci.h> (and its macros) stay out of every other file.
#pragma once

#include <filesystem>
#include <vector>

#include "mapio/mmio/pci.hpp"

namespace mapio::mmio::libpci {

/// Every function under `<sysfs_root>/bus/pci/devices`, each described by libpci (method
/// linux-sysfs, `sysfs.path` pointed there): address, ids, class, revision, BARs and ROM with their
/// IORESOURCE_* flags, bound driver, IOMMU group, and names from pci.ids. `sysfs_path` is left
/// empty and the order is the directory's. Throws mapio::Error: EINVAL for an entry that is not a
/// PCI address or a malformed resource table, EIO with libpci's own message (and any warnings it
/// gave before) when libpci reports an error. A failure leaves no descriptor open.
std::vector<PciDevice> enumerate(const std::filesystem::path& sysfs_root);

/// The same description for one function, read from its own sysfs directory without scanning the
/// bus. The caller checks that the directory exists: libpci would describe a missing one as all
/// ones rather than fail.
PciDevice describe(const std::filesystem::path& sysfs_root, const PciAddress& address);

}  // namespace mapio::mmio::libpci

// What the guest kernel says about QEMU's edu device, read straight from sysfs with plain file I/O
// (no mapio code), so that the device tests compare the library against an independent reading.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"

namespace mapio::vmtest {

inline constexpr std::uint32_t edu_identification = 0x010000ed;
inline constexpr std::uint64_t edu_bar_size = 1 << 20;

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A sysfs number file ("0x1234\n", "14\n"): C notation, as strtoull reads it.
inline std::uint64_t read_number(const std::filesystem::path& path) {
  return std::strtoull(read_text(path).c_str(), nullptr, 0);
}

/// The name a sysfs symlink (driver, iommu_group) points at; empty when there is no link.
inline std::string link_name(const std::filesystem::path& link) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(link, ec);
  return ec ? std::string() : target.filename().string();
}

/// The edu function as sysfs shows it.
struct EduSysfs {
  std::filesystem::path directory;  ///< /sys/bus/pci/devices/<address>
  std::string address;              ///< "0000:00:04.0"
  std::uint64_t bar0 = 0;           ///< first line of `resource`
  std::uint64_t bar0_end = 0;
  std::string driver;               ///< basename of the `driver` link; empty when unbound
  std::string iommu_group;          ///< basename of the `iommu_group` link; empty without an IOMMU
};

/// Finds the one edu (1234:11e8); throws (failing the calling test) when there is none.
inline EduSysfs find_edu() {
  EduSysfs edu;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/bus/pci/devices")) {
    if (read_number(entry.path() / "vendor") != 0x1234 || read_number(entry.path() / "device") != 0x11e8) continue;
    edu.directory = entry.path();
    edu.address = entry.path().filename().string();
    std::istringstream resource(read_text(entry.path() / "resource"));
    std::string start, end;
    resource >> start >> end;
    edu.bar0 = std::strtoull(start.c_str(), nullptr, 16);
    edu.bar0_end = std::strtoull(end.c_str(), nullptr, 16);
    edu.driver = link_name(entry.path() / "driver");
    edu.iommu_group = link_name(entry.path() / "iommu_group");
    return edu;
  }
  throw std::runtime_error("no edu device (1234:11e8) under /sys/bus/pci/devices: is QEMU started with -device edu?");
}

/// Runs `body`, which must throw mapio::Error with `errno_value`; returns the error's text.
inline std::string expect_error(int errno_value, const std::function<void()>& body) {
  try {
    body();
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), errno_value) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no mapio::Error thrown (expected errno " << errno_value << ")";
  return {};
}

}  // namespace mapio::vmtest

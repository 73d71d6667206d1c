// VFIO on the host: region-info decoding (buffers laid out as the kernel writes struct
// vfio_region_info and its capability chain), the refusals VfioDevice::open explains before it
// touches /dev/vfio, and EventFd. Real containers, DMA and interrupts run in the QEMU guest.
#include "mapio/mmio/vfio.hpp"

#include <linux/vfio.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "test_support.hpp"

namespace {

using mapio::Error;
using mapio::mmio::PciAddress;
using mapio::mmio::VfioDevice;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path tree = fs::path(MAPIO_TEST_DATA_DIR) / "sysfs" / "qemu";

using mapio::test::error_of;

/// Builds what VFIO_DEVICE_GET_REGION_INFO leaves in the caller's buffer.
class RegionInfo {
 public:
  RegionInfo(std::uint32_t index, std::uint32_t flags, std::uint64_t size, std::uint64_t offset)
      : bytes_(sizeof(vfio_region_info)) {
    vfio_region_info info{};
    info.argsz = sizeof info;
    info.flags = flags;
    info.index = index;
    info.size = size;
    info.offset = offset;
    put(0, info);
  }
  /// Appends a capability and links it at the end of the chain; returns its offset.
  std::size_t add_capability(std::uint16_t id, const std::vector<std::byte>& body) {
    std::size_t at = bytes_.size();
    bytes_.resize(at + sizeof(vfio_info_cap_header) + body.size());
    vfio_info_cap_header header{};
    header.id = id;
    header.version = 1;
    put(at, header);
    std::memcpy(bytes_.data() + at + sizeof header, body.data(), body.size());
    if (last_ == 0) {
      auto info = get<vfio_region_info>(0);
      info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
      info.cap_offset = static_cast<std::uint32_t>(at);
      put(0, info);
    } else {
      auto previous = get<vfio_info_cap_header>(last_);
      previous.next = static_cast<std::uint32_t>(at);
      put(last_, previous);
    }
    last_ = at;
    auto info = get<vfio_region_info>(0);
    info.argsz = static_cast<std::uint32_t>(bytes_.size());
    put(0, info);
    return at;
  }
  std::size_t add_sparse(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& areas) {
    std::vector<std::byte> body(8 + areas.size() * sizeof(vfio_region_sparse_mmap_area));
    std::uint32_t count = static_cast<std::uint32_t>(areas.size());
    std::memcpy(body.data(), &count, sizeof count);
    for (std::size_t i = 0; i < areas.size(); ++i) {
      vfio_region_sparse_mmap_area area{areas[i].first, areas[i].second};
      std::memcpy(body.data() + 8 + i * sizeof area, &area, sizeof area);
    }
    return add_capability(VFIO_REGION_INFO_CAP_SPARSE_MMAP, body);
  }
  void link(std::size_t from, std::uint32_t to) {
    auto header = get<vfio_info_cap_header>(from);
    header.next = to;
    put(from, header);
  }
  std::vector<std::byte>& bytes() { return bytes_; }

 private:
  template <class T>
  void put(std::size_t at, const T& value) { std::memcpy(bytes_.data() + at, &value, sizeof value); }
  template <class T>
  T get(std::size_t at) const {
    T value;
    std::memcpy(&value, bytes_.data() + at, sizeof value);
    return value;
  }
  std::vector<std::byte> bytes_;
  std::size_t last_ = 0;
};

constexpr std::uint32_t rwm = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP;

TEST(RegionInfo, WithoutCapabilitiesTheWholeMappableRegionIsOneArea) {
  RegionInfo info(0, rwm, 1 << 20, 0);
  auto region = mapio::mmio::parse_region_info(info.bytes());
  EXPECT_EQ(region.index, 0u);
  EXPECT_EQ(region.size, 1u << 20);
  EXPECT_TRUE(region.readable());
  EXPECT_TRUE(region.writable());
  EXPECT_TRUE(region.mappable());
  EXPECT_FALSE(region.sparse);
  ASSERT_EQ(region.mmap_areas.size(), 1u);
  EXPECT_EQ(region.mmap_areas[0].offset, 0u);
  EXPECT_EQ(region.mmap_areas[0].size, 1u << 20);
}

TEST(RegionInfo, ConfigRegionIsNotMappable) {
  RegionInfo info(7, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, 256, std::uint64_t{7} << 40);
  auto region = mapio::mmio::parse_region_info(info.bytes());
  EXPECT_FALSE(region.mappable());
  EXPECT_TRUE(region.mmap_areas.empty());
  EXPECT_EQ(region.offset, std::uint64_t{7} << 40);
}

TEST(RegionInfo, SparseMmapAreasFollowTheChainPastOtherCapabilities) {
  // A BAR holding an MSI-X table: vfio-pci leaves the table's page out of the mmap-able areas.
  RegionInfo info(2, rwm, 0x4000, std::uint64_t{2} << 40);
  std::vector<std::byte> type_body(8);  // struct vfio_region_info_cap_type's type and subtype
  info.add_capability(VFIO_REGION_INFO_CAP_TYPE, type_body);
  info.add_sparse({{0x0, 0x2000}, {0x3000, 0x1000}, {0x3800, 0}});
  auto region = mapio::mmio::parse_region_info(info.bytes());
  EXPECT_TRUE(region.sparse);
  ASSERT_EQ(region.mmap_areas.size(), 2u) << "an empty area is dropped";
  EXPECT_EQ(region.mmap_areas[0].offset, 0x0u);
  EXPECT_EQ(region.mmap_areas[0].size, 0x2000u);
  EXPECT_EQ(region.mmap_areas[1].offset, 0x3000u);
  EXPECT_EQ(region.mmap_areas[1].size, 0x1000u);
}

TEST(RegionInfo, ASparseAreaEndingPastTwoToTheSixtyFourIsAnError) {
  RegionInfo info(2, rwm, 0x4000, std::uint64_t{2} << 40);
  info.add_sparse({{0x0, 0x2000}, {~std::uint64_t{0}, 0x2}});
  auto e = mapio::test::error_of([&] { mapio::mmio::parse_region_info(info.bytes()); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  EXPECT_NE(std::string(e.what()).find("sparse-mmap area 1 (offset 0xffffffffffffffff, size 0x2) ends past 2^64"),
            std::string::npos)
      << e.what();
}

TEST(RegionInfo, OnlyRangesInsideOneSparseAreaCanBeMapped) {
  // Areas [0, 0x2000) and [0x3000, 0x4000) with a hole between them, as vfio-pci leaves for an
  // MSI-X table.
  RegionInfo info(2, rwm, 0x4000, std::uint64_t{2} << 40);
  info.add_sparse({{0x0, 0x2000}, {0x3000, 0x1000}});
  auto region = mapio::mmio::parse_region_info(info.bytes());
  EXPECT_TRUE(region.can_map(0x0, 0x2000));
  EXPECT_TRUE(region.can_map(0x1000, 0x1000));
  EXPECT_TRUE(region.can_map(0x3000, 0x1000));
  EXPECT_TRUE(region.can_map(0x3ffc, 4));
  EXPECT_FALSE(region.can_map(0x1000, 0x2000)) << "ends in the hole";
  EXPECT_FALSE(region.can_map(0x2000, 0x1000)) << "the hole itself";
  EXPECT_FALSE(region.can_map(0x0, 0x4000)) << "spans the hole";
  EXPECT_FALSE(region.can_map(0x3ffc, 8)) << "past the region";
  EXPECT_FALSE(region.can_map(0x3000, ~std::uint64_t{0} - 0x2000)) << "an end that wraps past zero";
  EXPECT_FALSE(region.can_map(~std::uint64_t{0}, 2));
}

TEST(RegionInfo, SparseWithNoAreasMeansNothingMayBeMapped) {
  RegionInfo info(0, rwm, 0x1000, 0);
  info.add_sparse({});
  auto region = mapio::mmio::parse_region_info(info.bytes());
  EXPECT_TRUE(region.sparse);
  EXPECT_TRUE(region.mmap_areas.empty());
}

TEST(RegionInfo, BrokenChainsAreErrors) {
  {
    RegionInfo info(0, rwm, 0x1000, 0);
    auto at = info.add_sparse({{0, 0x1000}});
    info.link(at, static_cast<std::uint32_t>(at));  // points at itself
    auto e = error_of([&] { mapio::mmio::parse_region_info(info.bytes()); });
    EXPECT_EQ(e.errno_value(), EINVAL);
    EXPECT_NE(std::string(e.what()).find("loops"), std::string::npos) << e.what();
  }
  {
    RegionInfo info(0, rwm, 0x1000, 0);
    auto at = info.add_sparse({{0, 0x1000}});
    info.link(at, 0x10000);  // past the end
    auto e = error_of([&] { mapio::mmio::parse_region_info(info.bytes()); });
    EXPECT_EQ(e.errno_value(), EINVAL);
    EXPECT_NE(std::string(e.what()).find("outside"), std::string::npos) << e.what();
  }
  {
    RegionInfo info(0, rwm, 0x1000, 0);
    info.add_sparse({{0, 0x1000}, {0x1000, 0x1000}});
    info.bytes().resize(info.bytes().size() - 8);  // the last area is cut short
    auto e = error_of([&] { mapio::mmio::parse_region_info(info.bytes()); });
    EXPECT_EQ(e.errno_value(), EINVAL);
  }
  std::vector<std::byte> tiny(8);
  EXPECT_EQ(error_of([&] { mapio::mmio::parse_region_info(tiny); }).errno_value(), EINVAL);
}

TEST(VfioOpen, DeviceWithoutIommuGroupExplainsTheIommu) {
  auto e = error_of([] { VfioDevice::open(PciAddress::parse("00:00.0"), {tree, "/nonexistent"}); });
  EXPECT_EQ(e.errno_value(), ENODEV);
  EXPECT_NE(std::string(e.what()).find("intel_iommu=on"), std::string::npos) << e.what();
}

TEST(VfioOpen, DeviceBoundElsewhereExplainsHowToBind) {
  auto e = error_of([] { VfioDevice::open(PciAddress::parse("00:03.0"), {tree, "/nonexistent"}); });
  EXPECT_EQ(e.errno_value(), EBUSY);
  std::string what = e.what();
  EXPECT_NE(what.find("bound to e1000"), std::string::npos) << what;
  EXPECT_NE(what.find("echo \"8086 100e\" > /sys/bus/pci/drivers/vfio-pci/new_id"), std::string::npos) << what;
}

TEST(VfioOpen, MissingVfioNodeExplainsTheModules) {
  mapio::test::ScratchDir empty;
  auto e = error_of([&] { VfioDevice::open(PciAddress::parse("00:05.0"), {tree, empty.path()}); });
  EXPECT_EQ(e.errno_value(), ENOENT);
  EXPECT_NE(std::string(e.what()).find("vfio module is not loaded"), std::string::npos) << e.what();
}

TEST(VfioOpen, MissingDeviceIsNamed) {
  auto e = error_of([] { VfioDevice::open(PciAddress::parse("00:09.0"), {tree, "/nonexistent"}); });
  EXPECT_EQ(e.errno_value(), ENODEV);
  EXPECT_NE(std::string(e.what()).find("0000:00:09.0"), std::string::npos);
}

TEST(EventFd, CountsSignalsAndTimesOut) {
  auto event = mapio::EventFd::create();
  event.signal();
  event.signal(2);
  EXPECT_EQ(event.wait(), 3u) << "a read returns the sum and resets the counter";
  auto e = error_of([&] { event.wait(30ms); });
  EXPECT_EQ(e.errno_value(), ETIMEDOUT);
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    event.signal(5);
  });
  EXPECT_EQ(event.wait(2000ms), 5u);
  other.join();
}

TEST(DmaMapping, EmptyMappingsMoveAndResetQuietly) {
  mapio::mmio::DmaMapping a;
  mapio::mmio::DmaMapping b(std::move(a));
  EXPECT_EQ(b.size(), 0u);
  b.reset();
  a = std::move(b);
  EXPECT_EQ(a.size(), 0u);
}

}  // namespace

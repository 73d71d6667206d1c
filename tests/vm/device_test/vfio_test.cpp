// VFIO with edu bound to vfio-pci behind QEMU's emulated IOMMU (vm.edu_vfio_dma): the group and
// container open, the regions are what sysfs says, BAR0 and config space reach the device, and a
// small DMA goes host buffer -> edu -> second buffer with an MSI through an eventfd.
// IOVAs stay below 2^28 (edu's DMA mask) and transfers below 4096 bytes (QEMU 7.2's edu aborts on
// a transfer that touches the last byte of its buffer).
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "edu_driver.hpp"
#include "edu_sysfs.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/eventfd.hpp"
#include "mapio/mmio/pci.hpp"
#include "mapio/mmio/vfio.hpp"
#include "mapio/mmio/volatile_bus.hpp"
#include "mapio/core/page.hpp"
#include "read_only_probe.hpp"

namespace {

using namespace std::chrono_literals;
using mapio::mmio::DmaAccess;
using mapio::mmio::PciAddress;
using mapio::mmio::VfioDevice;
using mapio::mmio::VfioIrq;
using mapio::mmio::VolatileBus;
using mapio::vmtest::expect_error;
using mapio::vmtest::find_edu;
namespace vfio_region = mapio::mmio::vfio_region;

VfioDevice open_edu() { return VfioDevice::open(PciAddress::parse(find_edu().address)); }

TEST(Vfio, OpensEduInTheGroupSysfsNames) {
  const auto edu = find_edu();
  ASSERT_EQ(edu.driver, "vfio-pci");
  ASSERT_FALSE(edu.iommu_group.empty()) << "no IOMMU group: boot with intel_iommu=on and -device intel-iommu";
  auto device = open_edu();
  EXPECT_EQ(device.address().to_string(), edu.address);
  EXPECT_EQ(std::to_string(device.iommu_group()), edu.iommu_group);
  EXPECT_EQ(std::string(device.iommu_type()), "VFIO_TYPE1v2_IOMMU");
  EXPECT_GT(device.region_count(), vfio_region::config);
  EXPECT_GT(device.irq_count(), static_cast<unsigned>(VfioIrq::msi));
}

TEST(Vfio, RegionsAreWhatSysfsSays) {
  const auto edu = find_edu();
  auto device = open_edu();
  const auto bar0 = device.region(vfio_region::bar0);
  EXPECT_EQ(bar0.size, edu.bar0_end - edu.bar0 + 1);
  EXPECT_TRUE(bar0.readable());
  EXPECT_TRUE(bar0.writable());
  EXPECT_TRUE(bar0.mappable());
  ASSERT_EQ(bar0.mmap_areas.size(), 1u);
  EXPECT_EQ(bar0.mmap_areas[0].offset, 0u);
  EXPECT_EQ(bar0.mmap_areas[0].size, bar0.size);
  EXPECT_EQ(device.region(1).size, 0u) << "edu has BAR0 only";
  EXPECT_EQ(device.region(vfio_region::config).size, std::filesystem::file_size(edu.directory / "config"));
  EXPECT_EQ(device.irq_info(VfioIrq::msi).count, 1u);
  EXPECT_EQ(device.irq_info(VfioIrq::intx).count, 1u);
}

TEST(Vfio, Bar0AndConfigReachTheDevice) {
  auto device = open_edu();
  auto bar = device.map_region(vfio_region::bar0);
  VolatileBus bus(bar);
  edu::regs::Map<VolatileBus> map(bus);
  EXPECT_EQ(map[edu::regs::identification].read(), mapio::vmtest::edu_identification);
  map[edu::regs::liveness].write(0x5a5aa5a5);
  EXPECT_EQ(map[edu::regs::liveness].read(), ~0x5a5aa5a5u);
  EXPECT_EQ(device.read_config<std::uint16_t>(0x00), 0x1234);
  EXPECT_EQ(device.read_config<std::uint16_t>(0x02), 0x11e8);
  // A range outside the region's one mappable area is refused, naming what can be mapped.
  expect_error(EINVAL, [&] { (void)device.map_region(vfio_region::bar0, 0, 2 * mapio::vmtest::edu_bar_size); });
}

TEST(Vfio, AReadOnlyRegionMapCannotBeMadeWritableByAnotherProcess) {
  // The group admits one user: the reader is a child that inherits the writer's device and maps
  // BAR0 read-only through it. The device descriptor is read-write and cannot be reopened (an
  // anonymous inode), so the refusal is mapio's alone.
  auto device = open_edu();
  auto writer = device.map_region(vfio_region::bar0);
  mapio::vmtest::expect_read_only_reader_changes_nothing(
      writer, [&] { return device.map_region(vfio_region::bar0, 0, mapio::Mapping::whole, mapio::Protection::read); },
      mapio::vmtest::Enforcement::mapio_only);
}

TEST(Vfio, DmaRoundTripWithMsiThroughAnEventfd) {
  constexpr std::uint64_t source_iova = 0x300000;
  constexpr std::uint64_t destination_iova = 0x400000;
  constexpr std::size_t length = 700;
  constexpr std::size_t buffer_offset = 0x100;

  auto device = open_edu();
  auto bar = device.map_region(vfio_region::bar0);
  VolatileBus bus(bar);
  edu::regs::Map<VolatileBus> map(bus);
  auto source = mapio::Mapping::anonymous(mapio::page_size());
  auto destination = mapio::Mapping::anonymous(mapio::page_size());
  auto in = source.writable_bytes();
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
  auto source_dma = device.map_dma(source.writable_bytes(), source_iova, DmaAccess::device_reads);
  auto destination_dma = device.map_dma(destination.writable_bytes(), destination_iova, DmaAccess::device_writes);
  device.enable_bus_master();
  EXPECT_NE(device.read_config<std::uint16_t>(0x04) & mapio::mmio::command_bits::bus_master, 0);
  auto event = mapio::EventFd::create();
  device.enable_interrupt(VfioIrq::msi, event);
  map[edu::regs::interrupt_acknowledge].write(map[edu::regs::interrupt_status].read());

  auto move = [&](std::uint64_t from, std::uint64_t to, edu::DmaDirection direction) {
    map[edu::regs::dma_source].write(from);
    map[edu::regs::dma_destination].write(to);
    map[edu::regs::dma_count].write(length);
    map[edu::regs::dma_command].write(edu::regs::DmaCommand::start(true) | edu::regs::DmaCommand::direction(direction) |
                                      edu::regs::DmaCommand::interrupt_when_done(true));
    EXPECT_GE(event.wait(3000ms), 1u);
    mapio::mmio::poll_until(map[edu::regs::dma_command], mapio::mmio::is_clear(edu::regs::DmaCommand::start), 100ms);
    EXPECT_EQ(map[edu::regs::interrupt_status].read(), edu::dma_interrupt);
    map[edu::regs::interrupt_acknowledge].write(edu::dma_interrupt);
  };
  const std::uint64_t device_side = edu::buffer_address + buffer_offset;
  move(source_iova, device_side, edu::DmaDirection::to_device);
  move(device_side, destination_iova, edu::DmaDirection::to_ram);
  device.disable_interrupts(VfioIrq::msi);

  auto out = destination.bytes();
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < length; ++i) mismatches += in[i] != out[i];
  for (std::size_t i = length; i < out.size(); ++i) mismatches += out[i] != std::byte{0};
  EXPECT_EQ(mismatches, 0u);
}

TEST(Vfio, OverlappingDmaMappingIsRefusedUntilUnmapped) {
  auto device = open_edu();
  auto first = mapio::Mapping::anonymous(mapio::page_size());
  auto second = mapio::Mapping::anonymous(mapio::page_size());
  auto dma = device.map_dma(first.writable_bytes(), 0x500000);
  EXPECT_EQ(dma.iova(), 0x500000u);
  const std::string text = expect_error(EEXIST, [&] { (void)device.map_dma(second.writable_bytes(), 0x500000); });
  EXPECT_NE(text.find("overlaps"), std::string::npos) << text;
  dma.reset();
  auto again = device.map_dma(second.writable_bytes(), 0x500000);
  EXPECT_EQ(again.size(), mapio::page_size());
  expect_error(EINVAL, [&] { (void)device.map_dma(second.writable_bytes().subspan(1, 100), 0x600000); });
}

}  // namespace

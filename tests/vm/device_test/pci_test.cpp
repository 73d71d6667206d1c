// PciBus, PciDevice and ConfigSpace on the guest's real PCI bus: edu is found with the ids, BAR and
// driver sysfs gives, its configuration space reads as the sysfs file does, and BAR0 mapped through
// `resource0` drives the device through a typed RegisterMap (liveness, factorial with poll_until).
// Runs with edu unbound (vm.edu_devmem) and bound to uio_pci_generic (vm.edu_uio_irq), which claims
// no regions and so leaves the resource file mappable.
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edu_driver.hpp"
#include "edu_sysfs.hpp"
#include "mapio/mmio/pci.hpp"
#include "mapio/mmio/registers.hpp"
#include "mapio/mmio/volatile_bus.hpp"
#include "read_only_probe.hpp"

namespace {

using namespace std::chrono_literals;
using mapio::mmio::PciAddress;
using mapio::mmio::PciBus;
using mapio::mmio::PciDevice;
using mapio::mmio::VolatileBus;
using mapio::vmtest::expect_error;
using mapio::vmtest::find_edu;

PciDevice edu_device() { return PciBus().device(PciAddress::parse(find_edu().address)); }

TEST(PciBus, EnumerationFindsEduWithWhatSysfsSays) {
  const auto edu = find_edu();
  std::vector<PciDevice> found;
  for (auto& device : PciBus().devices()) {
    if (device.vendor_id == 0x1234 && device.device_id == 0x11e8) found.push_back(std::move(device));
  }
  ASSERT_EQ(found.size(), 1u);
  const PciDevice& device = found.front();
  EXPECT_EQ(device.address.to_string(), edu.address);
  EXPECT_EQ(device.class_code, mapio::vmtest::read_number(edu.directory / "class") & 0xffffff);
  EXPECT_EQ(device.driver, edu.driver);
  EXPECT_EQ(device.iommu_group.has_value(), !edu.iommu_group.empty());
  if (device.iommu_group) {
    EXPECT_EQ(std::to_string(*device.iommu_group), edu.iommu_group);
  }

  const auto& bar0 = device.bar(0);
  EXPECT_EQ(bar0.address, edu.bar0);
  EXPECT_EQ(bar0.size, edu.bar0_end - edu.bar0 + 1);
  EXPECT_EQ(bar0.size, mapio::vmtest::edu_bar_size);
  EXPECT_TRUE(bar0.is_memory());
  EXPECT_FALSE(bar0.is_64bit());
  EXPECT_FALSE(bar0.is_prefetchable());
  const std::string line = mapio::mmio::describe_bar(bar0);
  EXPECT_NE(line.find("(32-bit, non-prefetchable) [size=1M]"), std::string::npos) << line;
  // edu has BAR0 only.
  expect_error(ENODEV, [&] { (void)device.bar(1); });
}

TEST(PciBus, LookupByAddressAgreesWithEnumeration) {
  const auto edu = find_edu();
  PciBus bus;
  auto device = bus.device(PciAddress::parse(edu.address));
  EXPECT_EQ(device.vendor_id, 0x1234);
  EXPECT_EQ(device.device_id, 0x11e8);
  EXPECT_EQ(device.bar(0).address, edu.bar0);
  const std::string text = expect_error(ENODEV, [&] { (void)bus.device(PciAddress::parse("0000:fe:1f.7")); });
  EXPECT_NE(text.find("0000:fe:1f.7"), std::string::npos) << text;
}

TEST(PciBus, LibpciSeesTheSameBarsForEdu) {
  // Only edu's lines: other devices may differ for reasons of their own (in the pc guest, sysfs
  // shows BARs 1 and 3 of the IDE controller, a legacy-mode device, and libpci does not).
  const auto edu = find_edu();
  std::vector<std::string> about_edu;
  for (auto& line : PciBus().libpci_disagreements()) {
    if (line.rfind(edu.address, 0) == 0) about_edu.push_back(std::move(line));
  }
  EXPECT_EQ(about_edu, std::vector<std::string>{});
}

TEST(PciConfigSpace, ReadsWhatTheSysfsFileHolds) {
  const auto edu = find_edu();
  auto config = edu_device().config();
  const std::string raw = mapio::vmtest::read_text(edu.directory / "config");
  ASSERT_EQ(config.size(), std::filesystem::file_size(edu.directory / "config"));
  ASSERT_EQ(raw.size(), config.size()) << "root reads all of configuration space";
  std::vector<std::byte> bytes(config.size());
  ASSERT_EQ(config.read_bytes(0, bytes), bytes.size());
  // Status bits may change between two reads; the header's identity and BAR registers may not.
  EXPECT_EQ(0, std::memcmp(bytes.data(), raw.data(), 4));
  EXPECT_EQ(0, std::memcmp(bytes.data() + 8, raw.data() + 8, 0x30 - 8));
  EXPECT_EQ(config.read<std::uint16_t>(0x00), 0x1234);
  EXPECT_EQ(config.read<std::uint16_t>(0x02), 0x11e8);
  // The class code (0x09..0x0b) and BAR0 (0x10) say what sysfs says.
  EXPECT_EQ(config.read<std::uint32_t>(0x08) >> 8, mapio::vmtest::read_number(edu.directory / "class") & 0xffffff);
  EXPECT_EQ(config.read<std::uint32_t>(0x10) & ~0xfu, edu.bar0);
  expect_error(ERANGE, [&] { (void)config.read<std::uint32_t>(config.size()); });
}

TEST(PciDevice, Bar0DrivesEduThroughTypedRegisters) {
  const auto device = edu_device();
  auto bar = device.map_bar(0);
  ASSERT_EQ(bar.mapping.size(), mapio::vmtest::edu_bar_size);
  VolatileBus bus(bar.mapping);
  edu::regs::Map<VolatileBus> map(bus);
  EXPECT_EQ(map[edu::regs::identification].read(), mapio::vmtest::edu_identification);
  EXPECT_EQ(map[edu::regs::identification].read(edu::regs::Identification::magic), 0xedu);

  for (std::uint32_t value : {0x00000000u, 0xffffffffu, 0x12345678u, 0x00000001u}) {
    map[edu::regs::liveness].write(value);
    EXPECT_EQ(map[edu::regs::liveness].read(), ~value) << "liveness after writing " << value;
  }

  std::uint32_t expected = 1;
  for (std::uint32_t n = 0; n <= 13; ++n) {
    if (n > 1) expected *= n;  // 13! wraps in 32 bits, as the device computes it
    map[edu::regs::factorial].write(n);
    const auto status = mapio::mmio::poll_until(map[edu::regs::status],
                                                mapio::mmio::is_clear(edu::regs::Status::busy), 1s, 10us);
    EXPECT_FALSE(edu::regs::Status::busy.get(status));
    EXPECT_EQ(map[edu::regs::factorial].read(), expected) << n << "!";
  }
}

TEST(PciDevice, AReadOnlyBarCannotBeMadeWritableByAnotherProcess) {
  const auto device = edu_device();
  auto writer = device.map_bar(0);
  mapio::vmtest::expect_read_only_reader_changes_nothing(
      writer.mapping,
      [&] {
        mapio::mmio::BarMapOptions options;
        options.protection = mapio::Protection::read;
        return std::move(device.map_bar(0, options).mapping);
      },
      mapio::vmtest::Enforcement::kernel_too);
}

TEST(PciDevice, Bar0BoundsAndUnimplementedOffsets) {
  const auto device = edu_device();
  auto bar = device.map_bar(0);
  VolatileBus bus(bar.mapping);
  for (std::size_t offset : {0x0cu, 0x30u, 0x100u, 0x1000u, 0xffffcu}) {
    EXPECT_EQ(bus.read<std::uint32_t>(offset), 0xffffffffu) << "offset " << offset;
  }
  expect_error(ERANGE, [&] { (void)bus.read<std::uint32_t>(mapio::vmtest::edu_bar_size); });
  // A register map that does not fit the region is refused when it is bound.
  VolatileBus small(bar.mapping.writable_data(), 0x40, "edu BAR0 (first 0x40 bytes)");
  expect_error(ERANGE, [&] { edu::regs::Map<VolatileBus> map(small); });
}

TEST(PciDevice, PollUntilTimesOutWithTheLastValue) {
  const auto device = edu_device();
  auto bar = device.map_bar(0);
  VolatileBus bus(bar.mapping);
  edu::regs::Map<VolatileBus> map(bus);
  const std::string text = expect_error(ETIMEDOUT, [&] {
    (void)mapio::mmio::poll_until(map[edu::regs::identification],
                                  [](std::uint32_t id) { return id == 0; }, 5ms, 1ms);
  });
  EXPECT_NE(text.find("identification"), std::string::npos) << text;
  EXPECT_NE(text.find("0x010000ed"), std::string::npos) << text;
}

TEST(PciDevice, WriteCombiningFallsBackWithANote) {
  // edu's BAR0 is not prefetchable, so the kernel gives it no resource0_wc.
  const auto device = edu_device();
  auto bar = device.map_bar(0, {.write_combining = true});
  EXPECT_FALSE(bar.write_combining);
  EXPECT_NE(bar.note.find("resource0_wc"), std::string::npos) << bar.note;
  VolatileBus bus(bar.mapping);
  EXPECT_EQ(bus.read<std::uint32_t>(0), mapio::vmtest::edu_identification);
}

}  // namespace

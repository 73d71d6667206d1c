// UIO with edu bound to uio_pci_generic (vm.edu_uio_irq): the device is listed with BAR0 as its
// map 0, the map reaches the registers, and interrupts raised through edu's 0x60 arrive through
// /dev/uioN. uio_pci_generic masks INTx (command register bit 10) on every interrupt: while masked
// a raised interrupt waits, and it is delivered once enable_interrupts() clears the bit.
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "edu_driver.hpp"
#include "edu_sysfs.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/mmio/pci.hpp"
#include "mapio/mmio/uio.hpp"
#include "mapio/mmio/volatile_bus.hpp"
#include "read_only_probe.hpp"

namespace {

using namespace std::chrono_literals;
using mapio::mmio::PciAddress;
using mapio::mmio::UioDevice;
using mapio::mmio::VolatileBus;
using mapio::vmtest::expect_error;
using mapio::vmtest::find_edu;

/// The UIO device whose parent is edu; fails the test when there is none.
std::optional<mapio::mmio::UioDeviceInfo> edu_uio() {
  const auto address = PciAddress::parse(find_edu().address);
  for (auto& info : mapio::mmio::list_uio_devices()) {
    if (info.pci_address == address) return info;
  }
  ADD_FAILURE() << "no UIO device for edu " << address.to_string() << ": is it bound to uio_pci_generic?";
  return std::nullopt;
}

std::uint32_t kernel_event_count(unsigned number) {
  return static_cast<std::uint32_t>(
      mapio::vmtest::read_number("/sys/class/uio/uio" + std::to_string(number) + "/event"));
}

std::uint16_t command_register() {
  return mapio::mmio::PciBus().device(PciAddress::parse(find_edu().address)).config().read<std::uint16_t>(0x04);
}

/// edu through UIO with BAR0 mapped, any pending interrupt acknowledged and INTx enabled: where
/// each interrupt test starts.
struct EduOnUio {
  explicit EduOnUio(unsigned number) : uio(UioDevice::open(number)), regs(uio.map(0)), bus(regs), map(bus) {
    map[edu::regs::interrupt_acknowledge].write(map[edu::regs::interrupt_status].read());
    uio.enable_interrupts();
  }
  UioDevice uio;
  mapio::Mapping regs;
  VolatileBus bus;
  edu::regs::Map<VolatileBus> map;
};

TEST(Uio, ListsEduWithBar0AsMapZero) {
  const auto edu = find_edu();
  auto info = edu_uio();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->name, "uio_pci_generic");
  EXPECT_EQ(edu.driver, "uio_pci_generic");
  ASSERT_GE(info->maps.size(), 1u);
  EXPECT_EQ(info->maps[0].address, edu.bar0);
  EXPECT_EQ(info->maps[0].size, mapio::vmtest::edu_bar_size);
  EXPECT_EQ(info->maps[0].offset, 0u);
  auto again = mapio::mmio::describe_uio_device(info->number);
  EXPECT_EQ(again.maps.size(), info->maps.size());
}

TEST(Uio, MapZeroReachesTheRegisters) {
  auto info = edu_uio();
  ASSERT_TRUE(info);
  auto uio = UioDevice::open(info->number);
  auto regs = uio.map(0);
  ASSERT_EQ(regs.size(), mapio::vmtest::edu_bar_size);
  VolatileBus bus(regs);
  edu::regs::Map<VolatileBus> map(bus);
  EXPECT_EQ(map[edu::regs::identification].read(), mapio::vmtest::edu_identification);
  map[edu::regs::liveness].write(0x0badf00d);
  EXPECT_EQ(map[edu::regs::liveness].read(), ~0x0badf00du);
}

TEST(Uio, AReadOnlyMapCannotBeMadeWritableByAnotherProcess) {
  const auto info = edu_uio();
  ASSERT_TRUE(info);
  auto writer_device = UioDevice::open(info->number);
  auto writer = writer_device.map(0);
  mapio::vmtest::expect_read_only_reader_changes_nothing(
      writer,
      [&] {
        // The reader opens the device itself (read-write, as interrupts need) and maps read-only.
        auto reader = UioDevice::open(info->number);
        return reader.map(0, mapio::Protection::read);
      },
      mapio::vmtest::Enforcement::kernel_too);
}

TEST(Uio, RaisedInterruptIsWaitedForAcknowledgedAndReenabled) {
  auto info = edu_uio();
  ASSERT_TRUE(info);
  EduOnUio edu(info->number);
  auto& uio = edu.uio;
  auto& map = edu.map;
  const std::uint32_t before = kernel_event_count(info->number);

  // Nothing raised: the wait times out.
  expect_error(ETIMEDOUT, [&] { (void)uio.wait(200ms); });

  map[edu::regs::interrupt_raise].write(0x00c0ffee);
  EXPECT_EQ(uio.wait(5000ms), before + 1);
  EXPECT_EQ(map[edu::regs::interrupt_status].read(), 0x00c0ffeeu);
  EXPECT_NE(command_register() & mapio::mmio::command_bits::interrupt_disable, 0)
      << "uio_pci_generic masks INTx when it fires";

  map[edu::regs::interrupt_acknowledge].write(0x00c0ffee);
  EXPECT_EQ(map[edu::regs::interrupt_status].read(), 0u);
  uio.enable_interrupts();
  EXPECT_EQ(command_register() & mapio::mmio::command_bits::interrupt_disable, 0);

  map[edu::regs::interrupt_raise].write(0x2);
  EXPECT_EQ(uio.wait(5000ms), before + 2);
  map[edu::regs::interrupt_acknowledge].write(0x2);
  uio.enable_interrupts();
  EXPECT_EQ(kernel_event_count(info->number), before + 2);
}

TEST(Uio, MaskedInterruptIsDeliveredOnlyOnceReenabled) {
  auto info = edu_uio();
  ASSERT_TRUE(info);
  EduOnUio edu(info->number);
  auto& uio = edu.uio;
  auto& map = edu.map;
  const std::uint32_t before = kernel_event_count(info->number);

  map[edu::regs::interrupt_raise].write(0x1);
  EXPECT_EQ(uio.wait(5000ms), before + 1);
  // Still masked (not re-enabled): a second raise stays pending in the device.
  map[edu::regs::interrupt_raise].write(0x4);
  expect_error(ETIMEDOUT, [&] { (void)uio.wait(300ms); });
  EXPECT_EQ(map[edu::regs::interrupt_status].read(), 0x5u);
  // edu's INTx is level-triggered: unmasking with the status still set delivers it at once.
  uio.enable_interrupts();
  EXPECT_EQ(uio.wait(5000ms), before + 2);
  map[edu::regs::interrupt_acknowledge].write(0x5);
  uio.enable_interrupts();
  expect_error(ETIMEDOUT, [&] { (void)uio.wait(300ms); });
  EXPECT_EQ(kernel_event_count(info->number), before + 2);
}

}  // namespace

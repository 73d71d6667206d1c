// PhysicalWindow on real device memory: edu's BAR0 through the guest's /dev/mem, with no driver
// bound to edu (vm.edu_devmem). The unit tests can only stand a file in for /dev/mem; here the
// kernel's STRICT_DEVMEM and IO_STRICT_DEVMEM rules are the ones that apply.
#include <cerrno>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "edu_sysfs.hpp"
#include "mapio/mmio/physical.hpp"
#include "mapio/mmio/volatile_bus.hpp"
#include "mapio/mmio/iomem.hpp"
#include "read_only_probe.hpp"

namespace {

using mapio::mmio::PhysicalOptions;
using mapio::mmio::PhysicalWindow;
using mapio::mmio::VolatileBus;
using mapio::vmtest::expect_error;
using mapio::vmtest::find_edu;

TEST(PhysicalWindow, ReadsEduIdentificationThroughDevMem) {
  const auto edu = find_edu();
  auto window = PhysicalWindow::map(edu.bar0, 0x100);
  EXPECT_EQ(window.address(), edu.bar0);
  EXPECT_EQ(window.size(), 0x100u);
  VolatileBus bus(window.mapping());
  EXPECT_EQ(bus.read<std::uint32_t>(0x00), mapio::vmtest::edu_identification);
  // edu answers unimplemented offsets with all-ones.
  EXPECT_EQ(bus.read<std::uint32_t>(0x7c), 0xffffffffu);
}

TEST(PhysicalWindow, ReadOnlyWindowRefusesWritesAndOutOfRangeOffsets) {
  const auto edu = find_edu();
  auto window = PhysicalWindow::map(edu.bar0, 0x100);
  VolatileBus bus(window.mapping());
  EXPECT_FALSE(bus.writable());
  expect_error(EACCES, [&] { bus.write<std::uint32_t>(0x04, 1); });
  expect_error(ERANGE, [&] { (void)bus.read<std::uint32_t>(0x100); });
}

TEST(PhysicalWindow, AReadOnlyWindowCannotBeMadeWritableByAnotherProcess) {
  const auto edu = find_edu();
  auto writer = PhysicalWindow::map(edu.bar0, 0x100, PhysicalOptions().writable());
  mapio::vmtest::expect_read_only_reader_changes_nothing(
      writer.mapping(), [&] { return std::move(PhysicalWindow::map(edu.bar0, 0x100).mapping()); },
      mapio::vmtest::Enforcement::kernel_too);
}

TEST(PhysicalWindow, UnalignedWindowWritesTheRightRegister) {
  // A window starting at the liveness register (BAR0 + 4): the page alignment happens inside, and
  // offset 0 of the window is the register.
  const auto edu = find_edu();
  auto liveness = PhysicalWindow::map(edu.bar0 + 4, 4, PhysicalOptions().writable());
  EXPECT_EQ(liveness.address(), edu.bar0 + 4);
  EXPECT_EQ(liveness.size(), 4u);
  VolatileBus live(liveness.mapping());
  auto whole = PhysicalWindow::map(edu.bar0, 0x10);
  VolatileBus check(whole.mapping());
  for (std::uint32_t value : {0x00000000u, 0x12345678u, 0xa5a55a5au}) {
    live.write<std::uint32_t>(0, value);
    EXPECT_EQ(live.read<std::uint32_t>(0), ~value);
    EXPECT_EQ(check.read<std::uint32_t>(0x04), ~value) << "the write went somewhere else";
  }
  EXPECT_EQ(check.read<std::uint32_t>(0x00), mapio::vmtest::edu_identification);
}

TEST(PhysicalWindow, SystemRamIsRefusedWithTheReason) {
  constexpr std::uint64_t address = 0x1000000;  // 16 MiB: RAM in any guest with 128 MiB or more
  auto iomem = mapio::mmio::ResourceTree::read_iomem();
  ASSERT_TRUE(iomem.overlaps_system_ram(address, address + 3)) << "16 MiB is not System RAM in this guest";
  const std::string text = expect_error(EPERM, [&] { (void)PhysicalWindow::map(address, 4); });
  EXPECT_NE(text.find("System RAM"), std::string::npos) << text;
  EXPECT_NE(text.find("STRICT_DEVMEM"), std::string::npos) << text;
}

}  // namespace

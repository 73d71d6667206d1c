// PhysicalWindow and the /dev/mem failure diagnosis. The diagnosis is a pure function, checked here
// against captured /proc/iomem tables; the window itself is checked on real files standing in for
// the memory device (the device-memory cases run in the QEMU guest), and on this machine's /dev/mem
// when it has none.
#include "mapio/mmio/physical.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/mmio/volatile_bus.hpp"
#include "read_only_support.hpp"
#include "test_support.hpp"

namespace {

using mapio::mmio::DevmemFailure;
using mapio::mmio::DevmemStage;
using mapio::mmio::Lockdown;
using mapio::mmio::PhysicalOptions;
using mapio::mmio::PhysicalWindow;

const std::string data_dir = MAPIO_TEST_DATA_DIR;

mapio::mmio::ResourceTree qemu_iomem() { return mapio::mmio::ResourceTree::read(data_dir + "/iomem/qemu_pc_edu.txt"); }

DevmemFailure map_failure(int errno_value, std::uint64_t first, std::uint64_t last) {
  DevmemFailure f;
  f.stage = DevmemStage::map;
  f.errno_value = errno_value;
  f.first = first;
  f.last = last;
  f.iomem = qemu_iomem();
  f.lockdown = Lockdown::none;
  return f;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Lockdown, ReadsTheBracketedMode) {
  EXPECT_EQ(mapio::mmio::parse_lockdown("[none] integrity confidentiality\n"), Lockdown::none);
  EXPECT_EQ(mapio::mmio::parse_lockdown("none [integrity] confidentiality\n"), Lockdown::integrity);
  EXPECT_EQ(mapio::mmio::parse_lockdown("none integrity [confidentiality]\n"), Lockdown::confidentiality);
  EXPECT_EQ(mapio::mmio::parse_lockdown("none integrity confidentiality\n"), Lockdown::unknown);
  EXPECT_EQ(mapio::mmio::parse_lockdown(""), Lockdown::unknown);
  EXPECT_EQ(mapio::mmio::parse_lockdown("[sideways]"), Lockdown::unknown);
}

TEST(Lockdown, ReadsAFileAndCallsAMissingOneUnknown) {
  mapio::test::ScratchDir dir;
  EXPECT_EQ(mapio::mmio::read_lockdown(dir.write("lockdown", "none [integrity] confidentiality\n")), Lockdown::integrity);
  EXPECT_EQ(mapio::mmio::read_lockdown(dir / "absent"), Lockdown::unknown);
}

TEST(DevmemDiagnosis, NoDeviceNodeMeansNoDevmemOrAContainer) {
  DevmemFailure f;
  f.stage = DevmemStage::open;
  f.errno_value = ENOENT;
  const auto text = mapio::mmio::explain_devmem_failure(f);
  EXPECT_TRUE(has(text, "there is no /dev/mem")) << text;
  EXPECT_TRUE(has(text, "CONFIG_DEVMEM")) << text;
  EXPECT_TRUE(has(text, "container")) << text;
}

TEST(DevmemDiagnosis, RefusedOpenIsLockdownWhenTheKernelIsLockedDown) {
  for (Lockdown mode : {Lockdown::integrity, Lockdown::confidentiality}) {
    DevmemFailure f;
    f.stage = DevmemStage::open;
    f.errno_value = EPERM;
    f.lockdown = mode;
    const auto text = mapio::mmio::explain_devmem_failure(f);
    EXPECT_TRUE(has(text, mode == Lockdown::integrity ? "[integrity]" : "[confidentiality]")) << text;
    EXPECT_TRUE(has(text, "locked down")) << text;
    EXPECT_FALSE(has(text, "CAP_SYS_RAWIO")) << text;
  }
}

TEST(DevmemDiagnosis, RefusedOpenIsAMissingCapabilityOtherwise) {
  for (Lockdown mode : {Lockdown::none, Lockdown::unknown}) {
    DevmemFailure f;
    f.stage = DevmemStage::open;
    f.errno_value = EPERM;
    f.lockdown = mode;
    EXPECT_TRUE(has(mapio::mmio::explain_devmem_failure(f), "CAP_SYS_RAWIO"));
  }
  DevmemFailure f;
  f.stage = DevmemStage::open;
  f.errno_value = EACCES;
  EXPECT_TRUE(has(mapio::mmio::explain_devmem_failure(f), "run as root"));
}

TEST(DevmemDiagnosis, RefusedMapOfSystemRamIsStrictDevmem) {
  const auto text = mapio::mmio::explain_devmem_failure(map_failure(EPERM, 0x200000, 0x200fff));
  EXPECT_TRUE(has(text, "0x200000-0x200fff is System RAM")) << text;
  EXPECT_TRUE(has(text, "CONFIG_STRICT_DEVMEM")) << text;
  EXPECT_FALSE(has(text, "IO_STRICT")) << text;
}

TEST(DevmemDiagnosis, RefusedMapOfADriversRangeNamesTheDriverAndTheWayOut) {
  const auto text = mapio::mmio::explain_devmem_failure(map_failure(EPERM, 0xfeb40000, 0xfeb40003));
  EXPECT_TRUE(has(text, "claimed by 'e1000' (feb40000-feb5ffff)")) << text;
  EXPECT_TRUE(has(text, "CONFIG_IO_STRICT_DEVMEM")) << text;
  EXPECT_TRUE(has(text, "echo 0000:00:03.0 > /sys/bus/pci/devices/0000:00:03.0/driver/unbind")) << text;
  EXPECT_TRUE(has(text, "iomem=relaxed")) << text;
}

TEST(DevmemDiagnosis, RefusedMapOfAKernelRangeNamesItWithoutAPciDevice) {
  const auto text = mapio::mmio::explain_devmem_failure(map_failure(EPERM, 0xfec00000, 0xfec00fff));
  EXPECT_TRUE(has(text, "claimed by 'IOAPIC 0' (fec00000-fec003ff)")) << text;
  EXPECT_FALSE(has(text, "/sys/bus/pci")) << text;
  EXPECT_TRUE(has(text, "iomem=relaxed")) << text;
}

TEST(DevmemDiagnosis, RefusedMapOutsideEveryResourceSaysSo) {
  auto f = map_failure(EPERM, 0xfec01000, 0xfec01fff);
  const auto text = mapio::mmio::explain_devmem_failure(f);
  // The table is named as it was read: the test's captured copy here, /proc/iomem in real use.
  EXPECT_TRUE(has(text, fmt::format("no resource in {} covers (", f.iomem->source()))) << text;
  f.iomem = mapio::mmio::ResourceTree::parse("", "an empty table");
  EXPECT_TRUE(has(mapio::mmio::explain_devmem_failure(f), "no resource in an empty table covers (it lists none)"));
}

TEST(DevmemDiagnosis, WithoutIomemItSaysWhatItCannotKnow) {
  auto f = map_failure(EPERM, 0xfeb40000, 0xfeb40003);
  f.iomem.reset();
  const auto text = mapio::mmio::explain_devmem_failure(f);
  EXPECT_TRUE(has(text, "CONFIG_STRICT_DEVMEM")) << text;
  EXPECT_TRUE(has(text, "CONFIG_IO_STRICT_DEVMEM")) << text;
  EXPECT_TRUE(has(text, "CAP_SYS_ADMIN")) << text;
}

TEST(DevmemDiagnosis, OtherErrorsGetNoInventedStory) {
  EXPECT_EQ(mapio::mmio::explain_devmem_failure(map_failure(EIO, 0xfea00000, 0xfea00003)), "");
  EXPECT_TRUE(has(mapio::mmio::explain_devmem_failure(map_failure(ENODEV, 0, 3)), "does not support mmap"));
}

// A file stands in for physical memory: the window must hand back exactly the bytes at the address
// asked for, wherever it falls in its page.
TEST(PhysicalWindow, MapsExactlyTheBytesAskedForAtAnyAddress) {
  mapio::test::ScratchDir dir;
  std::string memory(3 * 4096, '\0');
  for (std::size_t i = 0; i < memory.size(); ++i) memory[i] = static_cast<char>('a' + i % 23);
  const auto device = dir.write("mem", memory);
  const std::uint64_t address = 4096 - 3;  // straddles a page boundary
  auto window = PhysicalWindow::map(address, 10, PhysicalOptions().device(device));
  EXPECT_EQ(window.address(), address);
  EXPECT_EQ(window.size(), 10u);
  EXPECT_EQ(mapio::test::as_text(window.mapping().bytes()), memory.substr(address, 10));
  EXPECT_FALSE(window.mapping().writable());
  EXPECT_THROW(window.mapping().writable_bytes(), mapio::Error);
}

TEST(PhysicalWindow, AWritableWindowWritesThrough) {
  mapio::test::ScratchDir dir;
  const auto device = dir.write("mem", std::string(2 * 4096, '\0'));
  {
    auto window = PhysicalWindow::map(4100, 4, PhysicalOptions().writable().device(device));
    std::memcpy(window.mapping().writable_data(), "mmio", 4);
  }
  EXPECT_EQ(mapio::test::read_with_read(device).substr(4100, 4), "mmio");
}

// Two processes: the writer keeps a writable window on the memory; a reader maps a read-only one
// and tries to make it writable, to write through a bus and with a plain store. Nothing reaches the
// memory, and mapio itself says why.
TEST(PhysicalWindow, AReadOnlyWindowCannotBeMadeWritable) {
  mapio::test::ScratchDir dir;
  const std::string memory = mapio::test::patterned(2 * 4096);
  const auto device = dir.write("mem", memory);
  auto writer = PhysicalWindow::map(0, memory.size(), PhysicalOptions().writable().device(device));
  const std::string found = mapio::test::in_reader([&](mapio::test::Findings& f) {
    auto window = PhysicalWindow::map(4096 - 8, 64, PhysicalOptions().device(device));
    f.refused("protect(read_write)", [&] { window.mapping().protect(mapio::Protection::read_write); }, EACCES,
              "opened read-only");
    mapio::mmio::VolatileBus bus(window.mapping());
    f.refused("write32", [&] { bus.write<std::uint32_t>(8, 0xdeadbeef); }, EACCES, "read-only");
    f.expect(!mapio::test::kernel_may_write(window.mapping().data()), "the kernel would let the window become writable");
    f.expect(mapio::test::store_faults(window.mapping().data()), "a plain store through the window did not fault");
    f.expect(mapio::test::as_text(window.mapping().bytes()) == memory.substr(4096 - 8, 64), "the window reads wrong");
  });
  EXPECT_EQ(found, "");
  EXPECT_TRUE(mapio::test::as_text(writer.mapping().bytes()) == memory) << "the reader changed the memory";
  EXPECT_TRUE(mapio::test::read_with_read(device) == memory) << "the reader changed the device file";
}

TEST(PhysicalWindow, RefusesEmptyAndWrappingRanges) {
  mapio::test::ScratchDir dir;
  const auto device = dir.write("mem", "x");
  try {
    PhysicalWindow::map(0x1000, 0, PhysicalOptions().device(device));
    FAIL();
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), EINVAL);
  }
  try {
    PhysicalWindow::map(0xfffffffffffffff0ull, 0x20, PhysicalOptions().device(device));
    FAIL();
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ERANGE);
  }
}

// A regular file standing in for the memory device has an end, /dev/mem has none: a window that
// reaches past the end would map, and its first access beyond the end would raise SIGBUS.
TEST(PhysicalWindow, AWindowPastTheEndOfAFileIsRefusedNotLeftToSigbus) {
  mapio::test::ScratchDir dir;
  const auto device = dir.write("mem", std::string(2 * 4096, 'm'));
  const auto descriptors = mapio::test::descriptor_count();
  try {
    PhysicalWindow::map(2 * 4096 - 2, 4, PhysicalOptions().writable().device(device));
    FAIL() << "a window past the end of the file was mapped";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ERANGE);
    EXPECT_EQ(e.operation(), "map");
    EXPECT_EQ(e.subject(), device.string() + " [0x1ffe-0x2001]");
    EXPECT_TRUE(has(e.explanation(), "regular file of 8192 bytes")) << e.what();
    EXPECT_TRUE(has(e.explanation(), "reach 0x2002")) << e.what();
  }
  EXPECT_EQ(mapio::test::descriptor_count(), descriptors);
  EXPECT_EQ(std::filesystem::file_size(device), 2u * 4096);  // not grown
  // A window that ends on the file's last byte is whole, and every byte of it can be touched.
  auto window = PhysicalWindow::map(2 * 4096 - 4, 4, PhysicalOptions().writable().device(device));
  std::memcpy(window.mapping().writable_data(), "last", 4);
  EXPECT_EQ(mapio::test::as_text(window.mapping().bytes()), "last");
}

TEST(PhysicalWindow, AFailedMapIsDiagnosedAndLeaksNothing) {
  mapio::test::ScratchDir dir;
  const auto descriptors = mapio::test::descriptor_count();
  // A directory opens but cannot be mapped: mmap(2) says ENODEV, and the diagnosis explains it.
  try {
    PhysicalWindow::map(0x1000, 4, PhysicalOptions().device(dir.path()));
    FAIL();
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ENODEV);
    EXPECT_EQ(e.operation(), "map");
    EXPECT_EQ(e.subject(), dir.path().string() + " [0x1000-0x1003]");
    EXPECT_TRUE(has(e.explanation(), "does not support mmap")) << e.what();
  }
  EXPECT_EQ(mapio::test::descriptor_count(), descriptors);
}

TEST(PhysicalWindow, AMissingDeviceIsExplained) {
  mapio::test::ScratchDir dir;
  try {
    PhysicalWindow::map(0x1000, 4, PhysicalOptions().device(dir / "mem"));
    FAIL();
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ENOENT);
    EXPECT_EQ(e.operation(), "open");
    EXPECT_TRUE(has(e.explanation(), "CONFIG_DEVMEM")) << e.what();
  }
}

// This machine's own /dev/mem: when there is none (as on the build host), the real failure must carry
// the explanation. Machines with /dev/mem are covered by the QEMU guest scenarios.
TEST(PhysicalWindow, ThisMachinesMissingDevMemIsExplained) {
  if (std::filesystem::exists("/dev/mem")) GTEST_SKIP() << "this machine has /dev/mem";
  try {
    PhysicalWindow::map(0xb8000, 2);
    FAIL();
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ENOENT);
    EXPECT_EQ(e.subject(), "/dev/mem");
    EXPECT_TRUE(has(e.explanation(), "there is no /dev/mem")) << e.what();
  }
}

}  // namespace

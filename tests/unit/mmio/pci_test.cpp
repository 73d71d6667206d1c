// PCI devices from a hand-made sysfs tree (tests/data/sysfs/qemu): addresses, the resource table,
// enumeration and names through libpci and the cross-check against sysfs, BAR mapping through
// resource files, config space (and its 64-byte limit, on this machine's own sysfs), and the
// `mapio pci` and `mapio bar` verbs run as processes.
#include "mapio/mmio/pci.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mapio/core/error.hpp"
#include "mapio/mmio/bus.hpp"
#include "read_only_support.hpp"
#include "test_support.hpp"

namespace {

using mapio::Error;
using mapio::mmio::Bar;
using mapio::mmio::PciAddress;
using mapio::mmio::PciBus;
namespace fs = std::filesystem;

const fs::path tree = fs::path(MAPIO_TEST_DATA_DIR) / "sysfs" / "qemu";

using mapio::test::error_of;

/// A writable copy of the tree, with sparse resource files standing in for BAR memory.
struct TreeCopy {
  mapio::test::ScratchDir scratch;
  fs::path root = scratch / "sys";
  TreeCopy() { fs::copy(tree, root, fs::copy_options::recursive | fs::copy_options::copy_symlinks); }
  fs::path device(std::string_view address) const { return root / "bus/pci/devices" / address; }
  fs::path resource(std::string_view address, std::string_view name, std::uintmax_t size) const {
    auto path = device(address) / name;
    std::ofstream(path, std::ios::binary).close();
    fs::resize_file(path, size);
    return path;
  }
};

void poke32(const fs::path& file, std::uint64_t offset, std::uint32_t value) {
  std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
  out.seekp(static_cast<std::streamoff>(offset));
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}

std::uint32_t peek32(const fs::path& file, std::uint64_t offset) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::uint32_t value = 0;
  in.read(reinterpret_cast<char*>(&value), sizeof value);
  return value;
}

mapio::test::CliRun run(const std::string& arguments) { return mapio::test::run_cli(arguments); }

// ---- addresses -------------------------------------------------------------------------------

TEST(PciAddress, ParsesFullAndShortForms) {
  auto full = PciAddress::parse("0000:00:04.0");
  EXPECT_EQ(full.domain, 0u);
  EXPECT_EQ(full.bus, 0u);
  EXPECT_EQ(full.device, 4u);
  EXPECT_EQ(full.function, 0u);
  auto wide = PciAddress::parse("10000:e3:1f.7");
  EXPECT_EQ(wide.domain, 0x10000u);
  EXPECT_EQ(wide.bus, 0xe3u);
  EXPECT_EQ(wide.device, 0x1fu);
  EXPECT_EQ(wide.function, 7u);
  EXPECT_EQ(wide.to_string(), "10000:e3:1f.7");
  EXPECT_EQ(PciAddress::parse("00:04.0"), full);
  EXPECT_EQ(PciAddress::parse("0:4.0").to_string(), "0000:00:04.0");
}

TEST(PciAddress, RejectsWhatIsNotAnAddress) {
  for (const char* bad : {"", "00:04", "04.0", "00:20.0", "00:04.8", "zz:04.0", "0000:00:04.0x", "000:00:04:0",
                          "1:2:3:4.0", "00:04.-1"}) {
    auto e = error_of([&] { PciAddress::parse(bad); });
    EXPECT_EQ(e.errno_value(), EINVAL) << bad;
    EXPECT_NE(std::string(e.what()).find("0000:00:04.0"), std::string::npos) << e.what();
  }
}

// ---- resource table --------------------------------------------------------------------------

TEST(ResourceTable, DecodesMemoryIoRomAnd64BitPrefetchable) {
  auto e1000 = mapio::mmio::parse_resource_table(mapio::test::read_with_read(tree / "bus/pci/devices/0000:00:03.0/resource"));
  ASSERT_EQ(e1000.size(), 3u);
  EXPECT_EQ(e1000[0].index, 0u);
  EXPECT_EQ(e1000[0].address, 0xfebc0000u);
  EXPECT_EQ(e1000[0].size, 128u * 1024);
  EXPECT_TRUE(e1000[0].is_memory());
  EXPECT_FALSE(e1000[0].is_io());
  EXPECT_FALSE(e1000[0].is_64bit());
  EXPECT_FALSE(e1000[0].is_prefetchable());
  EXPECT_EQ(e1000[1].index, 1u);
  EXPECT_TRUE(e1000[1].is_io());
  EXPECT_EQ(e1000[1].address, 0xc000u);
  EXPECT_EQ(e1000[1].size, 64u);
  EXPECT_TRUE(e1000[2].is_rom());
  EXPECT_TRUE(e1000[2].is_prefetchable());

  auto ivshmem = mapio::mmio::parse_resource_table(mapio::test::read_with_read(tree / "bus/pci/devices/0000:00:05.0/resource"));
  ASSERT_EQ(ivshmem.size(), 2u) << "the upper half of BAR2 (line 3) and the eighth line are not BARs";
  EXPECT_EQ(ivshmem[0].size, 256u);
  EXPECT_EQ(ivshmem[1].index, 2u);
  EXPECT_TRUE(ivshmem[1].is_64bit());
  EXPECT_TRUE(ivshmem[1].is_prefetchable());
  EXPECT_EQ(ivshmem[1].size, 1u << 20);
}

TEST(ResourceTable, MalformedLineIsAnErrorNamingTheLine) {
  auto e = error_of([] { mapio::mmio::parse_resource_table("0x0 0x0 0x0\n0x1000 oops 0x200\n", "dev/resource"); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  EXPECT_NE(std::string(e.what()).find("dev/resource"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
}

TEST(ResourceTable, ARangeOverAllOfMemoryHasNoSizeAndIsLeftOut) {
  // 0 to 2^64 - 1 would be 2^64 bytes, which wraps to a size of 0: no BAR has it.
  auto bars = mapio::mmio::parse_resource_table("0x0 0xffffffffffffffff 0x200\n0x1000 0x1fff 0x200\n");
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0].index, 1u);
  EXPECT_EQ(bars[0].size, 0x1000u);
}

TEST(ResourceTable, SizesAndDescriptionsReadLikeLspci) {
  EXPECT_EQ(mapio::mmio::format_size(1 << 20), "1M");
  EXPECT_EQ(mapio::mmio::format_size(256), "256");
  EXPECT_EQ(mapio::mmio::format_size(0x1800), "6K");
  EXPECT_EQ(mapio::mmio::format_size(std::uint64_t{4} << 30), "4G");
  EXPECT_EQ(mapio::mmio::format_size(1000), "1000");
  EXPECT_EQ(mapio::mmio::describe_bar(Bar{0, 0xfea00000, 1 << 20, 0x40200}),
            "Memory at fea00000 (32-bit, non-prefetchable) [size=1M]");
  EXPECT_EQ(mapio::mmio::describe_bar(Bar{4, 0xc000, 32, 0x40101}), "I/O ports at c000 [size=32]");
  EXPECT_EQ(mapio::mmio::describe_bar(Bar{2, 0x6001000000, 16 << 20, 0x14220c}),
            "Memory at 6001000000 (64-bit, prefetchable) [size=16M]");
}

// ---- devices -----------------------------------------------------------------------------------

TEST(PciBus, ListsTheTreeSortedWithIdsDriversGroupsAndBars) {
  auto devices = PciBus(tree).devices();
  ASSERT_EQ(devices.size(), 4u);
  EXPECT_EQ(devices[0].address.to_string(), "0000:00:00.0");
  EXPECT_EQ(devices[1].address.to_string(), "0000:00:03.0");
  const auto& edu = devices[2];
  EXPECT_EQ(edu.address.to_string(), "0000:00:04.0");
  EXPECT_EQ(edu.vendor_id, 0x1234);
  EXPECT_EQ(edu.device_id, 0x11e8);
  EXPECT_EQ(edu.class_code, 0x00ff00u);
  EXPECT_EQ(edu.revision, 0x10);
  EXPECT_EQ(edu.driver, "uio_pci_generic");
  ASSERT_TRUE(edu.iommu_group.has_value());
  EXPECT_EQ(*edu.iommu_group, 2u);
  ASSERT_EQ(edu.bars.size(), 1u);
  EXPECT_EQ(edu.bar(0).address, 0xfea00000u);

  const auto& bridge = devices[0];
  EXPECT_TRUE(bridge.bars.empty());
  EXPECT_TRUE(bridge.driver.empty());
  EXPECT_FALSE(bridge.iommu_group.has_value());
}

TEST(PciBus, NamesComeFromPciIds) {
  auto e1000 = PciBus(tree).device(PciAddress::parse("00:03.0"));
  EXPECT_EQ(e1000.vendor_name, "Intel Corporation");
  EXPECT_EQ(e1000.device_name, "82540EM Gigabit Ethernet Controller");
  EXPECT_EQ(e1000.class_name, "Ethernet controller");
  auto edu = PciBus(tree).device(PciAddress::parse("00:04.0"));
  EXPECT_EQ(edu.device_name, "") << "QEMU's edu is not in pci.ids";
}

TEST(PciBus, MissingDeviceAndMissingBusAreErrors) {
  auto missing = error_of([] { PciBus(tree).device(PciAddress::parse("00:1f.3")); });
  EXPECT_EQ(missing.errno_value(), ENODEV);
  EXPECT_NE(std::string(missing.what()).find("0000:00:1f.3"), std::string::npos);
  auto no_bus = error_of([] { PciBus(tree / "nowhere").devices(); });
  EXPECT_EQ(no_bus.errno_value(), ENOENT);
}

TEST(PciBus, LibpciReadsTheSameBarTable) {
  EXPECT_EQ(PciBus(tree).libpci_disagreements(), std::vector<std::string>{});
}

TEST(PciBus, LibpciFollowsAChangedResourceTable) {
  // Both parsers read the same file independently: a second BAR added to edu's table must show up
  // in both, with the same address and size.
  TreeCopy copy;
  std::ofstream(copy.device("0000:00:04.0") / "resource", std::ios::trunc)
      << "0x00000000fea00000 0x00000000feafffff 0x0000000000040200\n"
         "0x00000000feb00000 0x00000000feb00fff 0x0000000000040200\n";
  auto differences = PciBus(copy.root).libpci_disagreements();
  EXPECT_EQ(differences, std::vector<std::string>{}) << "both read the same file, so they must still agree";
  auto edu = PciBus(copy.root).device(PciAddress::parse("00:04.0"));
  EXPECT_EQ(edu.bars.size(), 2u);
}

TEST(PciBus, LibpciErrorsBecomeExceptionsNotExit) {
  // libpci's default error handler prints and calls exit(); mapio's throws. Without `vendor` the
  // linux-sysfs back-end cannot identify the device and reports an error naming the file.
  TreeCopy copy;
  fs::remove(copy.device("0000:00:04.0") / "vendor");
  const auto descriptors = mapio::test::descriptor_count();
  auto e = error_of([&] { PciBus(copy.root).devices(); });
  EXPECT_EQ(mapio::test::descriptor_count(), descriptors) << "the failed listing left a descriptor open";
  EXPECT_EQ(e.errno_value(), EIO);
  std::string what = e.what();
  EXPECT_NE(what.find("list PCI devices with libpci"), std::string::npos) << what;
  EXPECT_NE(what.find((copy.device("0000:00:04.0") / "vendor").string()), std::string::npos) << what;
  // The process is still here, and a later scan of a sound tree works.
  EXPECT_EQ(PciBus(tree).devices().size(), 4u);
}

// Every field of a device, BARs included, as one line: what device(address) and devices() must
// agree on.
std::string describe(const mapio::mmio::PciDevice& d) {
  std::string text = fmt::format("{} {} {:04x}:{:04x} class {:06x} rev {:02x} [{}|{}|{}] driver '{}' group {}",
                                 d.address.to_string(), d.sysfs_path.string(), d.vendor_id, d.device_id,
                                 d.class_code, d.revision, d.vendor_name, d.device_name, d.class_name, d.driver,
                                 d.iommu_group ? std::to_string(*d.iommu_group) : "none");
  for (const auto& bar : d.bars) text += fmt::format(" bar{}={:x}+{:x}/{:x}", bar.index, bar.address, bar.size, bar.flags);
  return text;
}

// device(address) reads one directory instead of scanning the bus: it must describe each device
// exactly as the listing does, on the hand-made tree and on this machine's own sysfs.
void expect_each_device_reads_like_the_listing(const fs::path& root) {
  auto listing = PciBus(root).devices();
  ASSERT_FALSE(listing.empty()) << root;
  for (const auto& listed : listing) {
    EXPECT_EQ(describe(PciBus(root).device(listed.address)), describe(listed));
  }
}

TEST(PciBus, OneDeviceByAddressReadsLikeTheListing) { expect_each_device_reads_like_the_listing(tree); }

TEST(PciBus, OneDeviceByAddressReadsLikeTheListingOnThisMachine) {
  std::error_code ec;
  if (fs::is_empty("/sys/bus/pci/devices", ec) || ec) GTEST_SKIP() << "this machine shows no PCI bus in sysfs";
  expect_each_device_reads_like_the_listing("/sys");
}

TEST(PciBus, OneDeviceByAddressTurnsLibpciErrorsIntoExceptions) {
  TreeCopy copy;
  fs::remove(copy.device("0000:00:04.0") / "vendor");
  auto e = error_of([&] { PciBus(copy.root).device(PciAddress::parse("00:04.0")); });
  EXPECT_EQ(e.errno_value(), EIO);
  EXPECT_EQ(e.operation(), "describe a PCI device with libpci");
  EXPECT_NE(std::string(e.what()).find((copy.device("0000:00:04.0") / "vendor").string()), std::string::npos)
      << e.what();
  // Another device of the same tree is still described.
  EXPECT_EQ(PciBus(copy.root).device(PciAddress::parse("00:03.0")).vendor_id, 0x8086);
}

// Each way a tree can be broken under libpci's feet: the listing fails with an error naming the
// file, and leaves no descriptor open behind it (libpci's own cleanup is skipped when its error
// handler throws, so what it holds open at that moment must be nothing).
TEST(PciBus, FailedListingsLeaveNoDescriptorOpen) {
  const std::vector<std::pair<std::string, std::function<void(const TreeCopy&)>>> breakages = {
      {"resource", [](const TreeCopy& c) { fs::remove(c.device("0000:00:04.0") / "resource"); }},
      {"resource", [](const TreeCopy& c) {
         std::ofstream(c.device("0000:00:04.0") / "resource", std::ios::trunc) << "not a resource line\n";
       }},
      {"vendor", [](const TreeCopy& c) { fs::remove(c.device("0000:00:04.0") / "vendor"); }},
      {"class", [](const TreeCopy& c) { fs::remove(c.device("0000:00:04.0") / "class"); }},
      {"device", [](const TreeCopy& c) { fs::remove(c.device("0000:00:04.0") / "device"); }},
      {"not-an-address", [](const TreeCopy& c) { fs::create_directory(c.root / "bus/pci/devices/not-an-address"); }},
  };
  for (const auto& [file, breakage] : breakages) {
    TreeCopy copy;
    breakage(copy);
    const auto descriptors = mapio::test::descriptor_count();
    std::string what;
    try {
      auto devices = PciBus(copy.root).devices();
      what = fmt::format("listed {} devices", devices.size());
    } catch (const Error& e) {
      what = e.what();
    }
    EXPECT_NE(what.find(file), std::string::npos) << file << ": " << what;
    EXPECT_EQ(mapio::test::descriptor_count(), descriptors) << file << ": " << what;
  }
}

TEST(PciBus, AMalformedRevisionIsAnErrorOfTheSysfsReaderNotAZero) {
  TreeCopy copy;
  std::ofstream(copy.device("0000:00:04.0") / "revision", std::ios::trunc) << "zz\n";
  auto e = error_of([&] { PciBus(copy.root).libpci_disagreements(); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  std::string what = e.what();
  EXPECT_NE(what.find((copy.device("0000:00:04.0") / "revision").string()), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  fs::remove(copy.device("0000:00:04.0") / "revision");  // absent, as on older kernels: revision 0
  EXPECT_NE(PciBus(copy.root).libpci_disagreements(), std::vector<std::string>{}) << "libpci reads 0x10 from config";
}

TEST(PciBus, LibpciAndSysfsDisagreeOnADanglingDriverLink) {
  // The sysfs view takes the link's name; libpci resolves the link (realpath) and finds nothing.
  TreeCopy copy;
  auto link = copy.device("0000:00:04.0") / "driver";
  fs::remove(link);
  fs::create_symlink("../../../../bus/pci/drivers/gone", link);
  EXPECT_EQ(PciBus(copy.root).libpci_disagreements(),
            std::vector<std::string>{"0000:00:04.0: driver \"gone\" in sysfs, \"\" in libpci"});
  EXPECT_EQ(PciBus(copy.root).device(PciAddress::parse("00:04.0")).driver, "");
}

TEST(PciDevice, BarIndexErrors) {
  auto e1000 = PciBus(tree).device(PciAddress::parse("00:03.0"));
  auto bad = error_of([&] { e1000.bar(6); });
  EXPECT_EQ(bad.errno_value(), EINVAL);
  EXPECT_NE(std::string(bad.what()).find("0 to 5"), std::string::npos);
  auto absent = error_of([&] { e1000.bar(3); });
  EXPECT_EQ(absent.errno_value(), ENODEV);
  EXPECT_NE(std::string(absent.what()).find("present: 0, 1"), std::string::npos) << absent.what();
}

TEST(PciDevice, IoPortBarCannotBeMapped) {
  auto e1000 = PciBus(tree).device(PciAddress::parse("00:03.0"));
  auto e = error_of([&] { e1000.map_bar(1); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  EXPECT_NE(std::string(e.what()).find("I/O ports at c000"), std::string::npos) << e.what();
}

TEST(PciDevice, MapsABarThroughItsResourceFileShared) {
  TreeCopy copy;
  auto file = copy.resource("0000:00:04.0", "resource0", 1 << 20);
  poke32(file, 0, 0x010000ed);
  auto edu = PciBus(copy.root).device(PciAddress::parse("00:04.0"));
  auto bar = edu.map_bar(0);
  EXPECT_FALSE(bar.write_combining);
  EXPECT_TRUE(bar.note.empty());
  ASSERT_EQ(bar.mapping.size(), 1u << 20);
  mapio::mmio::VolatileBus bus(bar.mapping);
  EXPECT_EQ(bus.read<std::uint32_t>(0), 0x010000edu);
  bus.write<std::uint32_t>(0x40000, 0xcafef00d);
  bar.mapping.flush();
  EXPECT_EQ(peek32(file, 0x40000), 0xcafef00du) << "MAP_SHARED: the write reaches the resource file";
}

// Two processes: the writer maps the BAR read-write; a reader maps it read-only and tries to make
// it writable, to write through a bus and with a plain store. The BAR's bytes stay as they were.
TEST(PciDevice, AReadOnlyBarCannotBeMadeWritable) {
  TreeCopy copy;
  auto file = copy.resource("0000:00:04.0", "resource0", 1 << 20);
  poke32(file, 0, 0x010000ed);
  auto edu = PciBus(copy.root).device(PciAddress::parse("00:04.0"));
  auto writer = edu.map_bar(0);
  const std::string found = mapio::test::in_reader([&](mapio::test::Findings& f) {
    mapio::mmio::BarMapOptions options;
    options.protection = mapio::Protection::read;
    auto bar = edu.map_bar(0, options);
    f.refused("protect(read_write)", [&] { bar.mapping.protect(mapio::Protection::read_write); }, EACCES,
              "opened read-only");
    mapio::mmio::VolatileBus bus(bar.mapping);
    f.expect(bus.read<std::uint32_t>(0) == 0x010000edu, "the read-only BAR reads wrong");
    f.refused("write32", [&] { bus.write<std::uint32_t>(4, 0xdeadbeef); }, EACCES, "read-only");
    f.expect(!mapio::test::kernel_may_write(bar.mapping.data()), "the kernel would let the BAR become writable");
    f.expect(mapio::test::store_faults(bar.mapping.data() + 4), "a plain store through the BAR did not fault");
  });
  EXPECT_EQ(found, "");
  EXPECT_EQ(writer.mapping.object<std::uint32_t>(4), 0u) << "the reader wrote to the BAR";
  EXPECT_EQ(peek32(file, 4), 0u) << "the reader wrote to the resource file";
  EXPECT_EQ(peek32(file, 0), 0x010000edu);
}

TEST(PciDevice, WriteCombiningUsesWcFileOrSaysWhyNot) {
  TreeCopy copy;
  copy.resource("0000:00:04.0", "resource0", 1 << 20);
  copy.resource("0000:00:05.0", "resource2", 1 << 20);
  auto wc = copy.resource("0000:00:05.0", "resource2_wc", 1 << 20);
  poke32(wc, 8, 0x5eed);
  mapio::mmio::BarMapOptions options;
  options.write_combining = true;
  auto ivshmem = PciBus(copy.root).device(PciAddress::parse("00:05.0")).map_bar(2, options);
  EXPECT_TRUE(ivshmem.write_combining);
  EXPECT_EQ(ivshmem.mapping.object<std::uint32_t>(8), 0x5eedu);
  EXPECT_NE(ivshmem.mapping.description().find("resource2_wc"), std::string::npos);
  auto edu = PciBus(copy.root).device(PciAddress::parse("00:04.0")).map_bar(0, options);
  EXPECT_FALSE(edu.write_combining);
  EXPECT_NE(edu.note.find("no resource0_wc"), std::string::npos) << edu.note;
}

TEST(ConfigSpace, ReadsAndWritesTheConfigFile) {
  TreeCopy copy;
  auto edu = PciBus(copy.root).device(PciAddress::parse("00:04.0"));
  auto config = edu.config(true);
  EXPECT_EQ(config.size(), 256u);
  EXPECT_EQ(config.read<std::uint16_t>(0x00), 0x1234);
  EXPECT_EQ(config.read<std::uint16_t>(0x02), 0x11e8);
  EXPECT_EQ(config.read<std::uint32_t>(0x08) >> 8, 0x00ff00u);
  config.write<std::uint16_t>(0x04, 0x0006);
  EXPECT_EQ(edu.config().read<std::uint16_t>(0x04), 0x0006);
  EXPECT_EQ(peek32(edu.sysfs_path / "config", 0), 0x11e81234u);
}

TEST(ConfigSpace, ShortReadIsReportedAndExplained) {
  auto config = PciBus(tree).device(PciAddress::parse("00:04.0")).config();
  std::byte buffer[16];
  EXPECT_EQ(config.read_bytes(250, buffer), 6u);
  auto e = error_of([&] { config.read<std::uint32_t>(254); });
  EXPECT_EQ(e.errno_value(), ERANGE);
  EXPECT_NE(std::string(e.what()).find("short read (2 of 4 bytes)"), std::string::npos) << e.what();
}

TEST(ConfigSpace, NonAdminReaderGetsTheKernelsFirst64BytesAndTheReason) {
  // The limit is the kernel's (pci_read_config in drivers/pci/pci-sysfs.c): a hand-made file cannot
  // show it, so this reads this machine's own sysfs as user nobody.
  fs::path config;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/bus/pci/devices", ec)) {
    config = entry.path() / "config";
    break;
  }
  if (config.empty()) GTEST_SKIP() << "this machine has no PCI devices in /sys";
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to user nobody";
  auto as_root = mapio::mmio::ConfigSpace::open(config);
  std::vector<std::byte> full(as_root.size());
  ASSERT_GT(full.size(), 64u);
  ASSERT_EQ(as_root.read_bytes(0, full), full.size()) << "root sees all of it";

  // As nobody: "<bytes read>|<same or different from root's first 64>|<errno>|<message>" of a read past 64.
  const auto child = mapio::test::run_unprivileged([&]() -> std::string {
    std::string report;
    try {
      auto config_space = mapio::mmio::ConfigSpace::open(config);
      std::vector<std::byte> seen(config_space.size());
      std::size_t got = config_space.read_bytes(0, seen);
      report = std::to_string(got) + "|" +
               (std::equal(seen.begin(), seen.begin() + 64, full.begin()) ? "same" : "different") + "|";
      config_space.read<std::uint32_t>(0x40);
      report += "no error";
    } catch (const Error& e) {
      report += std::to_string(e.errno_value()) + "|" + e.what();
    }
    return report;
  });
  ASSERT_EQ(child.status, 0) << "the child could not run as nobody: " << child.message;
  const std::string& report = child.message;
  EXPECT_EQ(report.substr(0, report.find('|', report.find('|') + 1) + 1), "64|same|") << report;
  EXPECT_NE(report.find("|" + std::to_string(EACCES) + "|"), std::string::npos) << report;
  EXPECT_NE(report.find(config.string() + " [offset 0x40, 4 bytes]"), std::string::npos) << report;
  EXPECT_NE(report.find("short read (0 of 4 bytes): without CAP_SYS_ADMIN the kernel shows only the first 64 bytes "
                        "of configuration space; run as root"),
            std::string::npos)
      << report;
}

TEST(ConfigSpace, ReadOnlyConfigRefusesWrites) {
  TreeCopy copy;
  const auto file = copy.device("0000:00:04.0") / "config";
  const std::string before = mapio::test::read_with_read(file);
  auto config = PciBus(copy.root).device(PciAddress::parse("00:04.0")).config();
  auto e = error_of([&] { config.write<std::uint16_t>(0x04, 0x0407); });
  EXPECT_EQ(e.errno_value(), EACCES);
  EXPECT_NE(std::string(e.what()).find("opened read-only"), std::string::npos) << e.what();
  EXPECT_EQ(e.operation(), "write config");
  EXPECT_TRUE(mapio::test::read_with_read(file) == before) << "a read-only config space was written";
}

// ---- the verbs ---------------------------------------------------------------------------------

TEST(PciVerb, PrintsTheTableWithLspciStyleBars) {
  auto r = run("pci --sysfs " + tree.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("0000:00:04.0  1234:11e8  Unclassified device [00ff]  uio_pci_generic  2      Device 1234:11e8\n"
                       "    Region 0: Memory at fea00000 (32-bit, non-prefetchable) [size=1M]\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    Region 1: I/O ports at c000 [size=64]\n"), std::string::npos);
  EXPECT_NE(r.out.find("    Region 2: Memory at fe000000 (64-bit, prefetchable) [size=1M]\n"), std::string::npos);
  EXPECT_NE(r.out.find("    Expansion ROM at feb80000 [size=256K]\n"), std::string::npos);
}

TEST(PciVerb, FiltersByIdAndSlotAndSpeaksJson) {
  auto r = run("pci --json -d 1234: --sysfs " + tree.string());
  ASSERT_EQ(r.status, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["address"], "0000:00:04.0");
  EXPECT_EQ(json[0]["driver"], "uio_pci_generic");
  EXPECT_EQ(json[0]["iommu_group"], 2);
  EXPECT_EQ(json[0]["bars"][0]["size"], 1 << 20);
  EXPECT_EQ(json[0]["bars"][0]["kind"], "memory");

  auto slot = run("pci --json -s 00:03.0 --sysfs " + tree.string());
  auto e1000 = nlohmann::json::parse(slot.out);
  ASSERT_EQ(e1000.size(), 1u);
  EXPECT_EQ(e1000[0]["bars"][1]["kind"], "io");
  EXPECT_EQ(nlohmann::json::parse(run("pci --json -d :1110 --sysfs " + tree.string()).out)[0]["address"], "0000:00:05.0");
}

TEST(PciVerb, ArgumentErrors) {
  auto id = run("pci -d 12345:1 --sysfs " + tree.string());
  EXPECT_EQ(id.status, 2);
  EXPECT_EQ(id.err, "mapio pci: bad id '12345:1': expected VENDOR:DEVICE in hex, e.g. 1234:11e8 or 1af4:\n");
  auto slot = run("pci -s 00:44.0 --sysfs " + tree.string());
  EXPECT_EQ(slot.status, 2);
  EXPECT_EQ(slot.err,
            "mapio pci: bad device '00:44.0': expected [DOMAIN:]BUS:DEVICE.FUNCTION in hex, e.g. 0000:00:04.0 or "
            "00:04.0 (device 00-1f, function 0-7)\n");
}

TEST(PciVerb, CheckReportsAgreementAndDisagreement) {
  auto agree = run("pci --check -s 00:04.0 --sysfs " + tree.string());
  EXPECT_EQ(agree.status, 0) << agree.err;
  EXPECT_EQ(agree.err, "mapio pci: sysfs and libpci agree on every device and BAR\n");

  TreeCopy copy;
  auto link = copy.device("0000:00:05.0") / "driver";
  fs::remove(link);
  fs::create_symlink("../../../../bus/pci/drivers/unloaded", link);
  auto disagree = run("pci --check --sysfs " + copy.root.string());
  EXPECT_EQ(disagree.status, 1);
  EXPECT_EQ(disagree.err, "mapio pci: libpci disagrees: 0000:00:05.0: driver \"unloaded\" in sysfs, \"\" in libpci\n");
  auto listed = nlohmann::json::parse(run("pci --json -s 00:05.0 --sysfs " + copy.root.string()).out);
  EXPECT_EQ(listed[0]["driver"], nullptr) << "the listing is libpci's";
}

TEST(PciVerb, ConfigDumpsConfigurationSpaceInHex) {
  auto r = run("pci --config -s 00:04.0 --sysfs " + tree.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string zeros = " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n";
  std::string expected =
      "ADDRESS       IDS        CLASS                       DRIVER           GROUP  NAME\n"
      "0000:00:04.0  1234:11e8  Unclassified device [00ff]  uio_pci_generic  2      Device 1234:11e8\n"
      "    Region 0: Memory at fea00000 (32-bit, non-prefetchable) [size=1M]\n"
      "0000:00:04.0 config space (256 of 256 bytes readable):\n"
      "000: 34 12 e8 11 06 04 10 00 10 00 ff 00 00 00 00 00\n"
      "010:" + zeros + "020:" + zeros +
      "030: 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00\n";
  for (const char* row : {"040:", "050:", "060:", "070:", "080:", "090:", "0a0:", "0b0:", "0c0:", "0d0:", "0e0:", "0f0:"}) {
    expected += row + zeros;
  }
  EXPECT_EQ(r.out, expected);
}

TEST(PciVerb, ConfigAsNonAdminShowsTheKernels64BytesAndSaysWhy) {
  std::error_code ec;
  fs::directory_iterator first("/sys/bus/pci/devices", ec);
  if (ec || first == fs::directory_iterator()) GTEST_SKIP() << "this machine has no PCI devices in /sys";
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to user nobody";
  std::string address = first->path().filename().string();
  mapio::test::ScratchDir scratch;
  std::string command = "setpriv --reuid 65534 --regid 65534 --clear-groups " + std::string(MAPIO_CLI_PATH) +
                        " pci --config -s " + address + " >" + (scratch / "out").string() + " 2>" +
                        (scratch / "err").string();
  int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << mapio::test::read_with_read(scratch / "err");
  auto out = mapio::test::read_with_read(scratch / "out");
  auto size = fs::file_size(first->path() / "config");
  EXPECT_NE(out.find(fmt::format("{} config space (64 of {} bytes readable):\n000: ", address, size)), std::string::npos)
      << out;
  EXPECT_NE(out.find("\n030: "), std::string::npos) << out;
  EXPECT_EQ(out.find("\n040: "), std::string::npos) << "nothing past the kernel's 64 bytes: " << out;
  EXPECT_EQ(mapio::test::read_with_read(scratch / "err"),
            fmt::format("mapio pci: short read of {}: 64 of {} bytes; without CAP_SYS_ADMIN the kernel shows only "
                        "the first 64 bytes of configuration space\n",
                        (first->path() / "config").string(), size));
}

TEST(BarVerb, ArgumentErrorsHaveExactMessages) {
  const std::string sysfs = " --sysfs " + tree.string();
  struct Case {
    std::string arguments;
    std::string message;
  } cases[] = {
      // A missing argument is named as the help names it, with the usage line.
      {"bar", "mapio bar: missing DEVICE (usage: mapio bar [OPTIONS] DEVICE BAR OFFSET [WIDTH] [VALUE])\n"},
      {"bar 00:04.0", "mapio bar: missing BAR (usage: mapio bar [OPTIONS] DEVICE BAR OFFSET [WIDTH] [VALUE])\n"},
      {"bar 00:04.0 0", "mapio bar: missing OFFSET (usage: mapio bar [OPTIONS] DEVICE BAR OFFSET [WIDTH] [VALUE])\n"},
      {"bar 0000:00:04 0 0",
       "mapio bar: bad device '0000:00:04': expected [DOMAIN:]BUS:DEVICE.FUNCTION in hex, e.g. 0000:00:04.0 or 00:04.0 "
       "(device 00-1f, function 0-7)\n"},
      {"bar 00:04.0 6 0", "mapio bar: bad BAR '6': use 0 to 5\n"},
      {"bar 00:04.0 x 0", "mapio bar: bad BAR 'x': use 0 to 5\n"},
      {"bar 00:04.0 0 0x", "mapio bar: bad offset '0x': no hexadecimal digits after 0x\n"},
      {"bar 00:04.0 0 0 24", "mapio bar: bad width '24': use 8, 16, 32, 64 or b, h, w, l\n"},
      {"bar 00:04.0 0 0 32*0", "mapio bar: bad count '0': must be at least 1\n"},
      {"bar 00:04.0 0 0 32*4 1", "mapio bar: bad value '1': a write takes WIDTH without *COUNT\n"},
      {"bar 00:04.0 0 0 16 0x10000", "mapio bar: bad value '0x10000': does not fit in 16 bits (the largest is 0xffff)\n"},
      {"bar 00:04.0 -1 0", "mapio bar: bad BAR '-1': use 0 to 5\n"},
      {"bar 00:04.0 18446744073709551616 0", "mapio bar: bad BAR '18446744073709551616': use 0 to 5\n"},
      {"bar 00:04.0 0 -1", "mapio bar: bad offset '-1': negative numbers are not allowed\n"},
      {"bar 00:04.0 0 0x10000000000000000",
       "mapio bar: bad offset '0x10000000000000000': too large (the largest is 0xffffffffffffffff)\n"},
      {"bar 00:04.0 0 0 32*-2", "mapio bar: bad count '-2': negative numbers are not allowed\n"},
      {"bar 00:04.0 0 0 32*18446744073709551616",
       "mapio bar: bad count '18446744073709551616': too large (the largest is 0xffffffffffffffff)\n"},
      {"bar 00:04.0 0 0 32 -1", "mapio bar: bad value '-1': negative numbers are not allowed\n"},
      {"bar 00:04.0 0 0 64 0x10000000000000000",
       "mapio bar: bad value '0x10000000000000000': too large (the largest is 0xffffffffffffffff)\n"},
  };
  for (const auto& c : cases) {
    auto r = run(c.arguments + sysfs);
    EXPECT_EQ(r.status, 2) << c.arguments;
    EXPECT_EQ(r.err, c.message) << c.arguments;
    EXPECT_EQ(r.out, "") << c.arguments;
  }
}

TEST(DeviceVerbs, OptionWithoutItsValueIsAUsageError) {
  // CLI11 finds these before the verb runs, in its own words after mapio's "mapio VERB: "; the
  // status is mapio's usage status.
  for (const char* arguments : {"bar 00:04.0 0 0 --sysfs", "pci -s", "pci -d", "pci --sysfs"}) {
    auto r = run(arguments);
    std::string option = std::string(arguments).substr(std::string(arguments).rfind(' ') + 1);
    EXPECT_EQ(r.status, 2) << arguments;
    const std::string verb = std::string(arguments).substr(0, std::string(arguments).find(' '));
    EXPECT_EQ(r.err, "mapio " + verb + ": " + option + ": 1 required TEXT missing\n") << arguments;
    EXPECT_EQ(r.out, "") << arguments;
  }
}

TEST(BarVerb, ReadsDumpsAndWritesThroughTheResourceFile) {
  TreeCopy copy;
  auto file = copy.resource("0000:00:04.0", "resource0", 1 << 20);
  poke32(file, 0, 0x010000ed);
  poke32(file, 4, 0xfffffffe);
  const std::string sysfs = " --sysfs " + copy.root.string();
  auto read = run("bar 00:04.0 0 0" + sysfs);
  ASSERT_EQ(read.status, 0) << read.err;
  EXPECT_EQ(read.out, "0x010000ED\n");
  EXPECT_EQ(run("bar 0000:00:04.0 0 0 8" + sysfs).out, "0xED\n");
  EXPECT_EQ(run("bar 00:04.0 0 0 16*4" + sysfs).out, "0x00ED\n0x0100\n0xFFFE\n0xFFFF\n");
  EXPECT_EQ(run("bar 00:04.0 0 0 l" + sysfs).out, "0xFFFFFFFE010000ED\n");

  auto write = run("bar 00:04.0 0 0x08 32 0x0a" + sysfs);
  ASSERT_EQ(write.status, 0) << write.err;
  EXPECT_EQ(write.out, "");
  EXPECT_EQ(peek32(file, 8), 0x0au);

  auto traced = run("bar 00:04.0 0 0x08 w --trace" + sysfs);
  EXPECT_EQ(traced.out, "0x0000000A\n");
  EXPECT_NE(traced.err.find("read32"), std::string::npos) << traced.err;
}

TEST(BarVerb, OutOfRangeAndMisalignedAccessesAreRefusedBeforeAnyOutput) {
  TreeCopy copy;
  copy.resource("0000:00:04.0", "resource0", 1 << 20);
  const std::string sysfs = " --sysfs " + copy.root.string();
  auto past = run("bar 00:04.0 0 0xffffc 32*2" + sysfs);
  EXPECT_EQ(past.status, 1);
  EXPECT_EQ(past.out, "");
  EXPECT_NE(past.err.find("ERANGE"), std::string::npos) << past.err;
  auto misaligned = run("bar 00:04.0 0 2 32" + sysfs);
  EXPECT_EQ(misaligned.status, 1);
  EXPECT_NE(misaligned.err.find("EINVAL"), std::string::npos) << misaligned.err;
  auto io = run("bar 00:03.0 1 0" + sysfs);
  EXPECT_EQ(io.status, 1);
  EXPECT_NE(io.err.find("I/O ports"), std::string::npos) << io.err;
  auto wc = run("bar 00:04.0 0 0 --wc" + sysfs);
  EXPECT_EQ(wc.status, 0);
  EXPECT_NE(wc.err.find("note: 0000:00:04.0 BAR 0 has no resource0_wc"), std::string::npos) << wc.err;
}

}  // namespace

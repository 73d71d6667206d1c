// UIO from a hand-made sysfs tree: listing and maps; a scratch "/dev" whose uioN is a regular file
// (for map offsets) or a FIFO (for the blocking 4-byte interrupt read, its timeout, and write(1));
// INTx re-enable through a copy of the PCI config file; the `mapio uio` verb as a process.
#include "mapio/mmio/uio.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/core/page.hpp"
#include "read_only_support.hpp"
#include "test_support.hpp"

namespace {

using mapio::Error;
using mapio::mmio::UioDevice;
using mapio::mmio::UioPaths;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path tree = fs::path(MAPIO_TEST_DATA_DIR) / "sysfs" / "qemu";

using mapio::test::error_of;

struct Scratch {
  mapio::test::ScratchDir scratch;
  fs::path sys = scratch / "sys";
  fs::path dev = scratch / "dev";
  Scratch() {
    fs::copy(tree, sys, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::create_directory(dev);
  }
  UioPaths paths() const { return {sys, dev}; }
  void fifo(const char* name) const {
    if (::mkfifo((dev / name).c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  }
};

/// Writes a 4-byte interrupt count into a FIFO the way the kernel answers a read of /dev/uioN.
void deliver(const fs::path& fifo, std::uint32_t count) {
  int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, &count, sizeof count), static_cast<ssize_t>(sizeof count));
  ::close(fd);
}

TEST(UioList, DescribesDevicesAndMaps) {
  auto devices = mapio::mmio::list_uio_devices({tree, "/dev"});
  ASSERT_EQ(devices.size(), 2u);
  const auto& edu = devices[0];
  EXPECT_EQ(edu.number, 0u);
  EXPECT_EQ(edu.name, "uio_pci_generic");
  EXPECT_EQ(edu.version, "0.01.0");
  ASSERT_TRUE(edu.pci_address.has_value());
  EXPECT_EQ(edu.pci_address->to_string(), "0000:00:04.0");
  ASSERT_EQ(edu.maps.size(), 1u);
  EXPECT_EQ(edu.maps[0].address, 0xfea00000u);
  EXPECT_EQ(edu.maps[0].size, 0x100000u);
  EXPECT_EQ(edu.maps[0].offset, 0u);
  EXPECT_EQ(edu.maps[0].name, "");

  const auto& dummy = devices[1];
  EXPECT_EQ(dummy.name, "uio_dummy");
  EXPECT_FALSE(dummy.pci_address.has_value()) << "a platform parent has no PCI address";
  ASSERT_EQ(dummy.maps.size(), 2u);
  EXPECT_EQ(dummy.maps[1].name, "fifo");
  EXPECT_EQ(dummy.maps[1].offset, 0x123u);
}

TEST(UioList, NoUioClassMeansNoDevicesAndMissingDeviceIsExplained) {
  EXPECT_TRUE(mapio::mmio::list_uio_devices({tree / "bus", "/dev"}).empty());
  auto e = error_of([] { mapio::mmio::describe_uio_device(7, {tree, "/dev"}); });
  EXPECT_EQ(e.errno_value(), ENODEV);
  EXPECT_NE(std::string(e.what()).find("uio_pci_generic"), std::string::npos) << e.what();
}

TEST(UioList, AMalformedMapAttributeIsAnErrorNamingTheFileAndItsText) {
  // Each of a map's numbers, in turn, holds "zz" with the newline sysfs ends every attribute with.
  // Reading it as 0 would map the wrong place; the error quotes the text on one line.
  for (const char* attribute : {"offset", "addr", "size"}) {
    SCOPED_TRACE(attribute);
    Scratch s;
    const fs::path file = s.sys / "class" / "uio" / "uio1" / "maps" / "map1" / attribute;
    std::ofstream(file, std::ios::trunc) << "zz\n";
    auto e = error_of([&] { mapio::mmio::describe_uio_device(1, s.paths()); });
    EXPECT_EQ(e.errno_value(), EINVAL);
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_TRUE(what.ends_with("expected a number, found \"zz\"")) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_THROW(mapio::mmio::list_uio_devices(s.paths()), Error);
  }
  // An absent offset attribute (older kernels) still means 0.
  Scratch s;
  fs::remove(s.sys / "class" / "uio" / "uio1" / "maps" / "map1" / "offset");
  EXPECT_EQ(mapio::mmio::describe_uio_device(1, s.paths()).maps.at(1).offset, 0u);
}

TEST(UioDevice, MapNLivesAtNPagesAndHonoursTheInPageOffset) {
  Scratch s;
  const auto page = mapio::page_size();
  {
    std::ofstream node(s.dev / "uio1", std::ios::binary);
    std::string contents(3 * page, '\0');
    contents[0] = 'R';                      // map0 starts at page 0
    contents[page + 0x123] = 'F';           // map1: page 1, 0x123 bytes in
    node << contents;
  }
  auto uio = UioDevice::open(1, s.paths());
  auto registers = uio.map(0);
  EXPECT_EQ(registers.size(), 0x400u);
  EXPECT_EQ(static_cast<char>(registers.bytes()[0]), 'R');
  auto fifo = uio.map(1, mapio::Protection::read);
  EXPECT_EQ(fifo.size(), 0x1000u);
  EXPECT_EQ(fifo.offset(), page + 0x123);
  EXPECT_EQ(static_cast<char>(fifo.bytes()[0]), 'F');
  auto e = error_of([&] { uio.map(2); });
  EXPECT_EQ(e.errno_value(), ENODEV);
}

// Two processes: the writer maps map 0 read-write; a reader opens the device (read-write, as
// interrupts need) and maps map 0 read-only: that map goes through a read-only descriptor, so
// neither mapio nor the kernel lets it become writable, and the device keeps its bytes.
TEST(UioDevice, AReadOnlyMapCannotBeMadeWritable) {
  Scratch s;
  const auto page = mapio::page_size();
  const std::string contents = mapio::test::patterned(3 * page);
  {
    std::ofstream node(s.dev / "uio1", std::ios::binary);
    node << contents;
  }
  auto writer = UioDevice::open(1, s.paths()).map(0);
  const std::string found = mapio::test::in_reader([&](mapio::test::Findings& f) {
    auto uio = UioDevice::open(1, s.paths());
    const std::size_t descriptors = mapio::test::descriptor_count();
    auto registers = uio.map(0, mapio::Protection::read);
    f.expect(mapio::test::descriptor_count() == descriptors, "the read-only map left a descriptor open");
    f.expect(mapio::test::fdinfo_access(uio.fd()) == O_RDWR, "the device itself is not read-write");
    f.refused("protect(read_write)", [&] { registers.protect(mapio::Protection::read_write); }, EACCES,
              "opened read-only");
    f.expect(!mapio::test::kernel_may_write(registers.data()), "the kernel would let the map become writable");
    f.expect(mapio::test::store_faults(registers.data()), "a plain store through the map did not fault");
    f.expect(mapio::test::as_text(registers.bytes()) == contents.substr(0, registers.size()), "the map reads wrong");
  });
  EXPECT_EQ(found, "");
  EXPECT_TRUE(mapio::test::as_text(writer.bytes()) == contents.substr(0, writer.size())) << "the reader wrote";
  EXPECT_TRUE(mapio::test::read_with_read(s.dev / "uio1") == contents) << "the reader changed the device node";
}

TEST(UioDevice, WaitReturnsTheCountTheKernelReports) {
  Scratch s;
  s.fifo("uio0");
  auto uio = UioDevice::open(0, s.paths());
  std::thread kernel([&] { deliver(s.dev / "uio0", 42); });
  EXPECT_EQ(uio.wait(2000ms), 42u);
  kernel.join();
  std::thread again([&] { deliver(s.dev / "uio0", 43); });
  EXPECT_EQ(uio.wait(), 43u);
  again.join();
}

TEST(UioDevice, WaitTimesOut) {
  Scratch s;
  s.fifo("uio0");
  auto uio = UioDevice::open(0, s.paths());
  auto started = std::chrono::steady_clock::now();
  auto e = error_of([&] { uio.wait(50ms); });
  EXPECT_EQ(e.errno_value(), ETIMEDOUT);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
  EXPECT_NE(std::string(e.what()).find("no interrupt within 50 ms"), std::string::npos) << e.what();
}

TEST(UioDevice, EnableWritesOneWhenTheDriverAcceptsIt) {
  Scratch s;
  s.fifo("uio0");
  auto uio = UioDevice::open(0, s.paths());
  uio.enable_interrupts();
  // The FIFO now holds what was written: a 32-bit 1, as irqcontrol expects.
  std::uint32_t written = 0;
  int fd = ::open((s.dev / "uio0").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::read(fd, &written, sizeof written), static_cast<ssize_t>(sizeof written));
  ::close(fd);
  EXPECT_EQ(written, 1u);
}

TEST(UioDevice, ClearsTheInterruptDisableBitThroughConfigSpace) {
  Scratch s;
  std::ofstream(s.dev / "uio0").close();
  auto config = s.sys / "bus/pci/devices/0000:00:04.0/config";
  auto before = mapio::test::read_with_read(config);
  ASSERT_EQ(static_cast<unsigned char>(before[5]), 0x04u) << "the tree starts with bit 10 set";
  const std::string via = (s.sys / "class/uio/uio0/device/config").string();  // the path the library opens
  std::vector<std::string> traced;
  UioDevice::open(0, s.paths()).clear_pci_interrupt_disable([&](const mapio::mmio::TraceEvent& event) {
    traced.push_back(std::string(event.bus) + ": " + mapio::mmio::format_trace(event));
  });
  EXPECT_EQ(traced, (std::vector<std::string>{via + ": read16  0x0004 -> 0x0406", via + ": write16 0x0004 <- 0x0006"}));
  auto after = mapio::test::read_with_read(config);
  EXPECT_EQ(static_cast<unsigned char>(after[4]), 0x06u) << "bus master and memory stay on";
  EXPECT_EQ(static_cast<unsigned char>(after[5]), 0x00u);
  after[5] = before[5];
  EXPECT_EQ(after, before) << "nothing else changes";

  // Again, traced: the bit is clear now, so one read and no write.
  std::vector<std::string> lines;
  UioDevice::open(0, s.paths()).clear_pci_interrupt_disable([&](const mapio::mmio::TraceEvent& event) {
    lines.push_back(std::string(event.bus) + ": " + mapio::mmio::format_trace(event));
  });
  EXPECT_EQ(lines, std::vector<std::string>{via + ": read16  0x0004 -> 0x0006"});

  std::ofstream(s.dev / "uio1").close();
  auto e = error_of([&] { UioDevice::open(1, s.paths()).clear_pci_interrupt_disable(); });
  EXPECT_EQ(e.errno_value(), ENOTSUP);
}

mapio::test::CliRun run(const std::string& arguments) { return mapio::test::run_cli(arguments); }

TEST(UioVerb, ListsDevicesAndMaps) {
  auto r = run("uio --sysfs " + tree.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "uio0  uio_pci_generic 0.01.0  pci 0000:00:04.0\n"
            "    map0: address 0xfea00000 size 0x100000 offset 0x0\n"
            "uio1  uio_dummy 1.2\n"
            "    map0: address 0xfed00000 size 0x400 offset 0x0  registers\n"
            "    map1: address 0xfe800123 size 0x1000 offset 0x123  fifo\n");
}

TEST(UioVerb, AMalformedOffsetFailsWithOneLine) {
  Scratch s;
  const fs::path offset = s.sys / "class" / "uio" / "uio1" / "maps" / "map1" / "offset";
  std::ofstream(offset, std::ios::trunc) << "zz\n";
  auto r = run("uio --sysfs " + s.sys.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "mapio uio: parse " + offset.string() +
                       ": Invalid argument (EINVAL): expected a number, found \"zz\"\n");
}

TEST(UioVerb, WaitPrintsTheCountOrTimesOut) {
  Scratch s;
  s.fifo("uio0");
  const std::string where = " --sysfs " + s.sys.string() + " --dev " + s.dev.string();
  auto timeout = run("uio" + where + " wait 0 --timeout 0.05");
  EXPECT_EQ(timeout.status, 1);
  EXPECT_NE(timeout.err.find("ETIMEDOUT"), std::string::npos) << timeout.err;

  // The writer blocks in open() until the verb opens the FIFO, then hands it one count.
  std::thread kernel([&] { deliver(s.dev / "uio0", 5); });
  auto waited = run("uio" + where + " wait 0 --timeout 5");
  kernel.join();
  EXPECT_EQ(waited.status, 0) << waited.err;
  EXPECT_EQ(waited.out, "5\n");
}

}  // namespace

namespace {

TEST(UioVerb, ArgumentErrorsHaveExactMessages) {
  // Checked before any device is opened: the scratch /dev is empty.
  Scratch s;
  const std::string where = " --sysfs " + s.sys.string() + " --dev " + s.dev.string();
  struct Case {
    std::string arguments;
    int status;
    std::string message;
  } cases[] = {
      {"wait 0 --timeout -1", 2, "mapio uio: bad timeout '-1': negative numbers are not allowed\n"},
      {"wait 0 --timeout=-0.5", 2, "mapio uio: bad timeout '-0.5': negative numbers are not allowed\n"},
      {"wait 0 --timeout abc", 2, "mapio uio: bad timeout 'abc': not a number of seconds (write e.g. 2 or 0.5)\n"},
      {"wait 0 --timeout 1e3", 2, "mapio uio: bad timeout '1e3': not a number of seconds (write e.g. 2 or 0.5)\n"},
      {"wait 0 --timeout 2.", 2, "mapio uio: bad timeout '2.': not a number of seconds (write e.g. 2 or 0.5)\n"},
      {"wait 0 --timeout 0.0001", 2,
       "mapio uio: bad timeout '0.0001': at most three decimals (a millisecond is the finest step)\n"},
      {"wait 0 --timeout 2147484", 2,
       "mapio uio: bad timeout '2147484': too large (the largest is 2147483.647 seconds)\n"},
      {"wait 0 --timeout 99999999999999999999999", 2,
       "mapio uio: bad timeout '99999999999999999999999': too large (the largest is 2147483.647 seconds)\n"},
      {"wait x", 2, "mapio uio: bad device number 'x': not a number (write decimal, 0x hexadecimal or 0 octal)\n"},
      {"wait -1", 2, "mapio uio: bad device number '-1': negative numbers are not allowed\n"},
      {"enable 4294967296", 2, "mapio uio: bad device number '4294967296': too large (the largest is 4294967295)\n"},
      // An option without its value is caught by the option parser (CLI11), in its own words after
      // "mapio uio: " and with the same usage status; a missing N is named as the help names it.
      {"wait 0 --timeout", 2, "mapio uio: --timeout: 1 required TEXT missing\n"},
      {"wait", 2, "mapio uio: missing N (usage: mapio uio wait [OPTIONS] N)\n"},
      {"enable --trace", 2, "mapio uio: missing N (usage: mapio uio enable [OPTIONS] N)\n"},
  };
  for (const auto& c : cases) {
    auto r = run("uio" + where + " " + c.arguments);
    EXPECT_EQ(r.status, c.status) << c.arguments;
    EXPECT_EQ(r.err, c.message) << c.arguments;
    EXPECT_EQ(r.out, "") << c.arguments;
  }
  // The same sysfs and dev options lacking their value.
  auto no_sysfs = run("uio --sysfs");
  EXPECT_EQ(no_sysfs.status, 2);
  EXPECT_EQ(no_sysfs.err, "mapio uio: --sysfs: 1 required TEXT missing\n");
}

TEST(UioVerb, TimeoutWithThreeDecimalsIsMilliseconds) {
  Scratch s;
  s.fifo("uio0");
  auto r = run("uio --sysfs " + s.sys.string() + " --dev " + s.dev.string() + " wait 0 --timeout 0.025");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no interrupt within 25 ms"), std::string::npos) << r.err;
}

TEST(UioVerb, EnableTracesTheIrqcontrolWrite) {
  // A plain file accepts the write(1) that irqcontrol takes, so the verb stops there.
  Scratch s;
  std::ofstream(s.dev / "uio0").close();
  auto r = run("uio --sysfs " + s.sys.string() + " --dev " + s.dev.string() + " enable 0 --trace");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, (s.dev / "uio0").string() + ": write32 0x0000 <- 0x00000001\n");
  EXPECT_EQ(mapio::test::read_with_read(s.dev / "uio0"), std::string("\x01\0\0\0", 4));
}

}  // namespace

TEST(UioList, OnlyTheKernelsDecimalNamesAreDevicesAndMaps) {
  // "uio01", "uio 1", "uio0x1" or a number past unsigned would otherwise be read as another device's
  // number (uio4294967296 as uio0).
  Scratch s;
  const auto classes = s.sys / "class/uio";
  for (const char* name : {"uio01", "uio 1", "uio0x1", "uio4294967296", "uio1 "}) {
    fs::copy(classes / "uio1", classes / name, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  fs::copy(classes / "uio0/maps/map0", classes / "uio0/maps/map4294967296", fs::copy_options::recursive);
  const auto devices = mapio::mmio::list_uio_devices(s.paths());
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].sysfs_path, classes / "uio0");
  EXPECT_EQ(devices[1].sysfs_path, classes / "uio1");
  EXPECT_EQ(devices[0].maps.size(), 1u);
}

TEST(UioList, AnEntryThatLeadsToNoDirectoryIsNoDeviceListedOrDescribed) {
  // The kernel's entries are links to device directories; a dangling link (a device removed while
  // it is looked at) or a plain file was listed as a device without maps that describing it by its
  // number then said was not there.
  Scratch s;
  const auto classes = s.sys / "class/uio";
  fs::create_symlink("../../devices/gone", classes / "uio7");
  std::ofstream(classes / "uio8") << "not a device\n";
  const auto devices = mapio::mmio::list_uio_devices(s.paths());
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].number, 0u);
  EXPECT_EQ(devices[1].number, 1u);
  for (unsigned number : {7u, 8u}) {
    auto e = error_of([&] { mapio::mmio::describe_uio_device(number, s.paths()); });
    EXPECT_EQ(e.errno_value(), ENODEV) << e.what();
    EXPECT_NE(std::string(e.what()).find("uio" + std::to_string(number)), std::string::npos) << e.what();
  }
}

TEST(UioList, AnAttributeLongerThanAnyRealOneIsAnError) {
  Scratch s;
  const auto addr = s.sys / "class/uio/uio0/maps/map0/addr";
  std::ofstream(addr) << std::string(100000, '1');
  auto e = mapio::test::error_of([&] { mapio::mmio::list_uio_devices(s.paths()); });
  EXPECT_EQ(e.errno_value(), EFBIG);
  EXPECT_NE(std::string(e.what()).find(addr.string()), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("longer than 65536 bytes"), std::string::npos) << e.what();
}

TEST(UioVerb, ASysfsRootThatIsNotThereIsAnError) {
  auto r = run("uio --sysfs /nonexistent-sysfs");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "mapio uio: list UIO devices /nonexistent-sysfs: No such file or directory (ENOENT): no such "
                   "directory (--sysfs names the sysfs root, e.g. /sys)\n");
}

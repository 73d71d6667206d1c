// /proc/iomem and /proc/ioports parsing, against files captured from real machines (tests/data/iomem,
// tests/data/ioports), a QEMU guest's table written in the kernel's format, hand-made malformed
// files, and this machine's live tables.
#include "mapio/mmio/iomem.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "test_support.hpp"

namespace {

using mapio::mmio::Resource;
using mapio::mmio::ResourceTree;

const std::string data_dir = MAPIO_TEST_DATA_DIR;

std::string data(const std::string& name) { return mapio::test::read_with_read(data_dir + "/" + name); }

std::vector<std::string> names_along(const ResourceTree& tree, std::uint64_t address) {
  std::vector<std::string> names;
  for (const Resource* r : tree.path_to(address)) names.push_back(r->name);
  return names;
}

std::size_t count(const ResourceTree& tree) {
  std::size_t n = 0;
  tree.visit([&](const Resource&, int) { ++n; });
  return n;
}

int max_depth(const ResourceTree& tree) {
  int deepest = -1;
  tree.visit([&](const Resource&, int depth) { deepest = std::max(deepest, depth); });
  return deepest;
}

TEST(ResourceTree, FormatsEveryCapturedFileBackLineForLine) {
  for (const char* name : {"iomem/host.txt", "ioports/host.txt", "iomem/qemu_pc_edu.txt", "ioports/qemu_pc_edu.txt"}) {
    SCOPED_TRACE(name);
    const std::string text = data(name);
    auto tree = ResourceTree::parse(text, name);
    EXPECT_EQ(tree.format(), text);
    EXPECT_EQ(count(tree), static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
  }
}

TEST(ResourceTree, ReadsTheKernelsPaddingWidth) {
  EXPECT_EQ(ResourceTree::read(data_dir + "/iomem/host.txt").address_digits(), 8);
  EXPECT_EQ(ResourceTree::read(data_dir + "/ioports/host.txt").address_digits(), 4);
}

TEST(ResourceTree, NestsByIndentation) {
  auto tree = ResourceTree::read(data_dir + "/iomem/qemu_pc_edu.txt");
  ASSERT_EQ(tree.roots().size(), 16u);
  const Resource& bus = tree.roots()[10];
  EXPECT_EQ(bus.name, "PCI Bus 0000:00");
  EXPECT_EQ(bus.start, 0x08000000u);
  EXPECT_EQ(bus.end, 0xfebfffffu);
  ASSERT_EQ(bus.children.size(), 7u);
  EXPECT_EQ(bus.children[2].name, "0000:00:04.0");
  EXPECT_EQ(bus.children[2].size(), 0x100000u);
  ASSERT_EQ(bus.children[4].children.size(), 1u);
  EXPECT_EQ(bus.children[4].children[0].name, "e1000");
  EXPECT_EQ(max_depth(tree), 2);
  // The last line is wider than 8 digits: a 64-bit address above 4 GiB.
  EXPECT_EQ(tree.roots().back().start, 0x100000000u);
  EXPECT_EQ(tree.roots().back().end, 0x17fffffffu);
}

TEST(ResourceTree, KeepsNamesWithSpacesColonsAndBrackets) {
  auto tree = ResourceTree::read(data_dir + "/iomem/host.txt");
  std::vector<std::string> names;
  tree.visit([&](const Resource& r, int) { names.push_back(r.name); });
  EXPECT_NE(std::find(names.begin(), names.end(), "PCI ECAM 0000 [bus 00-00]"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "PCI Bus 0000:00"), names.end());
}

TEST(ResourceTree, FindsTheDeepestResourceContainingAnAddress) {
  auto tree = ResourceTree::read(data_dir + "/iomem/qemu_pc_edu.txt");
  EXPECT_EQ(names_along(tree, 0xfeb40010), (std::vector<std::string>{"PCI Bus 0000:00", "0000:00:03.0", "e1000"}));
  EXPECT_EQ(tree.deepest(0xfea00000)->name, "0000:00:04.0");
  EXPECT_EQ(tree.deepest(0xfeafffff)->name, "0000:00:04.0");
  EXPECT_EQ(tree.deepest(0xfeb00000)->name, "0000:00:03.0");
  EXPECT_EQ(tree.deepest(0x04000000)->name, "Kernel code");
  EXPECT_EQ(tree.deepest(0x03ffffff)->name, "System RAM");
  EXPECT_EQ(tree.deepest(0xfec00400), nullptr);  // between IOAPIC and HPET
  EXPECT_EQ(tree.deepest(0x180000000), nullptr);
  EXPECT_TRUE(tree.path_to(0xfec00400).empty());
}

TEST(ResourceTree, AnswersWhetherARangeIsSystemRam) {
  auto tree = ResourceTree::read(data_dir + "/iomem/qemu_pc_edu.txt");
  EXPECT_TRUE(tree.overlaps_system_ram(0x200000, 0x200fff));
  EXPECT_TRUE(tree.overlaps_system_ram(0x04000000, 0x04000003));  // Kernel code is inside System RAM
  EXPECT_TRUE(tree.overlaps_system_ram(0xff000, 0x100000));       // the last byte reaches RAM
  EXPECT_FALSE(tree.overlaps_system_ram(0x9fc00, 0xfffff));
  EXPECT_FALSE(tree.overlaps_system_ram(0xfea00000, 0xfea00003));
  EXPECT_FALSE(tree.overlaps_system_ram(0xb8000, 0xb8001));  // VGA text memory
}

TEST(ResourceTree, NamesTheInnermostOwnersOfARange) {
  auto tree = ResourceTree::read(data_dir + "/iomem/qemu_pc_edu.txt");
  auto owners = tree.innermost_overlapping(0xfeb3f000, 0xfeb40fff);
  ASSERT_EQ(owners.size(), 2u);
  EXPECT_EQ(owners[0]->name, "0000:00:03.0");
  EXPECT_EQ(owners[1]->name, "e1000");
  EXPECT_TRUE(tree.innermost_overlapping(0xfec00400, 0xfec00fff).empty());
}

TEST(ResourceTree, IoportsNestThreeLevels) {
  auto tree = ResourceTree::read(data_dir + "/ioports/qemu_pc_edu.txt");
  EXPECT_EQ(tree.address_digits(), 4);
  EXPECT_EQ(names_along(tree, 0x0604), (std::vector<std::string>{"PCI Bus 0000:00", "0000:00:01.3", "ACPI PM1a_CNT_BLK"}));
  EXPECT_EQ(tree.deepest(0xc010)->name, "e1000");
  EXPECT_EQ(tree.deepest(0x0cf8)->name, "PCI conf1");
  EXPECT_EQ(tree.deepest(0x03f8)->name, "serial");
}

TEST(ResourceTree, RefusesTheZeroedTableAnUnprivilegedReaderSees) {
  for (const char* name : {"iomem/host_zeroed.txt", "ioports/host_zeroed.txt"}) {
    SCOPED_TRACE(name);
    try {
      ResourceTree::read(data_dir + "/" + name);
      FAIL() << "a zeroed table parsed as data";
    } catch (const mapio::Error& e) {
      EXPECT_EQ(e.errno_value(), EPERM);
      EXPECT_NE(std::string(e.what()).find("CAP_SYS_ADMIN"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

struct Malformed {
  const char* file;
  int line;
  const char* reason;
};

TEST(ResourceTree, NamesTheFileAndLineOfAMalformedTable) {
  const Malformed cases[] = {
      {"iomem/malformed_odd_indent.txt", 3, "odd indentation"},
      {"iomem/malformed_no_separator.txt", 2, "no ' : ' after the range"},
      {"iomem/malformed_too_deep.txt", 3, "nested 3 levels deep under a line at depth 0"},
      {"iomem/malformed_not_hex.txt", 2, "no '-' after the start address"},
      {"iomem/malformed_too_wide.txt", 3, "start address wider than 64 bits"},
      {"iomem/malformed_empty_line.txt", 2, "empty line"},
      {"iomem/malformed_end_below_start.txt", 2, "the end address is below the start"},
      {"iomem/malformed_child_outside_parent.txt", 3, "the range is not inside its parent's"},
      {"ioports/malformed_no_separator.txt", 2, "no ' : ' after the range"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = data_dir + "/" + c.file;
    try {
      ResourceTree::read(path);
      FAIL() << "parsed a malformed file";
    } catch (const mapio::Error& e) {
      EXPECT_EQ(e.errno_value(), EINVAL);
      EXPECT_EQ(e.operation(), "parse");
      EXPECT_EQ(e.subject(), path + " line " + std::to_string(c.line));
      EXPECT_EQ(e.explanation().rfind(c.reason, 0), 0u) << e.explanation();
    }
  }
}

TEST(ResourceTree, AnEmptyTableIsAnEmptyTree) {
  auto tree = ResourceTree::parse("", "empty");
  EXPECT_TRUE(tree.empty());
  EXPECT_EQ(tree.format(), "");
}

TEST(ResourceTree, ALastLineWithoutNewlineStillCounts) {
  auto tree = ResourceTree::parse("0000-001f : dma1\n0020-0021 : pic1", "inline");
  ASSERT_EQ(tree.roots().size(), 2u);
  EXPECT_EQ(tree.roots()[1].name, "pic1");
}

TEST(ResourceTree, AMissingFileIsAnError) {
  mapio::test::ScratchDir dir;
  try {
    ResourceTree::read(dir / "absent");
    FAIL();
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ENOENT);
  }
}

// This machine's own tables: as root they parse and format back to exactly what the kernel printed;
// without CAP_SYS_ADMIN the kernel zeroes them and reading is refused.
TEST(ResourceTree, ReadsThisMachinesLiveTables) {
  for (const char* path : {"/proc/iomem", "/proc/ioports"}) {
    SCOPED_TRACE(path);
    const std::string text = mapio::test::read_with_read(path);
    if (text.find("00000000-00000000") != std::string::npos || text.rfind("0000-0000 :", 0) == 0) {
      EXPECT_THROW(ResourceTree::read(path), mapio::Error);
      continue;
    }
    auto tree = ResourceTree::read(path);
    EXPECT_FALSE(tree.empty());
    EXPECT_EQ(tree.format(), text);
  }
}

}  // namespace

TEST(ResourceTree, RefusesAFileLongerThanAnyKernelTable) {
  // /dev/zero never ends: the read stops one byte past the bound instead of filling memory.
  auto e = mapio::test::error_of([] { mapio::mmio::ResourceTree::read("/dev/zero"); });
  EXPECT_EQ(e.errno_value(), EFBIG);
  EXPECT_EQ(std::string(e.what()),
            "read /dev/zero: File too large (EFBIG): longer than 4194304 bytes, the most mapio reads from it");
  // A table of exactly the bound is read (and parsed: here, refused as malformed, not as too long).
  mapio::test::ScratchDir dir;
  const auto at_bound = dir.write("iomem", std::string(mapio::mmio::ResourceTree::max_table_bytes, 'x'));
  EXPECT_EQ(mapio::test::error_of([&] { mapio::mmio::ResourceTree::read(at_bound); }).errno_value(), EINVAL);
}

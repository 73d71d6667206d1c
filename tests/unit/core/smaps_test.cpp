// The /proc/self/smaps reader behind Mapping::huge_page_bytes, on text captured from a Linux 6.1
// process: an 8 MiB anonymous mapping backed by transparent huge pages, split in two regions by a
// madvise of its second half, between the heap and another anonymous region.
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "core/smaps.hpp"

namespace mapio {
namespace {

std::string captured(const char* name) {
  std::ifstream in(std::string(MAPIO_TEST_DATA_DIR) + "/smaps/" + name);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr std::uintptr_t heap = 0x55fc8981f000, heap_end = 0x55fc899ae000;
constexpr std::uintptr_t first_half = 0x7f33ba800000, second_half = 0x7f33bac00000, thp_end = 0x7f33bb000000;
constexpr std::size_t mib = std::size_t{1} << 20;

TEST(Smaps, BothRegionsOfTheMappingCount) {
  EXPECT_EQ(detail::huge_page_bytes(captured("anonymous_thp.txt"), first_half, thp_end), 8 * mib);
}

TEST(Smaps, ARegionCountsWholeWhenARangeOverlapsPartOfIt) {
  const auto text = captured("anonymous_thp.txt");
  EXPECT_EQ(detail::huge_page_bytes(text, first_half + mib, first_half + 2 * mib), 4 * mib);
  EXPECT_EQ(detail::huge_page_bytes(text, second_half - 1, second_half + 1), 8 * mib);
}

TEST(Smaps, RegionsThatOnlyTouchTheRangeDoNotCount) {
  const auto text = captured("anonymous_thp.txt");
  EXPECT_EQ(detail::huge_page_bytes(text, second_half, thp_end), 4 * mib);
  EXPECT_EQ(detail::huge_page_bytes(text, first_half, second_half), 4 * mib);
  EXPECT_EQ(detail::huge_page_bytes(text, thp_end, thp_end + mib), 0u);
}

TEST(Smaps, RegionsWithoutHugePagesGiveZero) {
  const auto text = captured("anonymous_thp.txt");
  EXPECT_EQ(detail::huge_page_bytes(text, heap, heap_end), 0u);
  EXPECT_EQ(detail::huge_page_bytes(text, heap, first_half + 1), 4 * mib);
  EXPECT_EQ(detail::huge_page_bytes(text, 0x1000, 0x2000), 0u);
}

TEST(Smaps, SharedAndFileHugePagesCountToo) {
  const std::string text =
      "7f0000000000-7f0000400000 rw-s 00000000 00:01 1234                       /memfd:ring (deleted)\n"
      "Size:               4096 kB\n"
      "AnonHugePages:         0 kB\n"
      "ShmemPmdMapped:     2048 kB\n"
      "FilePmdMapped:         0 kB\n"
      "7f0000400000-7f0000800000 r--s 00000000 fe:00 5678                       /data/big.log\n"
      "Size:               4096 kB\n"
      "AnonHugePages:         0 kB\n"
      "ShmemPmdMapped:        0 kB\n"
      "FilePmdMapped:      4096 kB\n";
  EXPECT_EQ(detail::huge_page_bytes(text, 0x7f0000000000, 0x7f0000800000), 6 * mib);
  EXPECT_EQ(detail::huge_page_bytes(text, 0x7f0000400000, 0x7f0000800000), 4 * mib);
}

TEST(Smaps, EmptyOrCutTextGivesZero) {
  EXPECT_EQ(detail::huge_page_bytes("", 0, ~std::uintptr_t{0}), 0u);
  EXPECT_EQ(detail::huge_page_bytes("7f33ba800000-7f33bac00000 rw-p 00000000 00:00 0\nAnonHuge", first_half, thp_end), 0u);
  // A field name alone in a line with no region before it belongs to nothing.
  EXPECT_EQ(detail::huge_page_bytes("AnonHugePages:      4096 kB\n", 0, ~std::uintptr_t{0}), 0u);
}

}  // namespace
}  // namespace mapio

// Guard pages: normal use works; the first byte past either end kills with SIGSEGV.
#include "mapio/core/guarded.hpp"

#include <signal.h>

#include "mapio/core/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

void touch(const std::byte* address) { *const_cast<volatile std::byte*>(address) = std::byte{1}; }

TEST(GuardedBuffer, EveryUsableByteIsReadableAndWritable) {
  for (std::size_t size : {std::size_t{1}, std::size_t{100}, page_size(), 3 * page_size() + 5}) {
    GuardedBuffer buffer(size);
    ASSERT_EQ(buffer.size(), size);
    for (auto& b : buffer.bytes()) b = std::byte{0xAB};
    for (auto b : buffer.bytes()) ASSERT_EQ(b, std::byte{0xAB});
    // Overrun detection places the end flush against the back guard.
    EXPECT_EQ(buffer.data() + size, buffer.back_guard());
  }
  GuardedBuffer underrun(100, Placement::detect_underrun);
  EXPECT_EQ(underrun.data(), underrun.front_guard() + underrun.guard_size());
}

TEST(GuardedBufferDeathTest, TouchingTheBackGuardKillsWithSigsegv) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  GuardedBuffer buffer(100);
  MAPIO_EXPECT_KILLED_BY(touch(buffer.data() + buffer.size()), SIGSEGV);
}

TEST(GuardedBufferDeathTest, TouchingTheFrontGuardKillsWithSigsegv) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  GuardedBuffer buffer(100, Placement::detect_underrun);
  MAPIO_EXPECT_KILLED_BY(touch(buffer.data() - 1), SIGSEGV);
}

TEST(GuardedBufferDeathTest, WiderGuardsCatchFartherStrides) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  GuardedBuffer buffer(64, Placement::detect_overrun, 4);
  EXPECT_EQ(buffer.guard_size(), 4 * page_size());
  MAPIO_EXPECT_KILLED_BY(touch(buffer.data() + buffer.size() + 3 * page_size()), SIGSEGV);
}

}  // namespace
}  // namespace mapio

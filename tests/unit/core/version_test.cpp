#include "mapio/version.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mapio/mapio.hpp"

namespace mapio {
namespace {

#define MAPIO_TEST_STRING(x) #x
#define MAPIO_TEST_VERSION(major, minor, patch) \
  MAPIO_TEST_STRING(major) "." MAPIO_TEST_STRING(minor) "." MAPIO_TEST_STRING(patch)

TEST(Version, MacrosSpellTheVersionString) {
  EXPECT_STREQ(MAPIO_VERSION, MAPIO_TEST_VERSION(MAPIO_VERSION_MAJOR, MAPIO_VERSION_MINOR, MAPIO_VERSION_PATCH));
}

// The library reports the version it was built as: the same as the headers this test was built with.
TEST(Version, LibraryAgreesWithHeaders) {
  ASSERT_NE(version(), nullptr);
  EXPECT_EQ(std::string(version()), MAPIO_VERSION);
}

}  // namespace
}  // namespace mapio

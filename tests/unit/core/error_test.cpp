#include "mapio/core/error.hpp"

#include <gtest/gtest.h>

namespace mapio {
namespace {

TEST(Error, NamesOperationSubjectErrnoAndExplanationOnce) {
  Error e("map", "/data/x.bin [offset 11]", ERANGE, "the offset is past the end of the file (10 bytes)");
  EXPECT_STREQ(e.what(),
               "map /data/x.bin [offset 11]: Numerical result out of range (ERANGE): the offset is past the end "
               "of the file (10 bytes)");
  EXPECT_EQ(e.code(), std::errc::result_out_of_range);
  EXPECT_EQ(e.errno_value(), ERANGE);
  EXPECT_EQ(e.operation(), "map");
  EXPECT_EQ(e.subject(), "/data/x.bin [offset 11]");
}

TEST(Error, WithoutSubjectOrExplanation) {
  EXPECT_STREQ(Error("libpci", "", EIO).what(), "libpci: Input/output error (EIO)");
  EXPECT_EQ(hex(0xfea00000), "0xfea00000");
}

TEST(Error, ThrowErrnoUsesTheCurrentErrno) {
  errno = ENOENT;
  try {
    throw_errno("open", "/missing");
  } catch (const std::system_error& e) {  // catchable as the standard type, too
    EXPECT_STREQ(e.what(), "open /missing: No such file or directory (ENOENT)");
  }
}

}  // namespace
}  // namespace mapio

// locale_encoding: the encoding words are counted in, asked of the real C library in real
// locales — C, POSIX and C.UTF-8, and two that have none, compiled here with localedef(1).
#include <clocale>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/scan/locale.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

// Sets LC_ALL for one test and puts the C locale back after it.
class LocaleTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::setlocale(LC_ALL, "C");
    ::unsetenv("LOCPATH");
  }
  static bool use(const char* name) { return std::setlocale(LC_ALL, name) != nullptr; }
};

TEST_F(LocaleTest, TheCAndPosixLocalesCountBytes) {
  ASSERT_TRUE(use("C"));
  EXPECT_EQ(locale_encoding(), TextEncoding::c);
  ASSERT_TRUE(use("POSIX"));
  EXPECT_EQ(locale_encoding(), TextEncoding::c);
}

TEST_F(LocaleTest, AUtf8LocaleCountsUtf8) {
  if (!use("C.UTF-8")) GTEST_SKIP() << "the C.UTF-8 locale is not installed";
  EXPECT_EQ(locale_encoding(), TextEncoding::utf8);
}

TEST_F(LocaleTest, OnlyLcCtypeDecides) {
  if (!use("C.UTF-8")) GTEST_SKIP() << "the C.UTF-8 locale is not installed";
  ASSERT_NE(std::setlocale(LC_CTYPE, "C"), nullptr);
  EXPECT_EQ(locale_encoding(), TextEncoding::c);
  ASSERT_TRUE(use("C"));
  ASSERT_NE(std::setlocale(LC_CTYPE, "C.UTF-8"), nullptr);
  EXPECT_EQ(locale_encoding(), TextEncoding::utf8);
}

TEST_F(LocaleTest, OtherEncodingsAreRefusedNamingTheLocale) {
  test::ScratchDir dir;
  const std::string out = dir.path().string();
  if (std::system(("localedef -i de_DE -f ISO-8859-1 '" + out + "/de_DE.ISO-8859-1' 2>/dev/null && "
                   "localedef -i ja_JP -f EUC-JP '" + out + "/ja_JP.EUC-JP' 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "localedef cannot compile de_DE.ISO-8859-1 and ja_JP.EUC-JP (the locales package)";
  }
  ::setenv("LOCPATH", out.c_str(), 1);
  // A single-byte locale whose bytes 0x80-0xff are characters, and a multibyte one not UTF-8.
  for (const char* name : {"de_DE.ISO-8859-1", "ja_JP.EUC-JP"}) {
    ASSERT_TRUE(use(name)) << name;
    try {
      (void)locale_encoding();
      ADD_FAILURE() << name << " was taken";
    } catch (const Error& e) {
      EXPECT_EQ(e.errno_value(), ENOTSUP);
      EXPECT_NE(std::string(e.what()).find(std::string("count words in locale ") + name), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace mapio

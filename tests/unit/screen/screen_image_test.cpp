// The P6 PPM reader and writer on real files.
#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/screen/image.hpp"
#include "test_support.hpp"

namespace mapio::screen {
namespace {

int error_of(const std::filesystem::path& path, std::string* message = nullptr) {
  try {
    read_ppm(path);
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.errno_value();
  }
  return 0;
}

TEST(Ppm, ReadsHeaderCommentsAndPixels) {
  test::ScratchDir dir;
  std::string data = "P6\n# made by hand\n2 1 # trailing comment\n255\n";
  data += std::string("\x01\x02\x03\xff\x80\x00", 6);
  auto image = read_ppm(dir.write("a.ppm", data));
  ASSERT_EQ(image.width, 2u);
  ASSERT_EQ(image.height, 1u);
  EXPECT_EQ(image.at(0, 0), (Rgb{1, 2, 3}));
  EXPECT_EQ(image.at(1, 0), (Rgb{0xff, 0x80, 0}));
}

TEST(Ppm, ScalesSmallAndSixteenBitMaxvals) {
  test::ScratchDir dir;
  auto small = read_ppm(dir.write("s.ppm", std::string("P6 1 1 15\n\x0f\x00\x07", 13)));
  EXPECT_EQ(small.at(0, 0), (Rgb{255, 0, 119}));
  auto wide = read_ppm(dir.write("w.ppm", std::string("P6 1 1 65535\n\xff\xff\x00\x00\x80\x00", 19)));
  EXPECT_EQ(wide.at(0, 0), (Rgb{255, 0, 128}));
}

TEST(Ppm, WriteThenReadIsTheSameImage) {
  test::ScratchDir dir;
  Image image(3, 2);
  image.at(2, 1) = {9, 8, 7};
  image.at(0, 0) = {255, 254, 253};
  write_ppm(dir / "x.ppm", image);
  EXPECT_EQ(read_ppm(dir / "x.ppm"), image);
  EXPECT_EQ(test::read_with_read(dir / "x.ppm").substr(0, 11), "P6\n3 2\n255\n");
}

TEST(Ppm, BadFilesAreClearErrors) {
  test::ScratchDir dir;
  std::string message;
  EXPECT_EQ(error_of(dir.write("p3.ppm", "P3\n1 1\n255\n0 0 0\n"), &message), EINVAL);
  EXPECT_NE(message.find("plain (P3)"), std::string::npos) << message;
  EXPECT_EQ(error_of(dir.write("png", "\x89PNG\r\n"), &message), EINVAL);
  EXPECT_NE(message.find("does not start with P6"), std::string::npos) << message;
  EXPECT_EQ(error_of(dir.write("short.ppm", "P6 4 4 255\nabc"), &message), EINVAL);
  EXPECT_NE(message.find("need 48 bytes"), std::string::npos) << message;
  EXPECT_EQ(error_of(dir.write("zero.ppm", "P6 0 4 255\n")), EINVAL);
  EXPECT_EQ(error_of(dir.write("huge.ppm", "P6 99999999 4 255\n")), EINVAL);
  EXPECT_EQ(error_of(dir.write("letters.ppm", "P6 4x 4 255\n")), EINVAL);
  EXPECT_EQ(error_of(dir.write("empty.ppm", "")), EINVAL);
  EXPECT_EQ(error_of(dir.write("cut.ppm", "P6 1 1")), EINVAL);
  EXPECT_EQ(error_of(dir / "missing.ppm"), ENOENT);
}

}  // namespace
}  // namespace mapio::screen

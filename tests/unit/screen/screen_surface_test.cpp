// Surfaces on anonymous memory with explicit geometries: pixel formats to the bit, strides wider
// than a row (the padding must stay untouched), clipping, the font, images, and refusals.
#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/core/guarded.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/screen/font.hpp"
#include "mapio/screen/image.hpp"
#include "mapio/screen/surface.hpp"

namespace mapio::screen {
namespace {

constexpr std::byte pad{0xa5};

// A surface whose rows are `stride` bytes, pre-filled with the padding byte.
struct Canvas {
  Canvas(unsigned w, unsigned h, std::size_t stride, PixelFormat format)
      : memory(Mapping::anonymous(stride * h)), surface(prepare(memory), Geometry{w, h, stride, format}) {}
  static std::span<std::byte> prepare(Mapping& m) {
    std::memset(m.writable_data(), 0xa5, m.size());
    return m.writable_bytes();
  }
  std::byte at(std::size_t offset) const { return memory.bytes()[offset]; }
  Mapping memory;
  Surface surface;
};

template <class F>
int error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.errno_value();
  }
  return 0;
}

TEST(PixelFormat, EncodesTheNamedFormatsToTheBit) {
  EXPECT_EQ(PixelFormat::xrgb8888().encode({0x12, 0x34, 0x56}), 0x123456u);
  EXPECT_EQ(PixelFormat::rgb888().encode({0x12, 0x34, 0x56}), 0x123456u);
  EXPECT_EQ(PixelFormat::rgb565().encode({0xff, 0, 0}), 0xf800u);
  EXPECT_EQ(PixelFormat::rgb565().encode({0, 0xff, 0}), 0x07e0u);
  EXPECT_EQ(PixelFormat::rgb565().encode({0, 0, 0xff}), 0x001fu);
  EXPECT_EQ(PixelFormat::rgb565().decode(0xffff), (Rgb{0xff, 0xff, 0xff}));
  EXPECT_EQ(PixelFormat::rgb565().describe(), "RGB565");
  PixelFormat bgr{32, {0, 8}, {8, 8}, {16, 8}};  // XBGR8888, as some fbdev drivers report
  EXPECT_EQ(bgr.encode({0x12, 0x34, 0x56}), 0x563412u);
  EXPECT_EQ(bgr.describe(), "32 bpp, red 0:8, green 8:8, blue 16:8");
}

TEST(PixelFormat, UnsupportedFormatsAreRefusedNotGarbled) {
  auto memory = Mapping::anonymous(4096);
  PixelFormat palette{8, {0, 8}, {0, 8}, {0, 8}};
  EXPECT_EQ(error_of([&] { Surface(memory.writable_bytes(), Geometry{8, 8, 8, palette}); }), EINVAL);
  PixelFormat outside{16, {11, 8}, {5, 6}, {0, 5}};  // red runs past bit 15
  EXPECT_EQ(error_of([&] { outside.validate(); }), EINVAL);
  PixelFormat wide{32, {0, 10}, {10, 10}, {20, 10}};  // 10-bit channels
  try {
    wide.validate();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("red 0:10"), std::string::npos) << e.what();
  }
}

TEST(Surface, StrideWiderThanARowLeavesThePaddingAlone) {
  for (auto format : {PixelFormat::rgb565(), PixelFormat::rgb888(), PixelFormat::xrgb8888()}) {
    unsigned w = 13, h = 7;
    std::size_t row = w * format.bytes_per_pixel();
    std::size_t stride = row + 24;
    Canvas c(w, h, stride, format);
    c.surface.fill({0x10, 0x20, 0x30});
    c.surface.draw_text(-3, -2, "Wg", {255, 255, 255}, nullptr, 2);
    for (std::size_t y = 0; y < h; ++y) {
      for (std::size_t i = row; i < stride; ++i) ASSERT_EQ(c.at(y * stride + i), pad) << format.describe() << " row " << y;
    }
    Rgb expected = format.decode(format.encode({0x10, 0x20, 0x30}));
    EXPECT_EQ(c.surface.pixel(12, 6), expected) << format.describe();
  }
}

TEST(Surface, PixelsLandAtStrideTimesRowPlusBytesTimesColumn) {
  Canvas c32(4, 3, 32, PixelFormat::xrgb8888());
  c32.surface.set_pixel(2, 1, {0x11, 0x22, 0x33});
  EXPECT_EQ(c32.at(32 + 8), std::byte{0x33});  // little-endian XRGB: B, G, R, X
  EXPECT_EQ(c32.at(32 + 9), std::byte{0x22});
  EXPECT_EQ(c32.at(32 + 10), std::byte{0x11});

  Canvas c24(4, 3, 16, PixelFormat::rgb888());
  c24.surface.set_pixel(3, 2, {0x11, 0x22, 0x33});
  EXPECT_EQ(c24.at(32 + 9), std::byte{0x33});
  EXPECT_EQ(c24.at(32 + 10), std::byte{0x22});
  EXPECT_EQ(c24.at(32 + 11), std::byte{0x11});
  EXPECT_EQ(c24.at(32 + 12), pad);

  Canvas c16(4, 3, 10, PixelFormat::rgb565());
  c16.surface.set_pixel(1, 1, {0xff, 0, 0});
  EXPECT_EQ(c16.at(12), std::byte{0x00});
  EXPECT_EQ(c16.at(13), std::byte{0xf8});
  EXPECT_EQ(c16.surface.word(1, 1), 0xf800u);
}

TEST(Surface, DrawingIsClippedAndNeverWritesPastTheMemory) {
  // Exactly stride * (h - 1) + one row, ending at a PROT_NONE page.
  unsigned w = 50, h = 20;
  std::size_t stride = 256;
  GuardedBuffer buffer(stride * (h - 1) + w * 4);
  Surface s(buffer.bytes(), Geometry{w, h, stride, PixelFormat::xrgb8888()});
  s.fill({-100, -100, 1000, 1000}, {1, 2, 3});
  s.draw_text(45, 15, "overflowing text\nand more", {9, 9, 9}, nullptr, 3);
  Image big(300, 300, {7, 7, 7});
  s.blit(big, -10, -10);
  s.blit(big, 49, 19);
  s.set_pixel(50, 0, {});
  s.set_pixel(-1, 0, {});
  EXPECT_EQ(s.pixel(49, 19), (Rgb{7, 7, 7}));
  EXPECT_EQ(error_of([&] { (void)s.pixel(50, 0); }), ERANGE);
}

TEST(Surface, RefusesMemoryTooSmallAndRowsWiderThanTheStride) {
  auto memory = Mapping::anonymous(4096);
  EXPECT_EQ(error_of([&] { Surface(memory.writable_bytes(), Geometry{100, 11, 400, PixelFormat::xrgb8888()}); }),
            ERANGE);
  EXPECT_EQ(error_of([&] { Surface(memory.writable_bytes(), Geometry{10, 10, 39, PixelFormat::xrgb8888()}); }), ERANGE);
  EXPECT_EQ(error_of([&] { Surface(memory.writable_bytes(), Geometry{0, 10, 40, PixelFormat::xrgb8888()}); }), EINVAL);
  // The last row need not be padded to a full stride.
  EXPECT_EQ(error_of([&] { Surface(memory.writable_bytes().first(400 * 10 + 96), Geometry{24, 11, 400, PixelFormat::xrgb8888()}); }), 0);
}

TEST(Surface, TextDrawsTheFontGlyphsPixelForPixel) {
  Canvas c(40, 20, 160, PixelFormat::xrgb8888());
  Rgb ink{255, 255, 255}, paper{0, 0, 64};
  auto box = c.surface.draw_text(3, 2, "A!", ink, &paper, 2);
  EXPECT_EQ(box.width, 32u);
  EXPECT_EQ(box.height, 16u);
  const char text[] = "A!";
  for (unsigned i = 0; i < 2; ++i) {
    const Glyph& g = glyph(text[i]);
    for (unsigned gy = 0; gy < 8; ++gy) {
      for (unsigned gx = 0; gx < 8; ++gx) {
        bool lit = (g[gy] >> (7 - gx)) & 1u;
        for (unsigned d = 0; d < 4; ++d) {
          int x = static_cast<int>(3 + i * 16 + gx * 2 + d % 2), y = static_cast<int>(2 + gy * 2 + d / 2);
          ASSERT_EQ(c.surface.pixel(x, y), lit ? ink : paper) << text[i] << " at " << gx << "," << gy;
        }
      }
    }
  }
  // Without a background the pixels under the glyph are kept.
  Canvas t(8, 8, 32, PixelFormat::xrgb8888());
  t.surface.fill({1, 2, 3});
  t.surface.draw_text(0, 0, ".", ink);
  EXPECT_EQ(t.surface.pixel(0, 0), (Rgb{1, 2, 3}));
}

TEST(Font, GlyphsAreDistinctAndOutOfRangeIsABox) {
  for (int a = 0x20; a < 0x7f; ++a) {
    for (int b = a + 1; b < 0x7f; ++b) {
      EXPECT_NE(glyph(static_cast<char>(a)), glyph(static_cast<char>(b))) << char(a) << " and " << char(b);
    }
  }
  EXPECT_EQ(glyph('\x01'), glyph('\x7f'));
  EXPECT_EQ(glyph('\x01')[0], 0x7c);  // the box's top edge
  EXPECT_EQ(glyph(' '), Glyph{});
  EXPECT_EQ(glyph('A')[0] & 0x10, 0x10);
}

TEST(Surface, BlitAndCaptureRoundTripAnImage) {
  Image picture(5, 4);
  for (unsigned y = 0; y < 4; ++y)
    for (unsigned x = 0; x < 5; ++x) picture.at(x, y) = {static_cast<std::uint8_t>(x * 50), static_cast<std::uint8_t>(y * 60), 200};
  Canvas c(5, 4, 24, PixelFormat::xrgb8888());
  c.surface.blit(picture);
  EXPECT_EQ(c.surface.capture(), picture);
  Canvas offset(8, 8, 32, PixelFormat::xrgb8888());
  offset.surface.fill({});
  offset.surface.blit(picture, 6, 5);  // clipped to 2 x 3
  EXPECT_EQ(offset.surface.pixel(7, 7), picture.at(1, 2));
  EXPECT_EQ(offset.surface.pixel(5, 5), (Rgb{}));
}

}  // namespace
}  // namespace mapio::screen

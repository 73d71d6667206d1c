// framebuffer_info: the kernel's two answers about a framebuffer (FBIOGET_VSCREENINFO and
// FBIOGET_FSCREENINFO) made into a geometry and pixel format, without a device. The formats a
// driver can report are built here as the ioctls would fill them: the true-colour ones mapio draws
// are accepted with their exact bitfields, the others are refused with /dev/fb0 and the reason.
#include <linux/fb.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/screen/framebuffer.hpp"

namespace mapio::screen {
namespace {

struct Answers {
  fb_var_screeninfo var{};
  fb_fix_screeninfo fix{};
};

// A packed-pixel true-colour mode of `bpp` bits with the given (offset, length) channels.
Answers truecolour(unsigned bpp, fb_bitfield red, fb_bitfield green, fb_bitfield blue) {
  Answers a;
  std::strncpy(a.fix.id, "test fb", sizeof a.fix.id);
  a.var.xres = 800;
  a.var.yres = 600;
  a.var.xres_virtual = 800;
  a.var.yres_virtual = 1200;
  a.var.yoffset = 600;
  a.var.bits_per_pixel = bpp;
  a.var.red = red;
  a.var.green = green;
  a.var.blue = blue;
  a.fix.type = FB_TYPE_PACKED_PIXELS;
  a.fix.visual = FB_VISUAL_TRUECOLOR;
  a.fix.line_length = 800 * ((bpp + 7) / 8) + 64;
  a.fix.smem_len = a.fix.line_length * 1200;
  return a;
}

// The error framebuffer_info throws, as text; empty when it accepts.
std::string refusal(const Answers& a) {
  try {
    framebuffer_info(a.var, a.fix, "/dev/fb0");
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EINVAL);
    return e.what();
  }
  return {};
}

TEST(FramebufferInfo, Xrgb8888IsAcceptedWithItsGeometry) {
  auto a = truecolour(32, {16, 8, 0}, {8, 8, 0}, {0, 8, 0});
  a.var.transp = {24, 8, 0};  // an alpha field is there on some drivers; it is left alone
  auto info = framebuffer_info(a.var, a.fix, "/dev/fb0");
  EXPECT_EQ(info.id, "test fb");
  EXPECT_EQ(info.geometry.format, PixelFormat::xrgb8888());
  EXPECT_EQ(info.geometry.format.describe(), "XRGB8888");
  EXPECT_EQ(info.geometry.width, 800u);
  EXPECT_EQ(info.geometry.height, 600u);
  EXPECT_EQ(info.geometry.stride, 800u * 4 + 64);
  EXPECT_EQ(info.virtual_height, 1200u);
  EXPECT_EQ(info.y_offset, 600u);
  EXPECT_EQ(info.memory_size, (800u * 4 + 64) * 1200);
}

TEST(FramebufferInfo, Rgb888AndRgb565AreAccepted) {
  auto rgb888 = truecolour(24, {16, 8, 0}, {8, 8, 0}, {0, 8, 0});
  EXPECT_EQ(framebuffer_info(rgb888.var, rgb888.fix, "/dev/fb0").geometry.format, PixelFormat::rgb888());
  auto rgb565 = truecolour(16, {11, 5, 0}, {5, 6, 0}, {0, 5, 0});
  auto info = framebuffer_info(rgb565.var, rgb565.fix, "/dev/fb0");
  EXPECT_EQ(info.geometry.format, PixelFormat::rgb565());
  EXPECT_EQ(info.geometry.stride, 800u * 2 + 64);
}

TEST(FramebufferInfo, DirectColourAndOtherBitfieldOrdersAreAccepted) {
  // BGR order (red in the low byte), as some drivers report it; direct colour keeps the bitfields.
  auto a = truecolour(32, {0, 8, 0}, {8, 8, 0}, {16, 8, 0});
  a.fix.visual = FB_VISUAL_DIRECTCOLOR;
  auto format = framebuffer_info(a.var, a.fix, "/dev/fb0").geometry.format;
  EXPECT_EQ(format.red, (Bitfield{0, 8}));
  EXPECT_EQ(format.blue, (Bitfield{16, 8}));
  EXPECT_EQ(format.describe(), "32 bpp, red 0:8, green 8:8, blue 16:8");
}

TEST(FramebufferInfo, EightBitPseudocolourIsRefused) {
  // What vesafb reports for a 256-colour VESA mode: the bitfields are all 8 bits from 0 (the DAC
  // width) and each pixel is a palette index.
  auto a = truecolour(8, {0, 8, 0}, {0, 8, 0}, {0, 8, 0});
  a.fix.visual = FB_VISUAL_PSEUDOCOLOR;
  auto what = refusal(a);
  EXPECT_NE(what.find("/dev/fb0"), std::string::npos) << what;
  EXPECT_NE(what.find("pseudocolour"), std::string::npos) << what;
  EXPECT_NE(what.find("8 bpp"), std::string::npos) << what;
}

TEST(FramebufferInfo, TenBitChannelsAreRefused) {
  // XRGB2101010: 32 bpp true colour, but mapio's colours are 8 bits a channel.
  auto what = refusal(truecolour(32, {20, 10, 0}, {10, 10, 0}, {0, 10, 0}));
  EXPECT_NE(what.find("/dev/fb0"), std::string::npos) << what;
  EXPECT_NE(what.find("red 20:10"), std::string::npos) << what;
  EXPECT_NE(what.find("1 to 8 bits wide"), std::string::npos) << what;
}

TEST(FramebufferInfo, NonTrueColourVisualsAreRefused) {
  for (auto visual : {FB_VISUAL_MONO01, FB_VISUAL_MONO10, FB_VISUAL_STATIC_PSEUDOCOLOR, FB_VISUAL_FOURCC}) {
    auto a = truecolour(32, {16, 8, 0}, {8, 8, 0}, {0, 8, 0});
    a.fix.visual = visual;
    auto what = refusal(a);
    EXPECT_NE(what.find("/dev/fb0"), std::string::npos) << what;
    EXPECT_NE(what.find("visual " + std::to_string(visual)), std::string::npos) << what;
  }
}

TEST(FramebufferInfo, PlanarGrayscaleFourccAndNonStandardLayoutsAreRefused) {
  auto planes = truecolour(4, {0, 4, 0}, {0, 4, 0}, {0, 4, 0});
  planes.fix.type = FB_TYPE_VGA_PLANES;
  EXPECT_NE(refusal(planes).find("type 4 (VGA planes)"), std::string::npos) << refusal(planes);

  auto grey = truecolour(32, {16, 8, 0}, {8, 8, 0}, {0, 8, 0});
  grey.var.grayscale = 1;
  EXPECT_NE(refusal(grey).find("grayscale"), std::string::npos) << refusal(grey);

  auto fourcc = truecolour(32, {16, 8, 0}, {8, 8, 0}, {0, 8, 0});
  fourcc.var.grayscale = 0x34325258;  // 'XR24'
  EXPECT_NE(refusal(fourcc).find("FOURCC format 0x34325258"), std::string::npos) << refusal(fourcc);

  auto nonstd = truecolour(32, {16, 8, 0}, {8, 8, 0}, {0, 8, 0});
  nonstd.var.nonstd = 1;
  EXPECT_NE(refusal(nonstd).find("non-standard"), std::string::npos) << refusal(nonstd);
}

TEST(FramebufferInfo, TheDeviceNamedIsTheOneInTheError) {
  auto a = truecolour(8, {0, 8, 0}, {0, 8, 0}, {0, 8, 0});
  a.fix.visual = FB_VISUAL_PSEUDOCOLOR;
  try {
    framebuffer_info(a.var, a.fix, "/dev/fb1");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), "/dev/fb1");
    EXPECT_EQ(e.operation(), "open framebuffer");
  }
}

}  // namespace
}  // namespace mapio::screen

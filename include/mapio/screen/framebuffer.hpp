// Framebuffer: a Linux fbdev device (/dev/fb0, fb(4)) mapped as a Surface.
//
// The kernel describes the framebuffer with two ioctls: FBIOGET_VSCREENINFO (visible size, bits per
// pixel, the red/green/blue bitfields, the panning offset) and FBIOGET_FSCREENINFO (line_length,
// i.e. the stride, and smem_len, the size of the memory behind the device). mmap(2) of the device
// at offset 0 is that memory: every store is a pixel on the screen.
//
//     auto fb = mapio::screen::Framebuffer::open();                 // /dev/fb0
//     fmt::print("{}x{} {}\n", fb.info().geometry.width, fb.info().geometry.height,
//                fb.info().geometry.format.describe());              // 1024x768 XRGB8888
//     fb.surface().fill({0x20, 0x40, 0x80});
//
// Where /dev/fb0 comes from: a firmware framebuffer (vesafb with `vga=0x317` style boot options,
// efifb, simplefb) or a DRM driver's fbdev emulation (CONFIG_DRM_FBDEV_EMULATION, e.g. bochs on
// QEMU's std VGA). `nomodeset` on the kernel command line keeps all of them away. The framebuffer
// console (fbcon) draws on the same memory: its cursor and new console text can paint over yours.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/screen/surface.hpp"

struct fb_var_screeninfo;  // <linux/fb.h>
struct fb_fix_screeninfo;

namespace mapio::screen {

struct FramebufferInfo {
  std::string id;                  ///< the driver's name for it ("bochs-drmdrmfb", "VESA VGA")
  Geometry geometry;               ///< the visible screen: xres x yres, line_length, bitfields
  unsigned virtual_width = 0;      ///< xres_virtual, yres_virtual: the whole panning area
  unsigned virtual_height = 0;
  unsigned x_offset = 0;           ///< where the visible screen starts in it (panning)
  unsigned y_offset = 0;
  std::size_t memory_size = 0;     ///< smem_len: the bytes mmap can reach
};

/// What the kernel's answers to FBIOGET_VSCREENINFO (`var`) and FBIOGET_FSCREENINFO (`fix`) say about
/// the framebuffer at `device`, checked for drawing. Pure: it reads nothing but its arguments, so
/// every format a driver might report can be tried without one.
///
///     fb_var_screeninfo var{}; fb_fix_screeninfo fix{};     // as the ioctls filled them
///     auto info = mapio::screen::framebuffer_info(var, fix, "/dev/fb0");
///
/// Throws mapio::Error (EINVAL) naming `device` and the reason when mapio would garble the picture:
/// not packed pixels, a visual other than true colour or direct colour (8 bpp pseudocolour is
/// palette indices), a grayscale, FOURCC or non-standard layout, or a pixel format
/// PixelFormat::validate refuses (channels wider than 8 bits, e.g. 10-bit XRGB2101010).
FramebufferInfo framebuffer_info(const fb_var_screeninfo& var, const fb_fix_screeninfo& fix,
                                 const std::filesystem::path& device);

class Framebuffer {
 public:
  /// Opens `device`, reads its geometry and maps it read-write (MAP_SHARED). Throws mapio::Error:
  /// ENOENT for a missing device (with where framebuffers come from), ENOTTY when `device` is not
  /// a framebuffer, EINVAL for a pixel format mapio cannot draw (see framebuffer_info).
  static Framebuffer open(const std::filesystem::path& device = "/dev/fb0");
  /// Only the geometry, without mapping (for `mapio fb info`); the same errors as open.
  static FramebufferInfo query(const std::filesystem::path& device = "/dev/fb0");

  const FramebufferInfo& info() const noexcept { return info_; }
  /// The visible screen.
  Surface& surface() noexcept { return surface_; }

 private:
  Framebuffer(FramebufferInfo info, Mapping mapping);
  FramebufferInfo info_;
  Mapping mapping_;
  Surface surface_;
};

}  // namespace mapio::screen

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

#include "mapio/descriptor.hpp"
#include "mapio/mapping.hpp"
#include "mapio/screen/surface.hpp"

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

class Framebuffer {
 public:
  /// Opens `device`, reads its geometry and maps it read-write (MAP_SHARED). Throws mapio::Error:
  /// ENOENT for a missing device (with where framebuffers come from), ENOTTY when `device` is not
  /// a framebuffer, EINVAL for a pixel format mapio cannot draw.
  static Framebuffer open(const std::filesystem::path& device = "/dev/fb0");
  /// Only the geometry, without mapping (for `mapio fb info`).
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

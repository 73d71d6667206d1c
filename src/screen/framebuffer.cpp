#include "mapio/screen/framebuffer.hpp"

#include <fcntl.h>
#include <linux/fb.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::screen {
namespace {

FileDescriptor open_device(const std::filesystem::path& device) {
  try {
    return FileDescriptor::open(device, O_RDWR);
  } catch (const Error& e) {
    if (e.errno_value() != ENOENT) throw;
    throw Error("open framebuffer", device.string(), ENOENT,
                "no such framebuffer device: it comes from a firmware framebuffer (vesafb via vga=0x317, "
                "efifb, simplefb) or a DRM driver with fbdev emulation, and `nomodeset` disables all of them");
  }
}

FramebufferInfo read_info(const FileDescriptor& fd, const std::filesystem::path& device) {
  fb_var_screeninfo var{};
  fb_fix_screeninfo fix{};
  if (sys::ioctl(fd.get(), FBIOGET_VSCREENINFO, &var) != 0) {
    if (errno == ENOTTY || errno == EINVAL) {
      throw_errno("FBIOGET_VSCREENINFO", device.string(), errno, "this is not a framebuffer device (fb(4))");
    }
    throw_errno("FBIOGET_VSCREENINFO", device.string());
  }
  if (sys::ioctl(fd.get(), FBIOGET_FSCREENINFO, &fix) != 0) throw_errno("FBIOGET_FSCREENINFO", device.string());
  return framebuffer_info(var, fix, device);
}

const char* visual_name(std::uint32_t visual) {
  switch (visual) {
    case FB_VISUAL_MONO01:
    case FB_VISUAL_MONO10: return "monochrome";
    case FB_VISUAL_PSEUDOCOLOR: return "pseudocolour: each pixel is an index into a palette";
    case FB_VISUAL_STATIC_PSEUDOCOLOR: return "static pseudocolour: each pixel is an index into a fixed palette";
    case FB_VISUAL_FOURCC: return "FOURCC";
    default: return "unknown";
  }
}

const char* type_name(std::uint32_t type) {
  switch (type) {
    case FB_TYPE_PLANES: return "bit planes";
    case FB_TYPE_INTERLEAVED_PLANES: return "interleaved bit planes";
    case FB_TYPE_TEXT: return "text";
    case FB_TYPE_VGA_PLANES: return "VGA planes";
    case FB_TYPE_FOURCC: return "FOURCC";
    default: return "unknown";
  }
}

}  // namespace

FramebufferInfo framebuffer_info(const fb_var_screeninfo& var, const fb_fix_screeninfo& fix,
                                 const std::filesystem::path& device) {
  FramebufferInfo info;
  info.id.assign(fix.id, strnlen(fix.id, sizeof fix.id));
  info.geometry.width = var.xres;
  info.geometry.height = var.yres;
  info.geometry.stride = fix.line_length;
  info.geometry.format = PixelFormat{var.bits_per_pixel,
                                     {var.red.offset, var.red.length},
                                     {var.green.offset, var.green.length},
                                     {var.blue.offset, var.blue.length}};
  info.virtual_width = var.xres_virtual;
  info.virtual_height = var.yres_virtual;
  info.x_offset = var.xoffset;
  info.y_offset = var.yoffset;
  info.memory_size = fix.smem_len;

  auto refuse = [&](const std::string& why) {
    throw Error("open framebuffer", device.string(), EINVAL,
                fmt::format("{} ({} bpp); mapio draws only packed-pixel true-colour framebuffers "
                            "(XRGB8888, RGB888, RGB565 and other bitfields of up to 8 bits a channel)",
                            why, var.bits_per_pixel));
  };
  if (fix.type != FB_TYPE_PACKED_PIXELS) refuse(fmt::format("type {} ({})", fix.type, type_name(fix.type)));
  // Direct colour is true colour whose channels go through a gamma ramp: the bitfields still hold.
  if (fix.visual != FB_VISUAL_TRUECOLOR && fix.visual != FB_VISUAL_DIRECTCOLOR) {
    refuse(fmt::format("visual {} ({})", fix.visual, visual_name(fix.visual)));
  }
  // grayscale > 1 is a FOURCC code in place of the bitfields (FB_VISUAL_FOURCC drivers).
  if (var.grayscale == 1) refuse("grayscale");
  if (var.grayscale > 1) refuse(fmt::format("FOURCC format {:#010x}", var.grayscale));
  if (var.nonstd != 0) refuse(fmt::format("non-standard pixel format {:#x}", var.nonstd));
  try {
    info.geometry.format.validate();
  } catch (const Error& e) {
    refuse(fmt::format("pixel format {}: {}", info.geometry.format.describe(), e.explanation()));
  }
  return info;
}

FramebufferInfo Framebuffer::query(const std::filesystem::path& device) {
  auto fd = open_device(device);
  return read_info(fd, device);
}

Framebuffer Framebuffer::open(const std::filesystem::path& device) {
  auto fd = open_device(device);
  auto info = read_info(fd, device);
  auto mapping = Mapping::map_descriptor(fd.get(), 0, info.memory_size, Protection::read_write, Sharing::shared,
                                         device.string());
  return Framebuffer(std::move(info), std::move(mapping));
}

// The visible screen starts at the panning offset inside the framebuffer memory.
Framebuffer::Framebuffer(FramebufferInfo info, Mapping mapping)
    : info_(std::move(info)),
      mapping_(std::move(mapping)),
      surface_(mapping_.writable_bytes().subspan(std::min(
                   mapping_.size(), std::size_t{info_.y_offset} * info_.geometry.stride +
                                        std::size_t{info_.x_offset} * info_.geometry.format.bytes_per_pixel())),
               info_.geometry) {}

}  // namespace mapio::screen

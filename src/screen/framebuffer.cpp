#include "mapio/screen/framebuffer.hpp"

#include <fcntl.h>
#include <linux/fb.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "mapio/error.hpp"

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
  if (::ioctl(fd.get(), FBIOGET_VSCREENINFO, &var) != 0) {
    if (errno == ENOTTY || errno == EINVAL) {
      throw_errno("FBIOGET_VSCREENINFO", device.string(), errno, "this is not a framebuffer device (fb(4))");
    }
    throw_errno("FBIOGET_VSCREENINFO", device.string());
  }
  if (::ioctl(fd.get(), FBIOGET_FSCREENINFO, &fix) != 0) throw_errno("FBIOGET_FSCREENINFO", device.string());

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
  if (fix.type != FB_TYPE_PACKED_PIXELS || (fix.visual != FB_VISUAL_TRUECOLOR && fix.visual != FB_VISUAL_DIRECTCOLOR)) {
    throw Error("open framebuffer", device.string(), EINVAL,
                fmt::format("type {} visual {}: mapio draws only packed-pixel true-colour framebuffers", fix.type,
                            fix.visual));
  }
  return info;
}

}  // namespace

FramebufferInfo Framebuffer::query(const std::filesystem::path& device) {
  auto fd = open_device(device);
  return read_info(fd, device);
}

Framebuffer Framebuffer::open(const std::filesystem::path& device) {
  auto fd = open_device(device);
  auto info = read_info(fd, device);
  info.geometry.format.validate();
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

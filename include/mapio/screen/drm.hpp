// DRM dumb buffers: a picture on a KMS display without fbdev, through the kernel's mode-setting
// ioctls on /dev/dri/cardN (drm-kms(7), the uapi in <drm/drm_mode.h>; no libdrm needed).
//
// The steps, each one ioctl: find a connected connector and its preferred mode (MODE_GETRESOURCES,
// MODE_GETCONNECTOR), the CRTC that drives it (MODE_GETENCODER), allocate a "dumb" buffer in video
// memory (MODE_CREATE_DUMB), make it a framebuffer object (MODE_ADDFB), ask where to mmap it
// (MODE_MAP_DUMB), and point the CRTC at it (MODE_SETCRTC). From then on the buffer's mapping is
// the screen.
//
//     auto card = mapio::screen::DrmCard::open("/dev/dri/card0");
//     auto output = card.first_connected_output();            // e.g. Virtual-1, 1024x768@75
//     auto screen = mapio::screen::DumbScreen::show(card, output);
//     screen.surface().fill({0, 0x80, 0});
//     // ... the picture stays until `screen` goes (or the process exits)
//
// Showing needs DRM master: the first process to open the card gets it, unless a display server
// holds it (then SETCRTC fails with EACCES). When the buffer is released the kernel turns the CRTC
// off or, with fbdev emulation, gives the screen back to the console.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/screen/surface.hpp"

namespace mapio::screen {

/// A connected display output and the mode mapio would use for it.
struct DrmOutput {
  std::uint32_t connector_id = 0;
  std::uint32_t crtc_id = 0;
  std::string connector_name;  ///< "Virtual-1", "HDMI-A-1"
  unsigned width = 0;
  unsigned height = 0;
  unsigned refresh = 0;        ///< Hz
  std::string mode_name;       ///< "1024x768"
  std::array<std::byte, 68> mode{};  ///< the kernel's struct drm_mode_modeinfo, as SETCRTC wants it
};

/// An open DRM device.
class DrmCard {
 public:
  /// Opens `device` read-write. Throws mapio::Error: ENOENT with where DRM devices come from.
  static DrmCard open(const std::filesystem::path& device = "/dev/dri/card0");

  /// Every connected output with at least one mode (preferred mode first, else the first listed).
  std::vector<DrmOutput> connected_outputs() const;
  /// The first of them; mapio::Error (ENODEV) when none is connected.
  DrmOutput first_connected_output() const;
  /// The driver's name (DRM_IOCTL_VERSION), e.g. "bochs-drm".
  std::string driver_name() const;

  int descriptor() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return fd_.description(); }

 private:
  explicit DrmCard(FileDescriptor fd) : fd_(std::move(fd)) {}
  FileDescriptor fd_;
};

/// A 32-bit XRGB8888 dumb buffer shown on one output. Move-only; destroys the framebuffer object
/// and the buffer exactly once.
class DumbScreen {
 public:
  /// Allocates a buffer of the output's size, maps it, clears it to black and shows it.
  static DumbScreen show(const DrmCard& card, const DrmOutput& output);

  DumbScreen(DumbScreen&& other) noexcept;
  DumbScreen& operator=(DumbScreen&&) = delete;
  DumbScreen(const DumbScreen&) = delete;
  DumbScreen& operator=(const DumbScreen&) = delete;
  ~DumbScreen();

  Surface& surface() noexcept { return surface_; }
  std::uint32_t framebuffer_id() const noexcept { return framebuffer_id_; }

 private:
  DumbScreen(int fd, std::uint32_t handle, std::uint32_t framebuffer_id, Mapping mapping, const Geometry& geometry);
  void release() noexcept;

  int fd_ = -1;  // borrowed from the DrmCard, which must outlive this
  std::uint32_t handle_ = 0;
  std::uint32_t framebuffer_id_ = 0;
  Mapping mapping_;
  Surface surface_;
};

}  // namespace mapio::screen

// Surface: a rectangle of pixels in memory — a framebuffer's mapping, a DRM dumb buffer, or
// anonymous memory in a test — with its geometry and pixel format, and the drawing a screen needs:
// pixels, filled rectangles, text in the built-in 8x8 font, and images.
//
//     auto memory = mapio::Mapping::anonymous(480 * 100);
//     mapio::screen::Surface s(memory.writable_bytes(),
//                              {.width = 100, .height = 100, .stride = 480, .format = PixelFormat::xrgb8888()});
//     s.fill({0, 0, 100, 100}, {0, 0, 0x80});                 // navy background
//     s.draw_text(8, 8, "Hi", {255, 255, 255});               // white text, transparent background
//     auto c = s.pixel(0, 0);                                  // {0, 0, 0x80}
//
// Geometry follows fbdev (fb(4), struct fb_var_screeninfo / fb_fix_screeninfo): a row starts every
// `stride` bytes (line_length), which may be more than width * bytes-per-pixel; the padding
// between rows is never touched. A pixel is `bits_per_pixel` wide (16, 24 or 32) and holds red,
// green and blue as bitfields (offset, length) in a little-endian word, as the kernel describes them.
// Any other layout (8-bit palettes, fourcc formats, bitfields that do not fit) is refused with a
// mapio::Error (EINVAL) when the Surface is made, so nothing is drawn in a format mapio would garble.
//
// All drawing is clipped to the surface: coordinates may be negative or past the edge, and nothing
// is ever written outside width x height.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mapio/screen/color.hpp"
#include "mapio/screen/image.hpp"

namespace mapio::screen {

/// One colour channel inside a pixel word: `length` bits from bit `offset`.
struct Bitfield {
  unsigned offset = 0;
  unsigned length = 0;
  friend bool operator==(const Bitfield&, const Bitfield&) = default;
};

/// How a pixel is stored. The three named formats are what Linux framebuffers use in practice.
struct PixelFormat {
  unsigned bits_per_pixel = 0;
  Bitfield red;
  Bitfield green;
  Bitfield blue;

  static PixelFormat rgb565() noexcept { return {16, {11, 5}, {5, 6}, {0, 5}}; }
  static PixelFormat rgb888() noexcept { return {24, {16, 8}, {8, 8}, {0, 8}}; }   ///< 3 bytes: B, G, R
  static PixelFormat xrgb8888() noexcept { return {32, {16, 8}, {8, 8}, {0, 8}}; }

  unsigned bytes_per_pixel() const noexcept { return (bits_per_pixel + 7) / 8; }
  /// "XRGB8888", "RGB565", "RGB888", or the bitfields spelled out ("32 bpp, red 0:8, ...").
  std::string describe() const;
  /// Throws mapio::Error (EINVAL, naming the format) unless mapio can draw in it.
  void validate() const;
  /// The pixel word for a colour (each channel scaled to its bit length) and back.
  std::uint32_t encode(Rgb color) const noexcept;
  Rgb decode(std::uint32_t word) const noexcept;

  friend bool operator==(const PixelFormat&, const PixelFormat&) = default;
};

struct Geometry {
  unsigned width = 0;
  unsigned height = 0;
  std::size_t stride = 0;  ///< bytes from one row to the next (fbdev line_length, DRM pitch)
  PixelFormat format;
};

/// A rectangle; drawing clips it to the surface.
struct Rect {
  int x = 0;
  int y = 0;
  unsigned width = 0;
  unsigned height = 0;
};

class Surface {
 public:
  /// Throws mapio::Error: EINVAL for an unsupported format or a zero size, ERANGE when a row does not
  /// fit the stride or stride * (height - 1) + the last row does not fit `memory`.
  Surface(std::span<std::byte> memory, const Geometry& geometry);

  const Geometry& geometry() const noexcept { return geometry_; }
  unsigned width() const noexcept { return geometry_.width; }
  unsigned height() const noexcept { return geometry_.height; }

  /// Sets one pixel; outside the surface nothing happens.
  void set_pixel(int x, int y, Rgb color) noexcept;
  /// Reads one pixel back. Throws mapio::Error (ERANGE) outside the surface.
  Rgb pixel(int x, int y) const;
  /// The raw pixel word at (x, y) (for checks of the exact bits). ERANGE outside.
  std::uint32_t word(int x, int y) const;

  void fill(Rgb color) noexcept { fill(Rect{0, 0, width(), height()}, color); }
  void fill(Rect area, Rgb color) noexcept;
  /// Draws `text` in the 8x8 font, each font pixel `scale` x `scale` screen pixels, from the top left
  /// corner (x, y). '\n' starts a new line below. Background pixels of each glyph are painted only
  /// when `background` is given. Returns the bounding rectangle of what was drawn (unclipped).
  Rect draw_text(int x, int y, std::string_view text, Rgb foreground, const Rgb* background = nullptr,
                 unsigned scale = 1) noexcept;
  /// Copies `image` with its top left corner at (x, y), clipped.
  void blit(const Image& image, int x = 0, int y = 0) noexcept;
  /// The whole surface as an image (to save, or to compare).
  Image capture() const;

 private:
  std::byte* address(unsigned x, unsigned y) const noexcept;
  void store(std::byte* at, std::uint32_t word) const noexcept;
  std::uint32_t load(const std::byte* at) const noexcept;

  std::byte* memory_ = nullptr;
  Geometry geometry_;
};

}  // namespace mapio::screen

#include "mapio/screen/surface.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/screen/font.hpp"

namespace mapio::screen {
namespace {

std::uint32_t scale_to(std::uint8_t value, unsigned bits) noexcept {
  // Round to nearest: 255 -> all ones, 0 -> 0, whatever the channel width.
  auto max = (1u << bits) - 1;
  return (static_cast<unsigned>(value) * max + 127) / 255;
}

std::uint8_t scale_from(std::uint32_t value, unsigned bits) noexcept {
  auto max = (1u << bits) - 1;
  return static_cast<std::uint8_t>((value * 255 + max / 2) / max);
}

std::string describe_field(const char* name, Bitfield f) { return fmt::format("{} {}:{}", name, f.offset, f.length); }

}  // namespace

std::string PixelFormat::describe() const {
  if (*this == rgb565()) return "RGB565";
  if (*this == rgb888()) return "RGB888";
  if (*this == xrgb8888()) return "XRGB8888";
  return fmt::format("{} bpp, {}, {}, {}", bits_per_pixel, describe_field("red", red), describe_field("green", green),
                     describe_field("blue", blue));
}

void PixelFormat::validate() const {
  const char* why = nullptr;
  if (bits_per_pixel != 16 && bits_per_pixel != 24 && bits_per_pixel != 32) {
    why = "mapio draws 16, 24 and 32 bits per pixel (RGB565, RGB888, XRGB8888 and other true-colour "
          "bitfields); palette and packed-pixel formats are not supported";
  } else {
    for (auto field : {red, green, blue}) {
      if (field.length == 0 || field.length > 8 || field.offset + field.length > bits_per_pixel) {
        why = "each colour channel must be 1 to 8 bits wide and lie inside the pixel";
      }
    }
  }
  if (why != nullptr) throw Error("draw", "pixel format " + describe(), EINVAL, why);
}

std::uint32_t PixelFormat::encode(Rgb color) const noexcept {
  return scale_to(color.red, red.length) << red.offset | scale_to(color.green, green.length) << green.offset |
         scale_to(color.blue, blue.length) << blue.offset;
}

Rgb PixelFormat::decode(std::uint32_t word) const noexcept {
  auto channel = [word](Bitfield f) { return scale_from((word >> f.offset) & ((1u << f.length) - 1), f.length); };
  return {channel(red), channel(green), channel(blue)};
}

Surface::Surface(std::span<std::byte> memory, const Geometry& geometry) : memory_(memory.data()), geometry_(geometry) {
  geometry.format.validate();
  auto subject = fmt::format("{}x{} surface, stride {}", geometry.width, geometry.height, geometry.stride);
  if (geometry.width == 0 || geometry.height == 0) throw Error("make surface", subject, EINVAL, "the size is zero");
  auto row_bytes = std::size_t{geometry.width} * geometry.format.bytes_per_pixel();
  if (geometry.stride < row_bytes) {
    throw Error("make surface", subject, ERANGE,
                fmt::format("a row of {} pixels needs {} bytes, more than the stride", geometry.width, row_bytes));
  }
  // The last row need not be padded out to a full stride.
  auto needed = geometry.stride * (geometry.height - 1) + row_bytes;
  if (memory.size() < needed) {
    throw Error("make surface", subject, ERANGE,
                fmt::format("it needs {} bytes; the memory has {}", needed, memory.size()));
  }
}

std::byte* Surface::address(unsigned x, unsigned y) const noexcept {
  return memory_ + std::size_t{y} * geometry_.stride + std::size_t{x} * geometry_.format.bytes_per_pixel();
}

// Pixel words are little-endian in memory (fbdev and DRM both say so). Stores of the natural width
// where there is one: a framebuffer takes them as the device expects, and it is faster.
void Surface::store(std::byte* at, std::uint32_t word) const noexcept {
  switch (geometry_.format.bytes_per_pixel()) {
    case 2: {
      auto w = static_cast<std::uint16_t>(word);
      std::memcpy(at, &w, 2);
      break;
    }
    case 3:
      at[0] = static_cast<std::byte>(word);
      at[1] = static_cast<std::byte>(word >> 8);
      at[2] = static_cast<std::byte>(word >> 16);
      break;
    default:
      std::memcpy(at, &word, 4);
  }
}

std::uint32_t Surface::load(const std::byte* at) const noexcept {
  switch (geometry_.format.bytes_per_pixel()) {
    case 2: {
      std::uint16_t w = 0;
      std::memcpy(&w, at, 2);
      return w;
    }
    case 3:
      return std::to_integer<std::uint32_t>(at[0]) | std::to_integer<std::uint32_t>(at[1]) << 8 |
             std::to_integer<std::uint32_t>(at[2]) << 16;
    default: {
      std::uint32_t w = 0;
      std::memcpy(&w, at, 4);
      return w;
    }
  }
}

void Surface::set_pixel(int x, int y, Rgb color) noexcept {
  if (x < 0 || y < 0 || static_cast<unsigned>(x) >= width() || static_cast<unsigned>(y) >= height()) return;
  store(address(static_cast<unsigned>(x), static_cast<unsigned>(y)), geometry_.format.encode(color));
}

std::uint32_t Surface::word(int x, int y) const {
  if (x < 0 || y < 0 || static_cast<unsigned>(x) >= width() || static_cast<unsigned>(y) >= height()) {
    throw Error("read pixel", fmt::format("({}, {})", x, y), ERANGE,
                fmt::format("the surface is {}x{}", width(), height()));
  }
  return load(address(static_cast<unsigned>(x), static_cast<unsigned>(y)));
}

Rgb Surface::pixel(int x, int y) const { return geometry_.format.decode(word(x, y)); }

void Surface::fill(Rect area, Rgb color) noexcept {
  long x0 = std::max<long>(area.x, 0);
  long y0 = std::max<long>(area.y, 0);
  long x1 = std::min<long>(static_cast<long>(area.x) + static_cast<long>(area.width), static_cast<long>(width()));
  long y1 = std::min<long>(static_cast<long>(area.y) + static_cast<long>(area.height), static_cast<long>(height()));
  if (x0 >= x1 || y0 >= y1) return;
  auto encoded = geometry_.format.encode(color);
  auto step = geometry_.format.bytes_per_pixel();
  for (long y = y0; y < y1; ++y) {
    std::byte* at = address(static_cast<unsigned>(x0), static_cast<unsigned>(y));
    for (long x = x0; x < x1; ++x, at += step) store(at, encoded);
  }
}

Rect Surface::draw_text(int x, int y, std::string_view text, Rgb foreground, const Rgb* background,
                        unsigned scale) noexcept {
  scale = std::max(scale, 1u);
  int cell_width = static_cast<int>(font_width * scale);
  int cell_height = static_cast<int>(font_height * scale);
  int pen_x = x;
  int pen_y = y;
  int widest = 0;
  for (char c : text) {
    if (c == '\n') {
      pen_x = x;
      pen_y += cell_height;
      continue;
    }
    const Glyph& rows = glyph(c);
    for (unsigned gy = 0; gy < font_height; ++gy) {
      for (unsigned gx = 0; gx < font_width; ++gx) {
        bool lit = (rows[gy] >> (7 - gx)) & 1u;
        if (!lit && background == nullptr) continue;
        fill(Rect{pen_x + static_cast<int>(gx * scale), pen_y + static_cast<int>(gy * scale), scale, scale},
             lit ? foreground : *background);
      }
    }
    pen_x += cell_width;
    widest = std::max(widest, pen_x - x);
  }
  int lines = text.empty() ? 0 : (pen_y - y) / cell_height + 1;
  return Rect{x, y, static_cast<unsigned>(widest), static_cast<unsigned>(lines * cell_height)};
}

void Surface::blit(const Image& image, int x, int y) noexcept {
  for (unsigned iy = 0; iy < image.height; ++iy) {
    long sy = static_cast<long>(y) + iy;
    if (sy < 0) continue;
    if (sy >= static_cast<long>(height())) break;
    for (unsigned ix = 0; ix < image.width; ++ix) {
      long sx = static_cast<long>(x) + ix;
      if (sx < 0) continue;
      if (sx >= static_cast<long>(width())) break;
      store(address(static_cast<unsigned>(sx), static_cast<unsigned>(sy)), geometry_.format.encode(image.at(ix, iy)));
    }
  }
}

Image Surface::capture() const {
  Image out(width(), height());
  for (unsigned y = 0; y < height(); ++y) {
    for (unsigned x = 0; x < width(); ++x) out.at(x, y) = geometry_.format.decode(load(address(x, y)));
  }
  return out;
}

}  // namespace mapio::screen

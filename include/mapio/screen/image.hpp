// Image: an RGB picture in memory, and the binary PPM (P6, netpbm's ppm(5)) reader and writer that
// move it to and from files. PPM is what QEMU's `screendump` writes, and the simplest format to
// produce from any tool (`pnmtopng`/`pngtopnm`, `convert x.png x.ppm`).
//
//     auto picture = mapio::screen::read_ppm("logo.ppm");        // mapped with MappedFile, parsed
//     surface.blit(picture, 10, 10);
//     mapio::screen::write_ppm("shot.ppm", surface.capture());
//
// The reader takes P6 with any maxval from 1 to 65535 (16-bit samples are big-endian, as ppm(5)
// says) and '#' comments in the header, and scales samples to 8 bits. Anything else — P3 text
// PPM, a short file, a zero or absurd size — is a mapio::Error naming the file and what is wrong.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "mapio/screen/color.hpp"

namespace mapio::screen {

struct Image {
  unsigned width = 0;
  unsigned height = 0;
  std::vector<Rgb> pixels;  ///< row-major, width * height

  Image() = default;
  Image(unsigned w, unsigned h, Rgb color = {}) : width(w), height(h), pixels(std::size_t{w} * h, color) {}
  Rgb& at(unsigned x, unsigned y) { return pixels[std::size_t{y} * width + x]; }
  const Rgb& at(unsigned x, unsigned y) const { return pixels[std::size_t{y} * width + x]; }
  friend bool operator==(const Image&, const Image&) = default;
};

/// Parses a P6 PPM held in memory; `name` names it in errors.
Image parse_ppm(std::span<const std::byte> bytes, const std::string& name = "PPM data");
/// Maps `path` and parses it.
Image read_ppm(const std::filesystem::path& path);
/// Writes `image` as P6 with maxval 255.
void write_ppm(const std::filesystem::path& path, const Image& image);
/// The P6 bytes of `image`.
std::vector<std::byte> encode_ppm(const Image& image);

}  // namespace mapio::screen

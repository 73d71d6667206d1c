// Colour arguments (parse_color, parse_rgb: `mapio fb`, `mapio vga-text`): any text is a colour or
// nullopt; a palette name and a #rrggbb written from a colour parse back to it.
#include <cstdint>

#include <fmt/format.h>

#include "fuzz_support.hpp"
#include "mapio/screen/color.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mapio::fuzz::require;
  namespace screen = mapio::screen;
  const auto text = mapio::fuzz::text_of(data, size);
  if (const auto color = screen::parse_color(text)) {
    require(screen::parse_color(screen::color_name(*color)) == color, "color_name() parses back");
  }
  if (const auto rgb = screen::parse_rgb(text)) {
    require(screen::parse_rgb(fmt::format("#{:02x}{:02x}{:02x}", rgb->red, rgb->green, rgb->blue)) == rgb,
            "#rrggbb parses back");
  }
  return 0;
}

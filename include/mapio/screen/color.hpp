// The sixteen colours of the VGA text-mode palette and the attribute byte that combines two of them.
//
//     using mapio::screen::Color;
//     std::uint8_t a = mapio::screen::attribute(Color::yellow, Color::blue);   // 0x1e
//     auto c = mapio::screen::parse_color("light-cyan");                       // Color::light_cyan
//
// The attribute's bit 7 is "blink" while the VGA attribute controller's blink enable is on (the
// BIOS default): a bright background (8-15) then shows as its dark half, blinking. Use one of the
// eight dark colours as background for a steady picture.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mapio::screen {

/// The CGA/VGA 16-colour palette in its hardware order (the numbers are the attribute bits).
enum class Color : std::uint8_t {
  black, blue, green, cyan, red, magenta, brown, light_gray,
  dark_gray, light_blue, light_green, light_cyan, light_red, light_magenta, yellow, white,
};

/// An attribute byte: foreground in bits 0-3, background in bits 4-7.
constexpr std::uint8_t attribute(Color foreground, Color background) noexcept {
  return static_cast<std::uint8_t>((static_cast<unsigned>(background) << 4) | static_cast<unsigned>(foreground));
}
constexpr Color foreground_of(std::uint8_t attribute) noexcept { return static_cast<Color>(attribute & 0x0f); }
constexpr Color background_of(std::uint8_t attribute) noexcept { return static_cast<Color>(attribute >> 4); }

/// Light grey on black: what the BIOS leaves on a text screen.
inline constexpr std::uint8_t default_attribute = attribute(Color::light_gray, Color::black);

/// "light-blue", "light_blue" and "lightblue" all name Color::light_blue ("grey" works for "gray");
/// nullopt for anything else.
std::optional<Color> parse_color(std::string_view name) noexcept;
/// "light-blue".
std::string_view color_name(Color color) noexcept;

/// An 8-bit-per-channel colour.
struct Rgb {
  std::uint8_t red = 0;
  std::uint8_t green = 0;
  std::uint8_t blue = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// The colour a palette entry shows as with the standard VGA DAC values (6-bit levels 0, 21, 42, 63
/// scaled to 8 bits: 0x00, 0x55, 0xaa, 0xff; brown is dark yellow with half green).
Rgb palette_rgb(Color color) noexcept;

/// A pixel colour from "#rrggbb", "rrggbb", "0xrrggbb" or a palette name ("red", "light-cyan").
std::optional<Rgb> parse_rgb(std::string_view text) noexcept;

}  // namespace mapio::screen

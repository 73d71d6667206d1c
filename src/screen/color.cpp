#include "mapio/screen/color.hpp"

#include <cctype>
#include <string>

namespace mapio::screen {
namespace {

constexpr std::array<std::string_view, 16> names = {
    "black",     "blue",       "green",       "cyan",       "red",       "magenta",
    "brown",     "light-gray", "dark-gray",   "light-blue", "light-green", "light-cyan",
    "light-red", "light-magenta", "yellow",   "white",
};

// "Light_Blue" -> "lightblue": spelling variants compare equal.
std::string squeeze(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '-' || c == '_' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (auto grey = out.find("grey"); grey != std::string::npos) out.replace(grey, 4, "gray");
  return out;
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Color> parse_color(std::string_view name) noexcept {
  try {
    auto wanted = squeeze(name);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (squeeze(names[i]) == wanted) return static_cast<Color>(i);
    }
  } catch (...) {
    // Only allocation can throw here; an unparsable name is the honest answer.
  }
  return std::nullopt;
}

std::string_view color_name(Color color) noexcept { return names[static_cast<std::size_t>(color) & 15]; }

Rgb palette_rgb(Color color) noexcept {
  auto index = static_cast<unsigned>(color) & 15;
  if (index == 6) return {0xaa, 0x55, 0x00};  // brown: the DAC halves green of dark yellow
  std::uint8_t level = (index & 8) ? 0xff : 0xaa;
  std::uint8_t base = (index & 8) ? 0x55 : 0x00;
  return {static_cast<std::uint8_t>((index & 4) ? level : base),
          static_cast<std::uint8_t>((index & 2) ? level : base),
          static_cast<std::uint8_t>((index & 1) ? level : base)};
}

std::optional<Rgb> parse_rgb(std::string_view text) noexcept {
  std::string_view digits = text;
  if (digits.starts_with('#')) digits.remove_prefix(1);
  else if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  if (digits.size() == 6) {
    unsigned value = 0;
    bool ok = true;
    for (char c : digits) {
      int d = hex_digit(c);
      if (d < 0) { ok = false; break; }
      value = value * 16 + static_cast<unsigned>(d);
    }
    if (ok) {
      return Rgb{static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 8),
                 static_cast<std::uint8_t>(value)};
    }
  }
  if (auto named = parse_color(text)) return palette_rgb(*named);
  return std::nullopt;
}

}  // namespace mapio::screen

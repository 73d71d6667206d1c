// mapio's built-in 8x8 bitmap font for printable ASCII (0x20-0x7e), drawn for this library.
//
// Each glyph is eight rows of eight pixels, one byte per row, bit 7 the leftmost pixel. Letters
// are five pixels wide with one blank column left and two right, capitals seven rows tall, so
// glyphs set side by side leave a gap between letters and lines. A character outside printable
// ASCII draws as a hollow box, so an unexpected byte is visible instead of silently missing.
//
//     auto rows = mapio::screen::glyph('A');
//     bool top_middle_lit = rows[0] & 0x10;          // true: the apex of the A
#pragma once

#include <array>
#include <cstdint>

namespace mapio::screen {

inline constexpr unsigned font_width = 8;
inline constexpr unsigned font_height = 8;

using Glyph = std::array<std::uint8_t, font_height>;

/// The glyph for `c` (the box glyph for anything outside 0x20-0x7e).
const Glyph& glyph(char c) noexcept;

}  // namespace mapio::screen

// The columns GNU wc -L gives each Unicode character, for CharCounter (src/scan/char_counter.cpp).
#pragma once

#include <cstdint>

namespace mapio::detail {

/// The width of every code point below U+110000, 2 bits each (0, 1 or 2 columns), from
/// src/unicode_widths.inc. Built on first use; never null.
const std::uint8_t* unicode_widths() noexcept;

inline unsigned width_of(const std::uint8_t* table, char32_t c) noexcept {
  if (c >= 0x110000) return 0;  // past Unicode: decoded by the C library, but not printable
  return (table[c >> 2] >> ((c & 3) * 2)) & 3u;
}

}  // namespace mapio::detail

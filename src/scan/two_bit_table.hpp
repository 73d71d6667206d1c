// A property of every Unicode code point in 2 bits (272 KiB, one load per character), as the
// width and class tables keep them; built from ranges, read by width_of() and class_of().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace mapio::detail {

/// Starts with `everywhere` for every code point; ranges and single code points then change it.
///
///     TwoBitTable t(1);
///     t.set_range(0x1100, 0x115F, 2);  // four code points per byte where a range covers them
class TwoBitTable {
 public:
  static constexpr std::size_t code_points = 0x110000;

  explicit TwoBitTable(unsigned everywhere) { bits_.fill(static_cast<std::uint8_t>(everywhere * 0x55)); }

  void set(char32_t c, unsigned value) {
    const unsigned shift = (c & 3) * 2;
    bits_[c >> 2] = static_cast<std::uint8_t>((bits_[c >> 2] & ~(3u << shift)) | (value << shift));
  }

  void set_range(char32_t first, char32_t last, unsigned value) {
    for (char32_t c = first; c <= last;) {
      if ((c & 3) == 0 && last - c >= 3) {  // four code points, one byte (planes 4–13 are one range)
        bits_[c >> 2] = static_cast<std::uint8_t>(value * 0x55);
        c += 4;
        continue;
      }
      set(c, value);
      ++c;
    }
  }

  const std::uint8_t* data() const noexcept { return bits_.data(); }

 private:
  std::array<std::uint8_t, code_points / 4> bits_;
};

}  // namespace mapio::detail

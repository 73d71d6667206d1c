// TextScreen: a character-cell screen laid out the way VGA text mode lays it out in memory.
//
// In VGA text mode the screen IS memory: cell (row, column) is the 16-bit little-endian word at
// byte 2 * (row * columns + column), the low byte a code page 437 character, the high byte its
// attribute (foreground colour in bits 0-3, background in bits 4-6, bit 7 blink). Writing those
// two bytes is all it takes to put a character on the screen.
//
// TextScreen works on any writable byte region of that layout: the real text buffer at physical
// 0xB8000 (see VgaText below), or anonymous memory in a test.
//
//     auto memory = mapio::Mapping::anonymous(80 * 25 * 2);
//     mapio::screen::TextScreen screen(memory.writable_bytes());
//     screen.clear();
//     screen.write({0, 0}, "Hello", mapio::screen::attribute(Color::white, Color::blue));
//     auto cell = screen.cell(0, 1);                 // {'e', 0x1f}
//
// Text that reaches the end of a line either wraps to the next line (Overflow::wrap, default) or is
// cut there (Overflow::cut: the rest of that line is dropped up to the next '\n'). '\n' starts the
// next line. The screen never scrolls: what does not fit below the last line is dropped and counted.
// No write ever reaches past columns * rows cells, whatever the text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mapio/screen/color.hpp"

namespace mapio::screen {

/// What happens to text that reaches the end of a line.
enum class Overflow {
  wrap,  ///< continue at column 0 of the next line
  cut,   ///< drop the rest of the line (up to the next '\n')
};

/// A cell's contents: a code page 437 character and its attribute byte.
struct Cell {
  char character = ' ';
  std::uint8_t attribute = 0;
  friend bool operator==(const Cell&, const Cell&) = default;
};

/// A place on the screen, counted from 0 at the top left.
struct CellPosition {
  int row = 0;
  int column = 0;
  friend bool operator==(const CellPosition&, const CellPosition&) = default;
};

/// What a write did: where the next character would go, and how many characters did not fit.
struct WriteResult {
  CellPosition next;
  std::size_t written = 0;
  std::size_t dropped = 0;
};

class TextScreen {
 public:
  static constexpr int vga_columns = 80;
  static constexpr int vga_rows = 25;

  /// A screen of `columns` x `rows` cells over `memory`. Throws mapio::Error: ERANGE when the memory
  /// is smaller than columns * rows * 2 bytes, EINVAL for non-positive sizes or memory that is not
  /// 2-byte aligned (each cell is written as one 16-bit store, as the hardware expects).
  explicit TextScreen(std::span<std::byte> memory, int columns = vga_columns, int rows = vga_rows);

  int columns() const noexcept { return columns_; }
  int rows() const noexcept { return rows_; }

  /// Writes `text` from `at` in `attribute`. Throws mapio::Error (ERANGE) when `at` is off the screen.
  WriteResult write(CellPosition at, std::string_view text, std::uint8_t attribute = default_attribute,
                    Overflow overflow = Overflow::wrap);
  /// One cell. Throws mapio::Error (ERANGE) off the screen.
  void put(int row, int column, Cell cell);
  Cell cell(int row, int column) const;
  /// The characters of one row, trailing spaces kept (always columns() long).
  std::string row_text(int row) const;

  /// Every cell to `character` in `attribute`.
  void fill(char character, std::uint8_t attribute);
  /// Every cell to a blank in `attribute` (light grey on black by default, as the BIOS leaves it).
  void clear(std::uint8_t attribute = default_attribute) { fill(' ', attribute); }

 private:
  void check(int row, int column, const char* operation) const;
  void store(std::size_t index, Cell cell) noexcept;
  Cell load(std::size_t index) const noexcept;

  volatile std::uint16_t* cells_ = nullptr;
  int columns_ = 0;
  int rows_ = 0;
};

}  // namespace mapio::screen

#include "mapio/screen/text_screen.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "mapio/core/error.hpp"

namespace mapio::screen {

TextScreen::TextScreen(std::span<std::byte> memory, int columns, int rows) : columns_(columns), rows_(rows) {
  if (columns <= 0 || rows <= 0) {
    throw Error("make text screen", fmt::format("{}x{}", columns, rows), EINVAL,
                "a screen needs at least one column and one row");
  }
  auto needed = static_cast<std::size_t>(columns) * static_cast<std::size_t>(rows) * 2;
  if (memory.size() < needed) {
    throw Error("make text screen", fmt::format("{}x{}", columns, rows), ERANGE,
                fmt::format("{} cells need {} bytes; the memory has {}", columns * rows, needed, memory.size()));
  }
  if (reinterpret_cast<std::uintptr_t>(memory.data()) % alignof(std::uint16_t) != 0) {
    throw Error("make text screen", fmt::format("{}", static_cast<const void*>(memory.data())), EINVAL,
                "text-mode memory must be 2-byte aligned: each cell is one 16-bit store");
  }
  cells_ = reinterpret_cast<volatile std::uint16_t*>(memory.data());
}

void TextScreen::check(int row, int column, const char* operation) const {
  if (row < 0 || row >= rows_ || column < 0 || column >= columns_) {
    throw Error(operation, fmt::format("row {}, column {}", row, column), ERANGE,
                fmt::format("the screen has {} rows and {} columns", rows_, columns_));
  }
}

// One 16-bit store per cell: the character and its attribute change together, as on the hardware.
void TextScreen::store(std::size_t index, Cell cell) noexcept {
  cells_[index] = static_cast<std::uint16_t>(static_cast<unsigned>(cell.attribute) << 8 |
                                             static_cast<unsigned char>(cell.character));
}

Cell TextScreen::load(std::size_t index) const noexcept {
  std::uint16_t word = cells_[index];
  return Cell{static_cast<char>(word & 0xff), static_cast<std::uint8_t>(word >> 8)};
}

WriteResult TextScreen::write(CellPosition at, std::string_view text, std::uint8_t attribute, Overflow overflow) {
  check(at.row, at.column, "write text");
  WriteResult result;
  int row = at.row;
  int column = at.column;
  bool skipping_line = false;  // Overflow::cut: dropping the rest of a line that ran off the edge
  for (char c : text) {
    if (c == '\n') {
      ++row;
      column = 0;
      skipping_line = false;
      continue;
    }
    if (column >= columns_) {
      if (overflow == Overflow::cut) skipping_line = true;
      else {
        ++row;
        column = 0;
      }
    }
    if (skipping_line || row >= rows_) {
      ++result.dropped;
      continue;
    }
    store(static_cast<std::size_t>(row) * static_cast<std::size_t>(columns_) + static_cast<std::size_t>(column),
          Cell{c, attribute});
    ++column;
    ++result.written;
  }
  result.next = {row, column};
  return result;
}

void TextScreen::put(int row, int column, Cell cell) {
  check(row, column, "put cell");
  store(static_cast<std::size_t>(row) * static_cast<std::size_t>(columns_) + static_cast<std::size_t>(column), cell);
}

Cell TextScreen::cell(int row, int column) const {
  check(row, column, "read cell");
  return load(static_cast<std::size_t>(row) * static_cast<std::size_t>(columns_) + static_cast<std::size_t>(column));
}

std::string TextScreen::row_text(int row) const {
  check(row, 0, "read row");
  std::string out;
  out.reserve(static_cast<std::size_t>(columns_));
  for (int column = 0; column < columns_; ++column) out += cell(row, column).character;
  return out;
}

void TextScreen::fill(char character, std::uint8_t attribute) {
  auto count = static_cast<std::size_t>(columns_) * static_cast<std::size_t>(rows_);
  for (std::size_t i = 0; i < count; ++i) store(i, Cell{character, attribute});
}

}  // namespace mapio::screen

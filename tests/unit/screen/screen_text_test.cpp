// TextScreen and VgaText on ordinary memory: anonymous memory, a guarded buffer whose last cell
// touches a PROT_NONE page (a write past the screen would kill the test), and a sparse file
// mapped at 0xB8000 the way /dev/mem is.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/guarded.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/screen/text_screen.hpp"
#include "mapio/screen/vga_text.hpp"
#include "test_support.hpp"

namespace mapio::screen {
namespace {

std::uint16_t word_at(std::span<const std::byte> memory, std::size_t cell) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(memory[cell * 2]) |
                                    std::to_integer<unsigned>(memory[cell * 2 + 1]) << 8);
}

TEST(Color, AttributeBitsFollowTheHardware) {
  EXPECT_EQ(attribute(Color::white, Color::blue), 0x1f);
  EXPECT_EQ(attribute(Color::yellow, Color::red), 0x4e);
  EXPECT_EQ(default_attribute, 0x07);
  EXPECT_EQ(foreground_of(0x1e), Color::yellow);
  EXPECT_EQ(background_of(0x1e), Color::blue);
}

TEST(Color, NamesParseInTheirSpellings) {
  EXPECT_EQ(parse_color("light-blue"), Color::light_blue);
  EXPECT_EQ(parse_color("Light_Blue"), Color::light_blue);
  EXPECT_EQ(parse_color("lightgrey"), Color::light_gray);
  EXPECT_EQ(parse_color("purple"), std::nullopt);
  for (unsigned i = 0; i < 16; ++i) {
    auto c = static_cast<Color>(i);
    EXPECT_EQ(parse_color(color_name(c)), c) << color_name(c);
  }
  EXPECT_EQ(parse_rgb("#204080"), (Rgb{0x20, 0x40, 0x80}));
  EXPECT_EQ(parse_rgb("0xFF8000"), (Rgb{0xff, 0x80, 0x00}));
  EXPECT_EQ(parse_rgb("brown"), (Rgb{0xaa, 0x55, 0x00}));
  EXPECT_EQ(parse_rgb("white"), (Rgb{0xff, 0xff, 0xff}));
  EXPECT_EQ(parse_rgb("#12345"), std::nullopt);
  EXPECT_EQ(parse_rgb("#12345g"), std::nullopt);
}

TEST(TextScreen, WritesCharacterAndAttributeAsOneCellWord) {
  auto memory = Mapping::anonymous(4000);
  TextScreen screen(memory.writable_bytes());
  screen.clear();
  EXPECT_EQ(word_at(memory.bytes(), 0), 0x0720);  // blank, light grey on black
  auto result = screen.write({1, 2}, "Hi", attribute(Color::white, Color::blue));
  EXPECT_EQ(result.written, 2u);
  EXPECT_EQ(result.dropped, 0u);
  EXPECT_EQ(result.next, (CellPosition{1, 4}));
  EXPECT_EQ(word_at(memory.bytes(), 82), 0x1f48);  // 'H' at row 1, column 2
  EXPECT_EQ(word_at(memory.bytes(), 83), 0x1f69);
  EXPECT_EQ(screen.cell(1, 3), (Cell{'i', 0x1f}));
  EXPECT_EQ(screen.row_text(1).substr(0, 5), "  Hi ");
}

TEST(TextScreen, WrapsToTheNextLineByDefault) {
  auto memory = Mapping::anonymous(4000);
  TextScreen screen(memory.writable_bytes());
  screen.clear();
  auto result = screen.write({0, 77}, "abcdef");
  EXPECT_EQ(result.written, 6u);
  EXPECT_EQ(screen.row_text(0).substr(77), "abc");
  EXPECT_EQ(screen.row_text(1).substr(0, 4), "def ");
  EXPECT_EQ(result.next, (CellPosition{1, 3}));
}

TEST(TextScreen, CutDropsTheRestOfTheLineUpToANewline) {
  auto memory = Mapping::anonymous(4000);
  TextScreen screen(memory.writable_bytes());
  screen.clear();
  auto result = screen.write({0, 77}, "abcdef\nxy", default_attribute, Overflow::cut);
  EXPECT_EQ(result.written, 5u);
  EXPECT_EQ(result.dropped, 3u);
  EXPECT_EQ(screen.row_text(0).substr(77), "abc");
  EXPECT_EQ(screen.row_text(1).substr(0, 3), "xy ");
}

TEST(TextScreen, NeverScrollsAndCountsWhatDidNotFit) {
  auto memory = Mapping::anonymous(4000);
  TextScreen screen(memory.writable_bytes());
  screen.clear();
  auto result = screen.write({24, 78}, "END!");
  EXPECT_EQ(result.written, 2u);
  EXPECT_EQ(result.dropped, 2u);
  EXPECT_EQ(screen.row_text(24).substr(78), "EN");
  EXPECT_EQ(screen.row_text(0), std::string(80, ' '));  // nothing scrolled up
}

TEST(TextScreen, NoTextEverWritesPastTheLastCell) {
  // The screen's last byte touches a PROT_NONE page: one store past it and the test dies.
  for (auto overflow : {Overflow::wrap, Overflow::cut}) {
    GuardedBuffer buffer(TextScreen::vga_columns * TextScreen::vga_rows * 2);
    TextScreen screen(buffer.bytes());
    std::string flood(10000, 'x');
    flood[5000] = '\n';
    auto result = screen.write({0, 0}, flood, 0x1f, overflow);
    EXPECT_EQ(result.written + result.dropped + 1, flood.size());
    if (overflow == Overflow::wrap) {
      EXPECT_EQ(screen.cell(24, 79), (Cell{'x', 0x1f}));
    } else {
      EXPECT_EQ(result.written, 160u);  // row 0 up to the newline, then row 1
      EXPECT_EQ(screen.cell(1, 79), (Cell{'x', 0x1f}));
      EXPECT_EQ(screen.cell(2, 0), (Cell{'\0', 0}));
    }
    screen.write({24, 79}, std::string(100, '\n') + "tail");  // newlines past the bottom too
    screen.fill('#', 0x70);
    EXPECT_EQ(screen.cell(24, 79), (Cell{'#', 0x70}));
  }
}

TEST(TextScreen, SmallerScreensUseTheirOwnGeometry) {
  auto memory = Mapping::anonymous(4096);
  TextScreen screen(memory.writable_bytes(), 10, 3);
  screen.clear();
  auto result = screen.write({0, 0}, "0123456789ABCDEFGHIJabcdefghijZZZ");
  EXPECT_EQ(result.written, 30u);
  EXPECT_EQ(result.dropped, 3u);
  EXPECT_EQ(screen.row_text(2), "abcdefghij");
  // Byte 60 onwards (past 10 x 3 cells) was never written.
  for (std::size_t i = 60; i < memory.size(); ++i) ASSERT_EQ(memory.bytes()[i], std::byte{0}) << i;
}

TEST(TextScreen, RefusesBadGeometryAndPositions) {
  auto memory = Mapping::anonymous(4096);
  auto expect_errno = [](auto&& f, int wanted) {
    try {
      f();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.errno_value(), wanted) << e.what();
    }
  };
  expect_errno([&] { TextScreen(memory.writable_bytes().first(3999)); }, ERANGE);
  expect_errno([&] { TextScreen(memory.writable_bytes().subspan(1, 4000)); }, EINVAL);
  expect_errno([&] { TextScreen(memory.writable_bytes(), 0, 25); }, EINVAL);
  TextScreen screen(memory.writable_bytes());
  expect_errno([&] { screen.write({25, 0}, "x"); }, ERANGE);
  expect_errno([&] { screen.write({0, 80}, "x"); }, ERANGE);
  expect_errno([&] { screen.write({-1, 0}, "x"); }, ERANGE);
  expect_errno([&] { screen.put(0, -1, Cell{}); }, ERANGE);
  expect_errno([&] { (void)screen.cell(30, 0); }, ERANGE);
}

TEST(VgaText, MapsTheDeviceAtTheTextBufferAddress) {
  // A file stands in for /dev/mem: the cells must land at byte 0xB8000 of it.
  test::ScratchDir dir;
  auto path = dir / "mem";
  {
    auto fd = FileDescriptor::open(path, O_RDWR | O_CREAT | O_TRUNC);
    ASSERT_EQ(::ftruncate(fd.get(), 0xB8000 + 4096), 0);
  }
  {
    auto vga = VgaText::open(path);
    vga.screen().clear(attribute(Color::white, Color::blue));
    vga.screen().write({0, 0}, "A");
  }
  auto bytes = test::read_with_read(path);
  ASSERT_EQ(bytes.size(), 0xB8000u + 4096);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0xB8000]), 'A');
  EXPECT_EQ(static_cast<unsigned char>(bytes[0xB8001]), 0x07);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0xB8002]), ' ');
  EXPECT_EQ(static_cast<unsigned char>(bytes[0xB8003]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0xB8000 - 1]), 0);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0xB8000 + 4000]), 0);  // past the last cell: untouched
}

TEST(VgaText, FileTooShortForTheScreenIsRefused) {
  // The last cell would lie past the end of the file: mapping it and writing would raise SIGBUS.
  test::ScratchDir dir;
  auto path = dir / "short";
  {
    auto fd = FileDescriptor::open(path, O_RDWR | O_CREAT | O_TRUNC);
    ASSERT_EQ(::ftruncate(fd.get(), 0xB8000 + 4000 - 2), 0);
  }
  try {
    VgaText::open(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ERANGE);
    std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("0xb8fa0"), std::string::npos) << what;
  }
  EXPECT_EQ(std::filesystem::file_size(path), 0xB8000u + 4000 - 2);  // not grown either
}

TEST(VgaText, MissingDeviceIsAClearError) {
  try {
    VgaText::open("/nonexistent/mem");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/mem"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mapio::screen

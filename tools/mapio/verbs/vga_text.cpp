// `mapio vga-text`: text straight into VGA text-mode memory at physical 0xB8000, through /dev/mem.
//
//     mapio vga-text --row 12 --col 30 --fg yellow --bg blue --clear "Hello from memory"
//     mapio vga-text --row 14 --col 30 --color white/red "the same, in one option"
//     mapio vga-text --dump                     # print the 25 rows as they are in memory
//
// --device maps another file at the same offset (0xB8000), which is how the command is tested
// without a VGA card. Exit status 2 for bad arguments, 1 when the screen cannot be mapped.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/screen/vga_text.hpp"

namespace mapio::cli {
namespace {

struct VgaTextOptions {
  std::string text;
  int row = 0;
  int column = 0;
  std::string foreground;  // empty: not given (light grey)
  std::string background;  // empty: not given (black)
  std::string color;       // --color FG[/BG]: the same two colours in one option
  bool clear = false;
  bool cut = false;
  bool dump = false;
  std::string device = "/dev/mem";
};

screen::Color color_argument(const std::string& name, const char* what) {
  auto color = screen::parse_color(name);
  if (!color) {
    throw ArgumentError(fmt::format("bad {} colour '{}': use black, blue, green, cyan, red, magenta, brown, "
                                    "light-gray, dark-gray, light-blue, light-green, light-cyan, light-red, "
                                    "light-magenta, yellow or white",
                                    what, name));
  }
  return *color;
}

int run(const VgaTextOptions& o) {
  screen::Color foreground{};
  screen::Color background{};
  auto foreground_name = o.foreground.empty() ? std::string("light-gray") : o.foreground;
  auto background_name = o.background.empty() ? std::string("black") : o.background;
  if (!o.color.empty()) {
    if (!o.foreground.empty() || !o.background.empty()) {
      throw ArgumentError("--color gives both colours: use it or --fg/--bg, not both");
    }
    // "yellow/blue" or "yellow,blue"; a lone "yellow" keeps the default background.
    auto split = o.color.find_first_of("/,");
    foreground_name = o.color.substr(0, split);
    if (split != std::string::npos) background_name = o.color.substr(split + 1);
    if (foreground_name.empty() || (split != std::string::npos && background_name.empty())) {
      throw ArgumentError(fmt::format("bad --color '{}': use FG or FG/BG, e.g. yellow/blue", o.color));
    }
  }
  foreground = color_argument(foreground_name, "foreground");
  background = color_argument(background_name, "background");
  if (static_cast<unsigned>(background) > 7) {
    throw ArgumentError(fmt::format("bad background colour '{}': the background takes the eight dark colours "
                                    "(black to light-gray); bit 7 of the attribute is blink",
                                    background_name));
  }
  if (!o.dump && o.text.empty() && !o.clear) throw ArgumentError("nothing to do: give TEXT, --clear or --dump");

  auto vga = screen::VgaText::open(o.device);
  auto& s = vga.screen();
  auto attribute = screen::attribute(foreground, background);
  if (o.clear) s.clear(attribute);
  if (!o.text.empty()) {
    auto result = s.write({o.row, o.column}, o.text, attribute, o.cut ? screen::Overflow::cut : screen::Overflow::wrap);
    fmt::print("wrote {} characters at row {}, column {} (attribute 0x{:02x})", result.written, o.row, o.column,
               attribute);
    if (result.dropped > 0) fmt::print("; {} did not fit", result.dropped);
    fmt::print("\n");
  }
  if (o.dump) {
    for (int row = 0; row < s.rows(); ++row) fmt::print("{}\n", s.row_text(row));
  }
  return 0;
}

Registration vga_text{"vga-text", "Write text into VGA text-mode memory (0xB8000 through /dev/mem)", [](CLI::App& app) {
  auto o = std::make_shared<VgaTextOptions>();
  app.add_option("TEXT", o->text, "Text to write (code page 437 bytes; a newline starts the next row)");
  app.add_option("--row", o->row, "Row, 0-24")->check(CLI::Range(0, 24));
  app.add_option("--col", o->column, "Column, 0-79")->check(CLI::Range(0, 79));
  app.add_option("--fg", o->foreground, "Foreground colour (one of the 16 VGA colours; default light-gray)");
  app.add_option("--bg", o->background, "Background colour (one of the 8 dark VGA colours; default black)");
  app.add_option("--color", o->color, "Both at once: FG or FG/BG (also FG,BG), e.g. yellow/blue");
  app.add_flag("--clear", o->clear, "Blank the whole screen in these colours first");
  app.add_flag("--cut", o->cut, "Cut text at the end of the line instead of wrapping to the next");
  app.add_flag("--dump", o->dump, "Print the screen's 25 rows of text afterwards");
  app.add_option("--device", o->device, "Memory device mapped at offset 0xB8000 (default /dev/mem)");
  return [o] { return run(*o); };
}};

}  // namespace
}  // namespace mapio::cli

// Text on the screen by writing memory: maps VGA text-mode memory (physical 0xB8000, through
// /dev/mem) and puts a few lines straight into it. Run as root on a machine whose display is in
// VGA text mode (boot with `nomodeset`), e.g. a QEMU guest with `-vga std`.
//
//     screen_hello              # uses /dev/mem
//     screen_hello FILE         # any file at least 0xB8000 + 4000 bytes long stands in for it
#include <cstdio>

#include "mapio/core/error.hpp"
#include "mapio/screen/vga_text.hpp"

int main(int argc, char** argv) {
  using mapio::screen::attribute;
  using mapio::screen::Color;
  try {
    auto vga = mapio::screen::VgaText::open(argc > 1 ? argv[1] : "/dev/mem");
    auto& screen = vga.screen();
    // Every cell is two bytes of memory: the character, then its colours.
    screen.clear(attribute(Color::light_gray, Color::blue));
    screen.write({10, 28}, "Hello from memory", attribute(Color::yellow, Color::blue));
    screen.write({12, 20}, "each cell: character byte, attribute byte", attribute(Color::white, Color::blue));
    screen.write({14, 33}, "0xB8000 + 2 * (80 * row + column)", attribute(Color::light_cyan, Color::blue));
    std::printf("wrote 3 lines into VGA text memory; row 10 now reads: %s\n", screen.row_text(10).c_str());
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "screen_hello: %s\n", e.what());
    return 1;
  }
}

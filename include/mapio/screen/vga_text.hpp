// VgaText: the VGA text-mode screen itself, 80x25 cells at physical address 0xB8000, mapped through
// /dev/mem (mem(4)) and handed out as a TextScreen.
//
//     auto vga = mapio::screen::VgaText::open();                    // maps /dev/mem at 0xB8000
//     vga.screen().clear(mapio::screen::attribute(Color::white, Color::blue));
//     vga.screen().write({12, 30}, "Hello from memory");
//
// What must hold for the text to show:
//   - the display is in text mode: a kernel framebuffer (fbcon on vesafb, efifb, a DRM driver) has
//     switched the card to graphics, and writes to 0xB8000 then land in memory nobody displays.
//     Boot with `nomodeset` (and no `vga=`) to keep text mode;
//   - /dev/mem exists (CONFIG_DEVMEM) and the caller has CAP_SYS_RAWIO. STRICT_DEVMEM still allows
//     the first megabyte, which holds 0xB8000.
// The kernel's own console may write to the same cells (a VGA console on tty0): with console=ttyS0
// it stays quiet.
#pragma once

#include <cstdint>
#include <filesystem>

#include "mapio/mmio/physical.hpp"
#include "mapio/screen/text_screen.hpp"

namespace mapio::screen {

class VgaText {
 public:
  static constexpr std::uint64_t physical_address = 0xB8000;
  static constexpr std::size_t size = TextScreen::vga_columns * TextScreen::vga_rows * 2;

  /// Maps the text buffer read-write through `device` (default /dev/mem). Throws mapio::Error with
  /// the reason (no /dev/mem, no permission, lockdown) as PhysicalWindow diagnoses it.
  static VgaText open(const std::filesystem::path& device = "/dev/mem");

  TextScreen& screen() noexcept { return screen_; }
  const TextScreen& screen() const noexcept { return screen_; }

 private:
  explicit VgaText(mmio::PhysicalWindow window)
      : window_(std::move(window)), screen_(window_.mapping().writable_bytes()) {}
  // The window owns the mapping the screen writes to; mmap'ed memory does not move with the object.
  mmio::PhysicalWindow window_;
  TextScreen screen_;
};

}  // namespace mapio::screen

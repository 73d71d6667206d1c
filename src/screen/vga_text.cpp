#include "mapio/screen/vga_text.hpp"

namespace mapio::screen {

VgaText VgaText::open(const std::filesystem::path& device) {
  return VgaText(mmio::PhysicalWindow::map(physical_address, size, mmio::PhysicalOptions().writable().device(device)));
}

}  // namespace mapio::screen

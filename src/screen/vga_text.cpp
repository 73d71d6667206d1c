#include "mapio/screen/vga_text.hpp"

namespace mapio::screen {

VgaText VgaText::open(const std::filesystem::path& device) {
  // A regular file standing in for /dev/mem that is too short for the screen is refused by
  // PhysicalWindow::map (ERANGE) rather than mapped and left to raise SIGBUS on the first write.
  return VgaText(mmio::PhysicalWindow::map(physical_address, size, mmio::PhysicalOptions().writable().device(device)));
}

}  // namespace mapio::screen

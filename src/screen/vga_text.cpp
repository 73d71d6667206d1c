#include "mapio/screen/vga_text.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>

#include "mapio/error.hpp"

namespace mapio::screen {

VgaText VgaText::open(const std::filesystem::path& device) {
  // /dev/mem has no size, but a regular file standing in for it does: a store to a mapped page past
  // its end raises SIGBUS, so a file too short for the whole screen is refused before mapping.
  struct stat st {};
  constexpr auto end = physical_address + size;
  if (::stat(device.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) < end) {
    throw Error("map VGA text memory", device.string(), ERANGE,
                fmt::format("the file is {} bytes; the text buffer needs it to reach {:#x} ({:#x} + {} bytes)",
                            st.st_size, end, physical_address, size));
  }
  return VgaText(mmio::PhysicalWindow::map(physical_address, size, mmio::PhysicalOptions().writable().device(device)));
}

}  // namespace mapio::screen

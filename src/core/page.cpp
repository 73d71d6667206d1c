#include "mapio/core/page.hpp"

#include <unistd.h>

namespace mapio {

std::size_t page_size() noexcept {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

}  // namespace mapio

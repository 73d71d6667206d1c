#include "mapio/core/prefetch.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "mapio/core/error.hpp"

namespace mapio {

void check_extents(std::size_t size, std::span<const Extent> extents) {
  for (std::size_t i = 0; i < extents.size(); ++i) {
    const auto& e = extents[i];
    // offset + length may overflow; compare without adding.
    if (e.offset > size || e.length > size - e.offset) {
      throw Error("visit extents", fmt::format("extent {} [offset {}, length {}]", i, e.offset, e.length), ERANGE,
                  fmt::format("it ends past the end of the data ({} bytes); nothing was visited", size));
    }
  }
}

}  // namespace mapio

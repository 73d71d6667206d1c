// Compiled to assembly by check_prefetch.sh: every function here must still hold a prefetch
// instruction. GCC judges a function whose only effect is __builtin_prefetch to be pure and
// drops calls to it; mapio::prefetch must survive being inlined into callers like these.
#include <cstdint>
#include <span>

#include "mapio/core/prefetch.hpp"

void prefetch_one_page(std::span<const std::byte> data) { mapio::prefetch(data.first(4096)); }

void prefetch_then_nothing(const std::byte* at, std::size_t length) { mapio::prefetch({at, length}); }

std::uint64_t visit_and_count(std::span<const std::byte> data, std::span<const mapio::Extent> extents) {
  std::uint64_t total = 0;
  mapio::visit_extents(data, extents, [&](std::span<const std::byte> piece) { total += piece.size(); });
  return total;
}

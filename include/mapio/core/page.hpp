// Page size and the alignment arithmetic every mapping needs.
//
// mmap(2) takes offsets that are multiples of the page size; mapio's callers may ask for any offset,
// so the library maps from the page below and hands back exactly the bytes asked for.
//
//     auto page = mapio::page_size();                 // 4096 on x86_64
//     auto start = mapio::align_down(5000, page);     // 4096
//     auto end = mapio::align_up(5000, page);         // 8192
#pragma once

#include <cstddef>
#include <cstdint>

namespace mapio {

/// The system page size (sysconf(_SC_PAGESIZE)), read once.
std::size_t page_size() noexcept;

/// `alignment` must be a power of two.
constexpr std::uint64_t align_down(std::uint64_t value, std::uint64_t alignment) noexcept {
  return value & ~(alignment - 1);
}
constexpr std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment) noexcept {
  return (value + alignment - 1) & ~(alignment - 1);
}
constexpr bool is_aligned(std::uint64_t value, std::uint64_t alignment) noexcept {
  return (value & (alignment - 1)) == 0;
}

}  // namespace mapio

// Fetching memory before it is needed: the one thing a mapping can do for random reads that
// pread(2) cannot.
//
// pread copies the bytes after the system call asks for them, so every read waits for its own
// cache misses. Through a mapping the program knows the next address early and can ask the CPU
// to start loading it (and to walk the page tables for it) while the current piece is processed.
// For lookups whose offsets are known ahead — a sorted batch of record offsets, the hits of an
// index — this hides much of the memory latency:
//
//     auto file = mapio::MappedFile::open("records.bin");
//     std::vector<mapio::Extent> wanted = {{8192, 4096}, {409600, 4096}, {12288, 100}};
//     std::uint64_t lines = 0;
//     mapio::visit_extents(file.bytes(), wanted, [&](std::span<const std::byte> piece) {
//       lines += mapio::count_lines(piece);
//     });
//
// A prefetch is a hint. It never faults: prefetching a page that is not mapped, not readable or
// truncated away does nothing. It does not read pages from disk either — that is
// Mapping::advise(Advice::willneed). docs/benchmarks.md has what it gains on random 4 KiB reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace mapio {

/// Ask the CPU to start loading every cache line of `bytes` (into all cache levels). Returns at
/// once; safe on any address.
///
///     mapio::prefetch(file.bytes().subspan(next_offset, 4096));
inline void prefetch(std::span<const std::byte> bytes) noexcept {
  if (bytes.empty()) return;
  constexpr std::uintptr_t line = 64;
  // From the line holding the first byte through the line holding the last one: an unaligned
  // piece touches one line more than its length suggests.
  const auto first = reinterpret_cast<std::uintptr_t>(bytes.data()) & ~(line - 1);
  const auto last = reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size() - 1;
  for (auto at = first; at <= last; at += line) __builtin_prefetch(reinterpret_cast<const void*>(at), 0, 3);
  // GCC counts a prefetch as free of side effects, so it would judge this function pure and drop
  // every call to it (whose result is unused): an empty volatile asm is an effect it must keep.
  __asm__ __volatile__("");
}

/// A piece of a larger span: `length` bytes from `offset`.
struct Extent {
  std::size_t offset = 0;
  std::size_t length = 0;
};

/// Throws mapio::Error (operation "visit extents", ERANGE) naming the first extent that does not
/// lie inside `size` bytes, its index and the size. Used by visit_extents before it visits anything.
void check_extents(std::size_t size, std::span<const Extent> extents);

/// How far ahead visit_extents looks: it prefetches every line of the extent `lines_ahead`
/// positions on, and the first line (which makes the CPU walk the page tables) of the one
/// `walk_ahead` positions on. The defaults were the best measured on random 4 KiB reads of a
/// 2 GiB file (docs/benchmarks.md).
struct Lookahead {
  std::size_t lines_ahead = 1;
  std::size_t walk_ahead = 16;
};

/// Call `visit(std::span<const std::byte>)` for each extent of `data`, in order, prefetching the
/// ones that follow. Every extent is checked first: one outside `data` is an Error and nothing is
/// visited. The visitor reads the mapping directly, so a piece of a file that another process has
/// truncated away raises SIGBUS as any plain access does; for files that may shrink underneath,
/// copy pieces out with Mapping::read_safely instead.
///
///     mapio::visit_extents(map.bytes(), extents, [&](auto piece) { total += mapio::count_lines(piece); });
template <class Visit>
void visit_extents(std::span<const std::byte> data, std::span<const Extent> extents, Visit&& visit,
                   Lookahead ahead = {}) {
  check_extents(data.size(), extents);
  const std::size_t n = extents.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (ahead.walk_ahead != 0 && i + ahead.walk_ahead < n) {
      const auto& far = extents[i + ahead.walk_ahead];
      if (far.length != 0) prefetch(data.subspan(far.offset, 1));
    }
    if (ahead.lines_ahead != 0 && i + ahead.lines_ahead < n) {
      const auto& next = extents[i + ahead.lines_ahead];
      prefetch(data.subspan(next.offset, next.length));
    }
    visit(data.subspan(extents[i].offset, extents[i].length));
  }
}

}  // namespace mapio

// The scanning kernels behind include/mapio/scan.hpp, one set per instruction set, chosen at run
// time in scan.cpp. Each set lives in its own file; the AVX2 and AVX-512 ones compile with
// `__attribute__((target(...)))` on each function, so the library as a whole still runs on any
// x86-64 and only calls them after __builtin_cpu_supports said yes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "mapio/scan.hpp"

namespace mapio::detail {

struct ScanKernels {
  const char* name;
  std::uint64_t (*count_byte)(const std::byte* data, std::size_t size, std::byte value);
  /// Offsets from `data`, or not_found.
  std::size_t (*find_either)(const std::byte* data, std::size_t size, std::byte a, std::byte b);
  /// `length` >= 2.
  std::size_t (*find_pattern)(const std::byte* data, std::size_t size, const std::byte* pattern, std::size_t length);
  WordCounter::Summary (*words)(const std::byte* data, std::size_t size);
};

const ScanKernels& portable_kernels() noexcept;
/// nullptr when the compiler could not build them (never on GCC/Clang for x86-64).
const ScanKernels* avx2_kernels() noexcept;
const ScanKernels* avx512_kernels() noexcept;

/// Word-start bookkeeping over 64-byte blocks, shared by every kernel set. `word` and `space` have
/// bit i set when byte i of the block is a word byte or a space; the other bytes are transparent
/// and carry the state of the byte before them.
struct WordBlockState {
  std::uint64_t words = 0;
  std::uint64_t in_word = 0;  // 0 or 1: state after the last byte seen
  WordCounter::First first = WordCounter::First::none;

  void add(std::uint64_t word, std::uint64_t space) noexcept {
    const std::uint64_t significant = word | space;
    if (significant == 0) return;
    if (first == WordCounter::First::none) {
      first = ((word >> std::countr_zero(significant)) & 1) != 0 ? WordCounter::First::word_byte
                                                                 : WordCounter::First::space;
    }
    // Fill the state forward over transparent runs that follow a word byte: adding the run's first
    // bit to the run carries through it, clearing exactly those runs.
    const std::uint64_t transparent = ~significant;
    const std::uint64_t run_starts = ((word << 1) | in_word) & transparent;
    const std::uint64_t carried = transparent + run_starts;
    const std::uint64_t state = word | (transparent & ~carried);
    const std::uint64_t before = (state << 1) | in_word;
    words += static_cast<std::uint64_t>(std::popcount(word & ~before));
    in_word = state >> 63;
  }

  WordCounter::Summary summary() const noexcept {
    return WordCounter::Summary{words, first, first != WordCounter::First::none && in_word != 0};
  }
};

/// The byte classes of GNU wc in the C locale.
constexpr bool is_word_byte(unsigned char c) noexcept { return c > 0x20 && c < 0x7f; }
constexpr bool is_space_byte(unsigned char c) noexcept { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace mapio::detail

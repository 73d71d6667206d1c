// The scanning kernels behind include/mapio/scan/scan.hpp, one set per instruction set, chosen at run
// time in scan.cpp. Each set lives in its own file; the AVX2 and AVX-512 ones compile with
// `__attribute__((target(...)))` on each function, so the library as a whole still runs on any
// x86-64 and only calls them after __builtin_cpu_supports said yes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "mapio/scan/scan.hpp"

namespace mapio::detail {

struct ScanKernels {
  const char* name;
  std::uint64_t (*count_byte)(const std::byte* data, std::size_t size, std::byte value);
  /// Offsets from `data`, or not_found.
  std::size_t (*find_either)(const std::byte* data, std::size_t size, std::byte a, std::byte b);
  /// The leftmost offset where one of `count` (1 to PatternSet::max_patterns) patterns starts or,
  /// with `stop_at_nul`, a NUL byte is. `reach` is the largest at_a or at_b of the probes.
  std::size_t (*find_set)(const std::byte* data, std::size_t size, const PatternProbe* probes, std::size_t count,
                          std::size_t reach, bool stop_at_nul);
  WordCounter::Summary (*words)(const std::byte* data, std::size_t size);
  /// Words of UTF-8 text (TextEncoding::utf8). Only the word fields of the summary are set; a
  /// sequence that runs past `size` counts as invalid here (scan.cpp mends the pieces' edges).
  /// `table` is unicode_classes() for the encoding counted.
  WordCounter::Summary (*words_utf8)(const std::byte* data, std::size_t size, const std::uint8_t* table);
};

/// Whether position `p` of `data` (`size` bytes) ends a PatternSet search: a NUL byte (when asked)
/// or the start of one of the probes' patterns. The kernels ask it of their candidates.
inline bool stops_at(const std::byte* data, std::size_t size, std::size_t p, const PatternProbe* probes,
                     std::size_t count, bool stop_at_nul) noexcept {
  if (stop_at_nul && data[p] == std::byte{0}) return true;
  for (std::size_t k = 0; k < count; ++k) {
    const PatternProbe& q = probes[k];
    if (q.length <= size - p && data[p + q.at_a] == q.bytes[q.at_a] && std::memcmp(data + p, q.bytes, q.length) == 0) {
      return true;
    }
  }
  return false;
}

/// The first position `base + bit` for a bit set in `hits` where stops_at() says so, or not_found.
/// Out of line: the kernels' loops call it only where a block holds a candidate.
[[gnu::noinline]] inline std::size_t first_stop(const std::byte* data, std::size_t size, std::size_t base,
                                                std::uint64_t hits, const PatternProbe* probes, std::size_t count,
                                                bool stop_at_nul) noexcept {
  while (hits != 0) {
    const std::size_t p = base + static_cast<std::size_t>(std::countr_zero(hits));
    if (stops_at(data, size, p, probes, count, stop_at_nul)) return p;
    hits &= hits - 1;
  }
  return not_found;
}

/// The positions from `from` on, one at a time: the kernels' short tails, and the portable set.
inline std::size_t find_set_scalar(const std::byte* data, std::size_t size, std::size_t from,
                                   const PatternProbe* probes, std::size_t count, bool stop_at_nul) noexcept {
  for (std::size_t p = from; p < size; ++p) {
    if (stops_at(data, size, p, probes, count, stop_at_nul)) return p;
  }
  return not_found;
}

/// The probe for a pattern: its two rarest bytes by byte_commonness() (src/byte_commonness.cpp).
PatternProbe make_probe(const std::byte* bytes, std::size_t length) noexcept;

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

// ---- UTF-8 ----------------------------------------------------------------------------------------
// Under glibc, GNU wc decodes with mbrtowc and skips one byte of an invalid sequence. Continuation
// bytes (0x80–0xbf) never start a character, so whatever came before, decoding is back in step at
// the next byte that is not one: every lead byte starts a character of its own or an invalid
// sequence, and nothing else does. A character's class is therefore a function of its lead byte and
// the (at most three) bytes after it, and it can be marked on the lead byte alone, its continuation
// bytes transparent like every other byte that is not a word character or a space.

enum class CharClass : std::uint8_t { neither = 0, word = 1, space = 2 };

/// The class of every code point, 2 bits each (CharClass), from src/unicode_classes.inc.
/// Built on first use; never null. With `no_break_spaces_separate` false, U+00A0, U+2007, U+202F
/// and U+2060 are word characters instead of spaces: GNU wc under POSIXLY_CORRECT.
const std::uint8_t* unicode_classes(bool no_break_spaces_separate = true) noexcept;

inline CharClass class_of(const std::uint8_t* table, char32_t c) noexcept {
  return static_cast<CharClass>((table[c >> 2] >> ((c & 3) * 2)) & 3);
}

constexpr bool is_continuation(unsigned char c) noexcept { return (c & 0xc0) == 0x80; }

/// Bytes in the sequence that `lead` starts: 2–4, or 0 for a byte no valid sequence starts with
/// (continuation bytes, 0xc0, 0xc1, 0xf5–0xff). ASCII is not asked.
constexpr unsigned sequence_length(unsigned char lead) noexcept {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/// Whether `c` may stand at position `index` (1–3) of a sequence that `lead` starts. The second
/// byte's narrower ranges exclude overlong forms (0xe0, 0xf0), surrogates (0xed) and code points
/// past U+10FFFF (0xf4).
constexpr bool fits(unsigned char lead, unsigned index, unsigned char c) noexcept {
  if (index == 1) {
    if (lead == 0xe0) return c >= 0xa0 && c <= 0xbf;
    if (lead == 0xed) return c >= 0x80 && c <= 0x9f;
    if (lead == 0xf0) return c >= 0x90 && c <= 0xbf;
    if (lead == 0xf4) return c >= 0x80 && c <= 0x8f;
  }
  return is_continuation(c);
}

/// Whether the `length` bytes at `p` (fewer than the sequence needs) may begin a valid sequence.
constexpr bool is_valid_prefix(const unsigned char* p, std::size_t length) noexcept {
  const unsigned need = sequence_length(p[0]);
  if (need == 0 || length >= need) return false;
  for (unsigned i = 1; i < length; ++i) {
    if (!fits(p[0], i, p[i])) return false;
  }
  return true;
}

/// The class of the character whose lead byte is at `p`, with `available` bytes readable from `p`:
/// neither for an invalid sequence or one cut short by `available`. (One branch per length rather
/// than a loop over fits(): this runs once per character of non-ASCII text.)
inline CharClass utf8_class(const std::uint8_t* table, const unsigned char* p, std::size_t available) noexcept {
  const unsigned lead = p[0];
  if (lead < 0xe0) {
    if (lead < 0xc2 || available < 2 || !is_continuation(p[1])) return CharClass::neither;
    return class_of(table, ((lead & 0x1f) << 6) | (p[1] & 0x3f));
  }
  if (lead < 0xf0) {
    if (available < 3 || !is_continuation(p[1]) || !is_continuation(p[2])) return CharClass::neither;
    const char32_t c = ((lead & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
    if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) return CharClass::neither;  // overlong, surrogate
    return class_of(table, c);
  }
  if (lead > 0xf4 || available < 4 || !is_continuation(p[1]) || !is_continuation(p[2]) || !is_continuation(p[3])) {
    return CharClass::neither;
  }
  const char32_t c = ((lead & 0x07) << 18) | ((p[1] & 0x3f) << 12) | ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
  if (c < 0x10000 || c > 0x10ffff) return CharClass::neither;  // overlong, past Unicode
  return class_of(table, c);
}

/// Word characters and spaces among the characters at the lead bytes in `leads` (bit i: data[at + i]).
/// Reads below `size` only. ASCII text never gets here, and never builds the table.
struct CharMarks {
  std::uint64_t word = 0;
  std::uint64_t space = 0;
};
inline CharMarks utf8_marks(const std::byte* data, std::size_t size, std::size_t at, std::uint64_t leads,
                            const std::uint8_t* table) noexcept {
  CharMarks marks;
  if (leads == 0) return marks;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  while (leads != 0) {
    const auto bit = static_cast<unsigned>(std::countr_zero(leads));
    leads &= leads - 1;
    const auto k = static_cast<std::uint64_t>(utf8_class(table, p + at + bit, size - at - bit));
    marks.word |= (k & 1) << bit;
    marks.space |= (k >> 1) << bit;
  }
  return marks;
}

}  // namespace mapio::detail

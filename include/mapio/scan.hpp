// Fast byte scanning: count a byte, count lines, find a byte or a short pattern, count words the
// way GNU wc -w does — over any span of bytes (a Mapping's bytes(), a read() buffer).
//
//     auto file = mapio::MappedFile::open("big.log");
//     std::uint64_t lines = mapio::count_lines(file.bytes());            // '\n' bytes
//     std::uint64_t zeros = mapio::count_byte(file.bytes(), std::byte{0});
//     std::size_t at = mapio::find(file.bytes(), mapio::as_bytes("ERROR"));  // mapio::not_found if absent
//     mapio::scan_kernel_name();                                         // "avx512", "avx2" or "portable"
//
// The kernels are chosen once at run time from what the CPU offers (__builtin_cpu_supports):
// AVX-512BW, AVX2, or portable C++. MAPIO_SCAN_KERNEL=portable|avx2|avx512 in the environment forces
// one (for tests and measurements); asking for one the CPU lacks, or for an unknown name, falls back
// to the best it has — scan_kernel_name() says which one runs (`mapio bench` prints it).
//
// Counting in pieces. Each counter below reduces a piece of input to a small Summary, and Summaries
// of neighbouring pieces combine (`then`) into the Summary of both — associatively, so pieces may be
// counted by several threads and combined in order, or one read() buffer after another. A hole of
// a sparse file (all zero bytes) has a Summary too (`zeros`), computed without reading it.
//
//     mapio::LineCounter lines;
//     auto s = lines.identity();
//     for (auto buffer : buffers) s = lines.then(s, lines.summarize(buffer));
//
// Every Summary is trivially destructible and fixed-size: a summary may live on the stack of a
// Mapping::scan_safely visitor, whose recovery from SIGBUS is a siglongjmp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mapio {

inline constexpr std::size_t not_found = static_cast<std::size_t>(-1);

/// A string's bytes as a span, for the pattern arguments below.
inline std::span<const std::byte> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

/// How many bytes of `data` equal `value`.
std::uint64_t count_byte(std::span<const std::byte> data, std::byte value) noexcept;
/// How many '\n' bytes `data` holds (what wc -l counts).
inline std::uint64_t count_lines(std::span<const std::byte> data) noexcept {
  return count_byte(data, std::byte{'\n'});
}
/// Index of the first `value` at or after `from`, or not_found.
std::size_t find_byte(std::span<const std::byte> data, std::byte value, std::size_t from = 0) noexcept;
/// Index of the first byte equal to `a` or `b` at or after `from`, or not_found.
std::size_t find_either(std::span<const std::byte> data, std::byte a, std::byte b, std::size_t from = 0) noexcept;
/// Index of the first occurrence of `pattern` starting at or after `from`, or not_found.
/// An empty pattern is found at `from` (when from <= size).
std::size_t find(std::span<const std::byte> data, std::span<const std::byte> pattern, std::size_t from = 0) noexcept;

/// Which kernel set runs: "avx512", "avx2" or "portable".
const char* scan_kernel_name() noexcept;

// ---- counters: Summary, identity, summarize, zeros, then ---------------------------------------

/// Counts one byte value (count_byte, piecewise).
class ByteCounter {
 public:
  struct Summary {
    std::uint64_t count = 0;
  };
  explicit ByteCounter(std::byte value) noexcept : value_(value) {}
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept { return {count_byte(data, value_)}; }
  Summary zeros(std::uint64_t length) const noexcept { return {value_ == std::byte{0} ? length : 0}; }
  static Summary then(const Summary& a, const Summary& b) noexcept { return {a.count + b.count}; }

 private:
  std::byte value_;
};

/// Counts '\n' bytes: wc -l.
class LineCounter : public ByteCounter {
 public:
  LineCounter() noexcept : ByteCounter(std::byte{'\n'}) {}
};

/// Counts words as GNU wc -w does in the C locale: a word is a run of printable non-space bytes
/// (0x21–0x7e) ended by a whitespace byte (" \t\n\v\f\r"); every other byte (NUL, other control
/// bytes, 0x7f–0xff) neither starts nor ends a word ("a\0b" is one word, "\0" none). Correct across
/// piece boundaries: a word split between two pieces is counted once.
class WordCounter {
 public:
  enum class First : std::uint8_t { none, word_byte, space };
  struct Summary {
    std::uint64_t words = 0;  ///< word starts, assuming a space before the piece
    First first = First::none;  ///< class of the first byte that is a word byte or a space
    bool ends_in_word = false;  ///< after the last such byte, is a word open?
  };
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept;
  Summary zeros(std::uint64_t) const noexcept { return {}; }  // NUL bytes are transparent
  static Summary then(const Summary& a, const Summary& b) noexcept;
};

/// Lines, words and bytes at once, computing only what was asked for: mapio wc.
class TextCounter {
 public:
  struct Summary {
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    WordCounter::Summary words;
  };
  TextCounter(bool lines, bool words) noexcept : lines_(lines), words_(words) {}
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept;
  Summary zeros(std::uint64_t length) const noexcept;
  static Summary then(const Summary& a, const Summary& b) noexcept;

 private:
  bool lines_;
  bool words_;
};

/// Counts the lines that contain a fixed string, as `grep -c -F PATTERN` does with GNU grep in the
/// C locale: lines end at '\n', and also at NUL (GNU grep treats NUL as a line end in binary files,
/// and a file without NUL bytes has none to treat). The pattern holds at most `max_pattern` bytes
/// and no '\n' or NUL (the constructor throws mapio::Error EINVAL otherwise).
class LineMatcher {
 public:
  static constexpr std::size_t max_pattern = 1024;
  struct Summary {
    std::uint64_t matched = 0;     ///< matching lines, the first and last (open) line included
    std::uint64_t length = 0;      ///< bytes in the piece
    bool has_end = false;          ///< a line end somewhere in the piece
    bool first_matched = false;    ///< the piece's first line (up to its first line end) matched
    bool open_matched = false;     ///< the piece's last, unterminated line matched
    std::uint16_t head_length = 0;
    std::uint16_t tail_length = 0;
    std::array<std::byte, max_pattern - 1> head{};  ///< the first pattern-1 bytes
    std::array<std::byte, max_pattern - 1> tail{};  ///< the last pattern-1 bytes
  };
  explicit LineMatcher(std::span<const std::byte> pattern);
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept;
  Summary zeros(std::uint64_t length) const noexcept;
  Summary then(const Summary& a, const Summary& b) const noexcept;

 private:
  std::array<std::byte, max_pattern> pattern_{};
  std::size_t length_ = 0;
};

}  // namespace mapio

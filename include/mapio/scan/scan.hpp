// Fast byte scanning: count a byte, count lines, find a byte or a short pattern, count words the
// way GNU wc -w does — over any span of bytes (a Mapping's bytes(), a read() buffer).
//
//     auto file = mapio::MappedFile::open("big.log");
//     std::uint64_t lines = mapio::count_lines(file.bytes());            // '\n' bytes
//     std::uint64_t zeros = mapio::count_byte(file.bytes(), std::byte{0});
//     std::size_t at = mapio::find(file.bytes(), mapio::as_bytes("ERROR"));  // mapio::not_found if absent
//     std::size_t any = mapio::PatternSet({"ERROR", "WARN"}).find(file.bytes());  // either, one pass
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

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

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

namespace detail {
/// One pattern of a PatternSet as the kernels search for it: the two bytes compared at every
/// position (the pattern's rarest, at offsets `at_a` and `at_b`), the whole pattern verified after.
struct PatternProbe {
  const std::byte* bytes = nullptr;
  std::size_t length = 0;
  std::size_t at_a = 0;
  std::size_t at_b = 0;
};
/// How common `value` is in text and source code, 0 (never seen) to 255 (the space): a fixed
/// ranking, for choosing which bytes of a pattern to look for.
std::uint8_t byte_commonness(std::byte value) noexcept;
}  // namespace detail

/// A few fixed strings searched for together, in one pass over the data: at every position the
/// two rarest bytes of each pattern (by a fixed ranking of bytes in text and code) are compared,
/// and only where both are found is the pattern compared in full. Optionally a NUL byte stops the
/// search too, in the same pass (grep looks for the first NUL to tell binary files).
///
///     const mapio::PatternSet set({"error", "warning"});
///     std::size_t at = set.find(file.bytes());                 // leftmost start of either, or not_found
///     std::size_t stop = set.find(file.bytes(), 0, true);      // ... or of a NUL byte, if earlier
///
/// Holds 1 to max_patterns non-empty patterns (the constructor throws mapio::Error EINVAL
/// otherwise); copies them.
class PatternSet {
 public:
  static constexpr std::size_t max_patterns = 8;
  explicit PatternSet(const std::vector<std::string_view>& patterns);
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;
  /// The leftmost index >= `from` where some pattern starts or, with `stop_at_nul`, a NUL byte
  /// is; not_found when there is none.
  std::size_t find(std::span<const std::byte> data, std::size_t from = 0, bool stop_at_nul = false) const noexcept;
  std::size_t size() const noexcept { return probes_.size(); }

 private:
  std::vector<std::vector<std::byte>> patterns_;
  std::vector<detail::PatternProbe> probes_;
  std::size_t reach_ = 0;  // the largest offset compared
};

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

/// How text bytes make characters, for counting words: as in the C locale, where each byte is one
/// character, or as UTF-8. The counters never ask the locale; a program that counts as its locale
/// does (as GNU wc does) asks locale_encoding() in mapio/scan/locale.hpp:
///
///     std::setlocale(LC_ALL, "");  // LC_ALL, LC_CTYPE or LANG
///     const mapio::WordCounter words(mapio::locale_encoding());
///     std::uint64_t n = words.summarize(file.bytes()).words;   // as `wc -w` in that locale
///
/// (Other multibyte encodings, and single-byte locales whose classes of bytes are not the C
/// locale's, have no TextEncoding: locale_encoding() refuses them, and so does mapio wc.)
enum class TextEncoding : std::uint8_t {
  c,     ///< C/POSIX locale: words are runs of printable bytes 0x21–0x7e
  utf8,  ///< UTF-8 locales (C.UTF-8, en_US.UTF-8, ...)
  /// UTF-8 as GNU wc counts it with POSIXLY_CORRECT set: the no-break spaces (U+00A0, U+2007,
  /// U+202F, U+2060) are word characters, as iswspace() says, instead of separating words.
  utf8_posix,
};

/// Counts words as GNU wc -w (coreutils 9.1 with glibc) does.
///
/// TextEncoding::c, the C locale: a word is a run of printable non-space bytes (0x21–0x7e) ended by
/// a whitespace byte (" \t\n\v\f\r"); every other byte (NUL, other control bytes, 0x7f–0xff)
/// neither starts nor ends a word ("a\0b" is one word, "\0" none).
///
/// TextEncoding::utf8: bytes are decoded as UTF-8 (strictly: no overlong forms, surrogates or code
/// points past U+10FFFF). " \t\n\v\f\r" separate words; so do the printable characters that are
/// spaces (U+1680, U+2000–U+2006, U+2008–U+200A, U+205F, U+3000) or no-break spaces (U+00A0,
/// U+2007, U+202F, U+2060). Every other printable character is a word character, including U+200B
/// and private-use characters. Characters that are not printable (controls, U+0085, U+2028,
/// U+2029, unassigned code points), bytes of invalid sequences and a sequence cut short by the end of
/// the input neither start nor end a word, as in the C locale. Which characters are printable comes
/// from the Unicode tables of the C library, fixed at build time (src/unicode_classes.inc).
/// Input without bytes >= 0x80 counts exactly as in the C locale, and at the same speed: only
/// 64-byte blocks that hold such bytes are decoded.
///
/// TextEncoding::utf8_posix: as utf8, except that the four no-break spaces are word characters.
///
/// Correct across piece boundaries in any encoding: a word split between two pieces is counted
/// once, and a UTF-8 character split between pieces (even over several pieces of a byte or two) is
/// decoded as if it were whole.
class WordCounter {
 public:
  enum class First : std::uint8_t { none, word_byte, space };
  struct Summary {
    std::uint64_t words = 0;  ///< word starts, assuming a space before the piece
    First first = First::none;  ///< class of the first character that is a word character or a space
    bool ends_in_word = false;  ///< after the last such character, is a word open?
    // A UTF-8 character cut by the piece's edges (head and tail stay empty in the C encoding).
    bool has_body = false;          ///< the piece holds more than its head (false for an empty piece)
    std::uint8_t head_length = 0;   ///< leading continuation bytes (at most 3): the end of a character begun before
    std::uint8_t tail_length = 0;   ///< trailing start of a character (at most 3 bytes) the next piece may finish
    std::array<std::byte, 3> head{};
    std::array<std::byte, 3> tail{};
    bool no_break_spaces_join = false;  ///< counted as TextEncoding::utf8_posix (for the seams)
  };
  explicit WordCounter(TextEncoding encoding = TextEncoding::c) noexcept : encoding_(encoding) {}
  TextEncoding encoding() const noexcept { return encoding_; }
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept;
  /// NUL bytes are transparent in both encodings (and end any UTF-8 sequence).
  Summary zeros(std::uint64_t length) const noexcept {
    Summary s;
    s.has_body = length > 0;
    return s;
  }
  static Summary then(const Summary& a, const Summary& b) noexcept;

 private:
  TextEncoding encoding_;
};

/// Counts characters and measures the widest line as GNU wc -m and -L (coreutils 9.1 with glibc) do.
///
///     const mapio::CharCounter chars(mapio::TextEncoding::utf8);
///     auto s = chars.summarize(file.bytes());
///     std::uint64_t n = s.characters;                             // wc -m
///     std::uint64_t widest = mapio::CharCounter::max_line_length(s);  // wc -L
///
/// TextEncoding::c: every byte is a character. TextEncoding::utf8 (and utf8_posix, the same here):
/// a character is a sequence the C library's mbrtowc() accepts — no overlong forms or surrogates,
/// but the old 4- to 6-byte forms up to 0x7fffffff are characters (of no width); a byte that begins
/// no such sequence is no character and is skipped alone, as is a sequence cut short by the end of
/// the input. NUL is a character.
///
/// The width of a line, as GNU wc -L measures it: '\n', '\r' and '\f' end a line (the widest is
/// taken at each, and at the end of the input); a tab moves to the next multiple of 8; a printable
/// character adds its wcwidth() (the C locale: bytes 0x20-0x7e add 1; UTF-8: the C library's
/// Unicode widths, fixed at build time in src/unicode_widths.inc); '\v', control characters,
/// characters of no width and invalid bytes add nothing. Nothing moves the column back.
///
/// Correct across piece boundaries as WordCounter is: a character split between pieces counts once.
class CharCounter {
 public:
  /// A stretch of one line as a function of the column it starts at: `before` columns, then (when it
  /// holds a tab) on to the next multiple of 8 and `after` columns more. Tabs after the first one
  /// are inside `after`: past a tab the column is a multiple of 8 whatever it started at.
  struct Stretch {
    std::uint64_t before = 0;
    std::uint64_t after = 0;
    bool tab = false;
    /// The column after the stretch, started at `column`.
    std::uint64_t end(std::uint64_t column) const noexcept {
      return tab ? ((column + before) / 8 + 1) * 8 + after : column + before;
    }
    /// This stretch, then `next`.
    Stretch then(const Stretch& next) const noexcept {
      if (tab) return {before, next.end(after), true};
      return {before + next.before, next.after, next.tab};
    }
  };
  struct Summary {
    std::uint64_t characters = 0;
    bool has_break = false;  ///< a '\n', '\r' or '\f' in the piece
    Stretch first;           ///< up to the first line break (the whole piece without one)
    Stretch last;            ///< after the last line break (starts at column 0)
    std::uint64_t widest = 0;  ///< the widest line ended by a later break than the first
    // A UTF-8 character cut by the piece's edges, as in WordCounter::Summary (up to 5 bytes: the
    // C library decodes sequences of up to 6).
    bool has_body = false;
    std::uint8_t head_length = 0;
    std::uint8_t tail_length = 0;
    std::array<std::byte, 5> head{};
    std::array<std::byte, 5> tail{};
  };
  explicit CharCounter(TextEncoding encoding = TextEncoding::c) noexcept : encoding_(encoding) {}
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept;
  /// NUL bytes: characters of no width (they end any UTF-8 sequence).
  Summary zeros(std::uint64_t length) const noexcept {
    Summary s;
    s.characters = length;
    s.has_body = length > 0;
    return s;
  }
  Summary then(const Summary& a, const Summary& b) const noexcept;
  /// The widest line of an input whose Summary is `s` (what wc -L prints).
  static std::uint64_t max_line_length(const Summary& s) noexcept {
    if (!s.has_break) return s.first.end(0);
    return std::max({s.first.end(0), s.widest, s.last.end(0)});
  }

 private:
  TextEncoding encoding_;
};

/// Lines, words and bytes at once, computing only what was asked for: mapio wc. Lines and bytes do
/// not depend on the encoding; words are counted as WordCounter(encoding) counts them.
class TextCounter {
 public:
  struct Summary {
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    WordCounter::Summary words;
    CharCounter::Summary characters;  ///< left empty unless characters were asked for
  };
  TextCounter(bool lines, bool words, TextEncoding encoding = TextEncoding::c) noexcept
      : lines_(lines), words_(words), word_counter_(encoding), char_counter_(encoding) {}
  /// Characters and line widths too (wc -m, -L), counted as CharCounter(encoding) counts them.
  TextCounter(bool lines, bool words, bool characters, TextEncoding encoding) noexcept
      : lines_(lines), words_(words), characters_(characters), word_counter_(encoding), char_counter_(encoding) {}
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept;
  Summary zeros(std::uint64_t length) const noexcept;
  Summary then(const Summary& a, const Summary& b) const noexcept;

 private:
  bool lines_;
  bool words_;
  bool characters_ = false;
  WordCounter word_counter_;
  CharCounter char_counter_;
};

/// Counts the lines that contain a fixed string, as `grep -c -F PATTERN` does with GNU grep in the
/// C locale: lines end at '\n', and also at NUL (GNU grep treats NUL as a line end in binary files,
/// and a file without NUL bytes has none to treat). As with grep -F, a pattern holding newlines is
/// several patterns, and a line counts when it holds any of them; an empty one matches every line.
/// Each holds at most `max_pattern` bytes and no NUL (the constructor throws mapio::Error EINVAL
/// otherwise).
///
///   mapio::LineMatcher either(mapio::as_bytes("error\nwarning"));
///   auto lines = either.summarize(text).matched;  // lines with "error" or "warning" or both
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
    std::array<std::byte, max_pattern - 1> head{};  ///< the first (longest pattern - 1) bytes
    std::array<std::byte, max_pattern - 1> tail{};  ///< the last (longest pattern - 1) bytes
  };
  explicit LineMatcher(std::span<const std::byte> patterns);
  Summary identity() const noexcept { return {}; }
  Summary summarize(std::span<const std::byte> data) const noexcept;
  Summary zeros(std::uint64_t length) const noexcept;
  Summary then(const Summary& a, const Summary& b) const noexcept;

 private:
  /// Where the first occurrence of any pattern at or after `from` starts, and its length;
  /// `next` caches each pattern's next occurrence so that no pattern rescans bytes.
  std::pair<std::size_t, std::size_t> first_match(std::span<const std::byte> data, std::size_t from,
                                                  std::vector<std::size_t>& next) const noexcept;
  bool any_empty() const noexcept;

  std::vector<std::vector<std::byte>> patterns_;
  std::size_t longest_ = 0;
};

}  // namespace mapio

// CharCounter (wc -m, -L) against GNU wc 9.1's own loops restated over the C library's decoder and
// width tables, on hand-made and random inputs, whole and cut into pieces anywhere.
#include <locale.h>

#include <algorithm>
#include <cstring>
#include <cwchar>
#include <cwctype>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "glibc_characters.hpp"
#include "mapio/scan/scan.hpp"
#include "random_text.hpp"
#include "scan/unicode_widths.hpp"

namespace {

using mapio::CharCounter;
using mapio::TextEncoding;
using Bytes = std::vector<std::byte>;

Bytes bytes_of(std::string_view text) {
  Bytes out(text.size());
  if (!text.empty()) std::memcpy(out.data(), text.data(), text.size());
  return out;
}

using mapio::test::c_utf8;

struct Reference {
  std::uint64_t characters = 0;
  std::uint64_t max_line = 0;
};

// GNU wc 9.1's multibyte loop, restated: mbrtowc decodes (NUL is one byte); an invalid byte is
// skipped alone and is no character; a sequence cut by the end is dropped; '\n' '\r' '\f' end a line,
// '\t' goes to the next multiple of 8, a printable character adds its positive wcwidth().
Reference reference_utf8(std::span<const std::byte> d) {
  Reference r;
  std::uint64_t column = 0;
  mapio::test::for_each_glibc_character(d, [&](wchar_t c) {
    ++r.characters;
    if (c == L'\n' || c == L'\r' || c == L'\f') {
      r.max_line = std::max(r.max_line, column);
      column = 0;
    } else if (c == L'\t') {
      column += 8 - column % 8;
    } else if (std::iswprint(static_cast<wint_t>(c)) != 0) {
      const int w = ::wcwidth(c);
      if (w > 0) column += static_cast<unsigned>(w);
    }
  });
  r.max_line = std::max(r.max_line, column);
  return r;
}

// The single-byte loop of the C locale: every byte a character, bytes 0x20-0x7e one column.
Reference reference_c(std::span<const std::byte> d) {
  Reference r;
  std::uint64_t column = 0;
  for (auto b : d) {
    const auto c = static_cast<unsigned char>(b);
    if (c == '\n' || c == '\r' || c == '\f') {
      r.max_line = std::max(r.max_line, column);
      column = 0;
    } else if (c == '\t') {
      column += 8 - column % 8;
    } else if (c >= 0x20 && c < 0x7f) {
      ++column;
    }
  }
  r.characters = d.size();
  r.max_line = std::max(r.max_line, column);
  return r;
}

Bytes random_text(std::mt19937& rng, std::size_t fragments) {
  static const std::string_view pieces[] = {
      "a", "b", " ", "\n", "\t", "\t", "\r", "\f", "\v", std::string_view("\0", 1), "\x01", "\x7f", "\xc2\xa0",
      "\xe3\x80\x80", "\xe4\xb8\xad", "\xcc\x81", "\xe2\x80\x8b", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc0\xa0",
      "\xe3", "\xe3\x80", "\xf0\x9f", "\xf0\x9f\x98", "\x80", "\xbf", "\xff", "\xfe", "\xf4\x90\x80\x80",
      "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80", "\xf8\x87\xbf\xbf\xbf", "\xfc\x84\x80\x80\x80\x80",
      "\xfd\xbf\xbf\xbf\xbf\xbf", "\xfc\x84\x80\x80", "\xef\xbf\xbe", "0123456789"};
  return bytes_of(mapio::test::random_text(rng, fragments, pieces));
}

void expect_counts(const CharCounter::Summary& s, const Reference& want, const std::string& at) {
  EXPECT_EQ(s.characters, want.characters) << at;
  EXPECT_EQ(CharCounter::max_line_length(s), want.max_line) << at;
}

TEST(CharCounter, HandMadeLinesAsGnuWcMeasuresThem) {
  const CharCounter c(TextEncoding::c);
  const CharCounter u(TextEncoding::utf8);
  auto width = [](const CharCounter& k, std::string_view text) {
    return CharCounter::max_line_length(k.summarize(bytes_of(text)));
  };
  EXPECT_EQ(width(c, ""), 0u);
  EXPECT_EQ(width(c, "a\tb"), 9u);
  EXPECT_EQ(width(c, "1234567\tx"), 9u);
  EXPECT_EQ(width(c, "12345678\tx"), 17u);
  EXPECT_EQ(width(c, "ab\tc\td\n\t\tx"), 17u);
  EXPECT_EQ(width(c, "abcdef\rxy"), 6u);  // \r ends a line for -L
  EXPECT_EQ(width(c, "abc\fdefgh"), 5u);
  EXPECT_EQ(width(c, "a\vb\x01\x7f"), 2u);
  EXPECT_EQ(width(c, "\xe4\xb8\x80"), 0u);  // not printable bytes in the C locale
  EXPECT_EQ(width(u, "\xe4\xb8\x80x"), 3u);  // a wide character
  EXPECT_EQ(width(u, "a\xcc\x81"), 1u);      // a combining one
  EXPECT_EQ(width(u, "\xf8\x88\x80\x80\x80"), 0u);  // decoded, not printable
  EXPECT_EQ(u.summarize(bytes_of("\xe2\x82\xe2\x82\xac")).characters, 1u);
  EXPECT_EQ(u.summarize(bytes_of("\xf4\x90\x80\x80" "a")).characters, 2u);
  EXPECT_EQ(u.summarize(bytes_of("\xed\xa0\x80" "a")).characters, 1u);
  EXPECT_EQ(u.summarize(bytes_of("a\xe2\x82")).characters, 1u);
  EXPECT_EQ(c.summarize(bytes_of("\xe4\xb8\x80")).characters, 3u);
}

TEST(CharCounter, AgreesWithTheCLibraryWholeAndInPieces) {
  if (c_utf8() == nullptr) GTEST_SKIP() << "the C.UTF-8 locale is not installed";
  std::mt19937 rng(1509);
  for (int trial = 0; trial < 200; ++trial) {
    const Bytes d = random_text(rng, static_cast<std::size_t>(trial) * 5);
    for (const auto encoding : {TextEncoding::utf8, TextEncoding::c}) {
      const CharCounter counter(encoding);
      const Reference want = encoding == TextEncoding::c ? reference_c(d) : reference_utf8(d);
      const std::string at = "trial " + std::to_string(trial) + (encoding == TextEncoding::c ? " C" : " UTF-8");
      expect_counts(counter.summarize(d), want, at);
      // Cut anywhere, into 1 to 12 pieces, and one byte at a time.
      for (int round = 0; round < 8; ++round) {
        std::uniform_int_distribution<std::size_t> cut(0, d.size());
        std::vector<std::size_t> cuts{0, d.size()};
        for (int i = 0; i < round + 1; ++i) cuts.push_back(cut(rng));
        std::sort(cuts.begin(), cuts.end());
        auto s = counter.identity();
        for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
          s = counter.then(s, counter.summarize(std::span(d).subspan(cuts[i], cuts[i + 1] - cuts[i])));
        }
        expect_counts(s, want, at + " round " + std::to_string(round));
      }
      auto bytewise = counter.identity();
      for (std::size_t i = 0; i < d.size(); ++i) bytewise = counter.then(bytewise, counter.summarize(std::span(d).subspan(i, 1)));
      expect_counts(bytewise, want, at + " bytewise");
      // Combined right to left as well: then() is associative.
      auto backwards = counter.identity();
      for (std::size_t i = d.size(); i-- > 0;) backwards = counter.then(counter.summarize(std::span(d).subspan(i, 1)), backwards);
      expect_counts(backwards, want, at + " backwards");
    }
  }
}

TEST(CharCounter, HolesAreNulCharactersThatEndACutSequence) {
  const CharCounter u(TextEncoding::utf8);
  const Bytes a = bytes_of("ab\t\xe4");
  const Bytes b = bytes_of("\xb8\x80x\n");
  auto s = u.then(u.then(u.summarize(a), u.zeros(3)), u.summarize(b));
  // ab, tab, (cut \xe4 dropped), three NULs, then \xb8 \x80 skipped, x, newline.
  EXPECT_EQ(s.characters, 2u + 1u + 3u + 1u + 1u);
  EXPECT_EQ(CharCounter::max_line_length(s), 9u);
  const auto joined = u.then(u.summarize(a), u.summarize(b));
  EXPECT_EQ(joined.characters, 2u + 1u + 1u + 1u + 1u);  // the wide character joined across the seam
  EXPECT_EQ(CharCounter::max_line_length(joined), 11u);
}

// The width table is the C library's: every code point in its UTF-8 locale.
TEST(UnicodeWidths, MatchTheCLibrary) {
  if (c_utf8() == nullptr) GTEST_SKIP() << "the C.UTF-8 locale is not installed";
  const locale_t previous = ::uselocale(c_utf8());
  const std::uint8_t* table = mapio::detail::unicode_widths();
  int wrong = 0;
  for (char32_t c = 0; c < 0x110000 && wrong < 10; ++c) {
    const auto w = static_cast<wchar_t>(c);
    int expected = std::iswprint(static_cast<wint_t>(w)) != 0 ? ::wcwidth(w) : 0;
    if (expected < 0) expected = 0;
    if (mapio::detail::width_of(table, c) != static_cast<unsigned>(expected)) {
      ++wrong;
      ADD_FAILURE() << "U+" << std::hex << static_cast<unsigned>(c) << ": src/scan/unicode_widths.inc says "
                    << mapio::detail::width_of(table, c) << ", the C library " << expected
                    << " (regenerate it with scripts/unicode-widths.cpp)";
    }
  }
  ::uselocale(previous);
}

}  // namespace

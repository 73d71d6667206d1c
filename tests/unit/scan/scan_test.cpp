// The scanning kernels (every set this CPU can run) and the piecewise counters, checked against
// plain byte-at-a-time reference implementations on random and hand-made inputs.
#include "mapio/scan/scan.hpp"

#include <locale.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <cwctype>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "glibc_characters.hpp"
#include "mapio/core/error.hpp"
#include "random_text.hpp"
#include "scan/scan_kernels.hpp"

namespace {

using mapio::TextEncoding;
using mapio::WordCounter;
using Bytes = std::vector<std::byte>;

Bytes bytes_of(std::string_view text) {
  Bytes out(text.size());
  if (!text.empty()) std::memcpy(out.data(), text.data(), text.size());
  return out;
}

// Random bytes drawn from `alphabet`, so that matches, spaces and line ends are frequent.
Bytes random_bytes(std::mt19937& rng, std::size_t n, std::string_view alphabet) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::byte>(alphabet[pick(rng)]);
  return out;
}

std::uint64_t reference_count(std::span<const std::byte> d, std::byte v) {
  return static_cast<std::uint64_t>(std::count(d.begin(), d.end(), v));
}

// GNU wc -w, C locale, byte at a time (coreutils' own loop, restated).
std::uint64_t reference_words(std::span<const std::byte> d) {
  std::uint64_t words = 0;
  bool in_word = false;
  for (auto b : d) {
    const auto c = static_cast<unsigned char>(b);
    if (mapio::detail::is_space_byte(c)) {
      in_word = false;
    } else if (mapio::detail::is_word_byte(c)) {
      if (!in_word) ++words;
      in_word = true;
    }
  }
  return words;
}

using mapio::test::c_utf8;

bool is_no_break_space(wint_t c) { return c == 0xA0 || c == 0x2007 || c == 0x202F || c == 0x2060; }

// GNU wc -w in a UTF-8 locale, restated from its behaviour: mbrtowc decodes; an invalid byte is
// skipped (neither); a sequence cut short by the end is dropped; " \t\n\v\f\r" separate; other
// characters separate when printable spaces or no-break spaces, are word characters when printable
// otherwise, and neither when not printable.
std::uint64_t reference_words_utf8(std::span<const std::byte> d) {
  std::uint64_t words = 0;
  bool in_word = false;
  mapio::test::for_each_glibc_character(d, [&](wchar_t c) {
    const auto w = static_cast<wint_t>(c);
    bool space = c == L' ' || (c >= L'\t' && c <= L'\r');
    bool word = false;
    if (!space && std::iswprint(w) != 0) {
      space = std::iswspace(w) != 0 || is_no_break_space(w);
      word = !space;
    }
    if (space) in_word = false;
    if (word && !in_word) ++words;
    if (word) in_word = true;
  });
  return words;
}

// grep -c -F with '\n' and NUL ending lines.
std::uint64_t reference_grep(std::span<const std::byte> d, std::string_view pattern) {
  std::uint64_t matched = 0;
  std::size_t start = 0;
  const std::string text(reinterpret_cast<const char*>(d.data()), d.size());
  while (start < text.size()) {
    std::size_t end = text.find_first_of(std::string_view("\n\0", 2), start);
    const bool last = end == std::string::npos;
    if (last) end = text.size();
    if (text.substr(start, end - start).find(pattern) != std::string::npos) ++matched;
    start = end + 1;
  }
  return matched;
}

std::vector<const mapio::detail::ScanKernels*> kernel_sets() {
  std::vector<const mapio::detail::ScanKernels*> sets{&mapio::detail::portable_kernels()};
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) sets.push_back(mapio::detail::avx2_kernels());
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
    sets.push_back(mapio::detail::avx512_kernels());
  }
  return sets;
}

// A kernel's search for one pattern, as mapio::find asks it.
std::size_t find_one(const mapio::detail::ScanKernels* k, const std::byte* data, std::size_t size, std::string_view p) {
  const auto probe = mapio::detail::make_probe(reinterpret_cast<const std::byte*>(p.data()), p.size());
  return k->find_set(data, size, &probe, 1, std::max(probe.at_a, probe.at_b), false);
}

TEST(ScanKernels, EverySetAgreesWithTheReferenceOnEverySizeAndAlignment) {
  std::mt19937 rng(1234);
  const Bytes pool = random_bytes(rng, 70000, std::string_view("ab \n\t\0\x01\x7f\x80\xffxyz\r\v\f", 17));
  const std::string_view patterns[] = {"ab", "a b", "xyz", "b\x80\xff", "abababab"};
  for (const auto* k : kernel_sets()) {
    SCOPED_TRACE(k->name);
    for (std::size_t size : {0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096,
                             4097, 32768 + 13, 65536}) {
      for (std::size_t align : {0, 1, 7, 31}) {
        const std::span<const std::byte> d(pool.data() + align, size);
        ASSERT_EQ(k->count_byte(d.data(), d.size(), std::byte{'\n'}), reference_count(d, std::byte{'\n'}))
            << size << "+" << align;
        ASSERT_EQ(k->count_byte(d.data(), d.size(), std::byte{0xff}), reference_count(d, std::byte{0xff}));
        ASSERT_EQ(k->words(d.data(), d.size()).words, reference_words(d)) << size << "+" << align;
        if (c_utf8() != nullptr) {
          ASSERT_EQ(k->words_utf8(d.data(), d.size(), mapio::detail::unicode_classes()).words, reference_words_utf8(d)) << size << "+" << align;
        }
        const auto either = k->find_either(d.data(), d.size(), std::byte{'\n'}, std::byte{0});
        const auto it = std::find_if(d.begin(), d.end(), [](std::byte b) { return b == std::byte{'\n'} || b == std::byte{0}; });
        ASSERT_EQ(either, it == d.end() ? mapio::not_found : static_cast<std::size_t>(it - d.begin()));
        for (auto p : patterns) {
          const std::string hay(reinterpret_cast<const char*>(d.data()), d.size());
          const auto expected = hay.find(p);
          ASSERT_EQ(find_one(k, d.data(), d.size(), p),
                    expected == std::string::npos ? mapio::not_found : expected)
              << size << "+" << align << " " << p;
        }
      }
    }
  }
}

TEST(ScanKernels, FindsAPatternAtTheVeryEndAndNotPastIt) {
  for (const auto* k : kernel_sets()) {
    SCOPED_TRACE(k->name);
    std::string text(200, 'x');
    text += "needle";
    const auto* d = reinterpret_cast<const std::byte*>(text.data());
    EXPECT_EQ(find_one(k, d, text.size(), "needle"), 200u);
    EXPECT_EQ(find_one(k, d, text.size() - 1, "needle"), mapio::not_found);
  }
}

// The leftmost start of any of `patterns` in `hay` or, with `nul`, of a NUL byte.
std::size_t reference_set_find(std::string_view hay, const std::vector<std::string_view>& patterns, bool nul) {
  std::size_t best = nul ? hay.find('\0') : std::string_view::npos;
  for (const auto p : patterns) best = std::min(best, hay.find(p));
  return best == std::string_view::npos ? mapio::not_found : best;
}

TEST(ScanKernels, PatternSetsAgreeWithTheReference) {
  std::mt19937 rng(99);
  // Few NUL bytes, so that patterns are found before them as well as after.
  Bytes pool = random_bytes(rng, 20000, std::string_view("ab \nxyz\x80\xff", 9));
  for (std::size_t i = 0; i < pool.size(); i += 997 + i % 13) pool[i] = std::byte{0};
  const std::vector<std::string_view> all = {"ab",  "xyz", "b\x80\xff", "abababab", "z",
                                             "a b", "yy",  "\xff\xff a", "bxa"};
  for (const auto* k : kernel_sets()) {
    SCOPED_TRACE(k->name);
    for (std::size_t count = 1; count <= mapio::PatternSet::max_patterns; ++count) {
      const std::vector<std::string_view> patterns(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(count));
      std::vector<mapio::detail::PatternProbe> probes;
      std::size_t reach = 0;
      for (const auto p : patterns) {
        probes.push_back(mapio::detail::make_probe(reinterpret_cast<const std::byte*>(p.data()), p.size()));
        reach = std::max({reach, probes.back().at_a, probes.back().at_b});
      }
      for (std::size_t size : {0, 1, 5, 63, 64, 65, 130, 200, 1000, 2500}) {
        for (std::size_t align : {0, 3, 700, 5001, 17000}) {
          const std::string_view hay(reinterpret_cast<const char*>(pool.data()) + align, size);
          for (const bool nul : {false, true}) {
            ASSERT_EQ(k->find_set(pool.data() + align, size, probes.data(), count, reach, nul),
                      reference_set_find(hay, patterns, nul))
                << count << " patterns, " << size << "+" << align << (nul ? " stopping at NUL" : "");
          }
        }
      }
    }
  }
}

TEST(PatternSet, LooksForEachPatternsRarestBytes) {
  auto probe = [](std::string_view p) {
    const auto q = mapio::detail::make_probe(reinterpret_cast<const std::byte*>(p.data()), p.size());
    return std::pair{q.at_a, q.at_b};
  };
  EXPECT_EQ(probe("zebrafish"), (std::pair<std::size_t, std::size_t>{0, 2}));  // z, then b
  EXPECT_EQ(probe("the"), (std::pair<std::size_t, std::size_t>{1, 0}));        // h, then t
  EXPECT_EQ(probe("error"), (std::pair<std::size_t, std::size_t>{1, 3}));      // r, then o (not r again)
  EXPECT_EQ(probe("aaaa"), (std::pair<std::size_t, std::size_t>{0, 3}));       // one value: first and last
  EXPECT_EQ(probe("x"), (std::pair<std::size_t, std::size_t>{0, 0}));
  EXPECT_LT(mapio::detail::byte_commonness(std::byte{'q'}), mapio::detail::byte_commonness(std::byte{'e'}));
  EXPECT_LT(mapio::detail::byte_commonness(std::byte{1}), mapio::detail::byte_commonness(std::byte{'Q'}));
}

TEST(PatternSet, FindsTheLeftmostOfItsPatternsAndOptionallyANul) {
  const mapio::PatternSet set({"error", "warn", "fatal error"});
  const std::string text("ok\nwarm\n\0fatal error here\nwarn\n", 31);
  const auto d = mapio::as_bytes(text);
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(set.find(d), 9u);                 // "fatal error" starts before its "error"
  EXPECT_EQ(set.find(d, 0, true), 8u);        // the NUL comes first
  EXPECT_EQ(set.find(d, 10), 15u);            // "error" inside "fatal error"
  EXPECT_EQ(set.find(d, 16), 26u);            // "warn"
  EXPECT_EQ(set.find(d, 27), mapio::not_found);
  EXPECT_EQ(set.find(d, 500), mapio::not_found);
}

TEST(PatternSet, RefusesNoPatternsTooManyAndEmptyOnes) {
  const std::vector<std::string_view> none;
  const std::vector<std::string_view> with_empty = {"a", ""};
  const std::vector<std::string_view> nine(mapio::PatternSet::max_patterns + 1, "a");
  const std::vector<std::string_view> eight(mapio::PatternSet::max_patterns, "a");
  EXPECT_THROW(mapio::PatternSet{none}, mapio::Error);
  EXPECT_THROW(mapio::PatternSet{with_empty}, mapio::Error);
  EXPECT_THROW(mapio::PatternSet{nine}, mapio::Error);
  EXPECT_NO_THROW(mapio::PatternSet{eight});
}

TEST(Scan, PublicFunctionsHonourFrom) {
  const Bytes d = bytes_of("one\ntwo\nthree");
  EXPECT_EQ(mapio::count_lines(d), 2u);
  EXPECT_EQ(mapio::find_byte(d, std::byte{'\n'}), 3u);
  EXPECT_EQ(mapio::find_byte(d, std::byte{'\n'}, 4), 7u);
  EXPECT_EQ(mapio::find_byte(d, std::byte{'\n'}, 8), mapio::not_found);
  EXPECT_EQ(mapio::find(d, mapio::as_bytes("t")), 4u);
  EXPECT_EQ(mapio::find(d, mapio::as_bytes("thr")), 8u);
  EXPECT_EQ(mapio::find(d, mapio::as_bytes("thr"), 9), mapio::not_found);
  EXPECT_EQ(mapio::find(d, mapio::as_bytes(""), 5), 5u);
  EXPECT_EQ(mapio::find(d, mapio::as_bytes("x"), 100), mapio::not_found);
  EXPECT_NE(std::string(mapio::scan_kernel_name()), "");
}

TEST(WordCounter, FollowsGnuWcInTheCLocale) {
  const WordCounter w;
  auto words = [&](std::string_view s) { return w.summarize(bytes_of(s)).words; };
  EXPECT_EQ(words(std::string_view("a\0b", 3)), 1u);  // NUL neither starts nor ends a word
  EXPECT_EQ(words(std::string_view("\0", 1)), 0u);
  EXPECT_EQ(words("\x01"), 0u);
  EXPECT_EQ(words("a\x80" "b"), 1u);
  EXPECT_EQ(words("\x80"), 0u);
  EXPECT_EQ(words("a b\tc\nd\ve\ff\rg"), 7u);
  EXPECT_EQ(words(std::string_view(" \0 x\0 y", 7)), 2u);
  EXPECT_EQ(words(""), 0u);
}

// Each count was taken from GNU wc -w (coreutils 9.1) under LC_ALL=C.UTF-8.
TEST(WordCounter, FollowsGnuWcInAUtf8Locale) {
  const WordCounter w(TextEncoding::utf8);
  auto words = [&](std::string_view s) { return w.summarize(bytes_of(s)).words; };
  // Printable spaces and no-break spaces separate words.
  EXPECT_EQ(words("a\xc2\xa0" "b"), 2u);       // U+00A0 NO-BREAK SPACE
  EXPECT_EQ(words("a\xe2\x80\x87" "b"), 2u);  // U+2007 FIGURE SPACE
  EXPECT_EQ(words("a\xe2\x80\xaf" "b"), 2u);  // U+202F NARROW NO-BREAK SPACE
  EXPECT_EQ(words("a\xe2\x81\xa0" "b"), 2u);  // U+2060 WORD JOINER
  EXPECT_EQ(words("a\xe3\x80\x80" "b"), 2u);  // U+3000 IDEOGRAPHIC SPACE
  EXPECT_EQ(words("a\xe1\x9a\x80" "b"), 2u);  // U+1680 OGHAM SPACE MARK
  EXPECT_EQ(words("a\xe2\x80\x82" "b"), 2u);  // U+2002 EN SPACE
  EXPECT_EQ(words("\xe3\x80\x80"), 0u);
  // Spaces that are not printable neither start nor end a word, like controls.
  EXPECT_EQ(words("a\xe2\x80\xa8" "b"), 1u);  // U+2028 LINE SEPARATOR
  EXPECT_EQ(words("a\xe2\x80\xa9" "b"), 1u);  // U+2029 PARAGRAPH SEPARATOR
  EXPECT_EQ(words("a\xc2\x85" "b"), 1u);       // U+0085 NEXT LINE
  EXPECT_EQ(words("\xc2\x85"), 0u);
  EXPECT_EQ(words("\xef\xbf\xbe"), 0u);       // U+FFFE, a noncharacter
  // Other printable characters are word characters, invisible ones included.
  EXPECT_EQ(words("\xc3\xa9"), 1u);            // U+00E9
  EXPECT_EQ(words("\xe2\x80\x8b"), 1u);       // U+200B ZERO WIDTH SPACE
  EXPECT_EQ(words("a\xe2\x80\x8b" "b"), 1u);
  EXPECT_EQ(words("\xee\x80\x80"), 1u);       // U+E000, private use
  EXPECT_EQ(words("\xf0\x9f\x98\x80"), 1u);   // U+1F600
  EXPECT_EQ(words("\xef\xbf\xbd"), 1u);       // U+FFFD REPLACEMENT CHARACTER
  EXPECT_EQ(words(" \xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 x"), 3u);
  // Invalid sequences: every byte neither starts nor ends a word.
  EXPECT_EQ(words("a\xc0\xa0" "b"), 1u);       // overlong U+0020
  EXPECT_EQ(words("\xc1\x81"), 0u);            // overlong 'A'
  EXPECT_EQ(words("\xe0\x81\x81"), 0u);
  EXPECT_EQ(words("\xf0\x80\x81\x81"), 0u);
  EXPECT_EQ(words("\xed\xa0\x80"), 0u);        // a surrogate, U+D800
  EXPECT_EQ(words("\xf4\x90\x80\x80"), 0u);   // past U+10FFFF
  EXPECT_EQ(words("\xf8\x88\x80\x80\x80"), 0u);
  EXPECT_EQ(words("\x80\xbf\xff\xfe"), 0u);
  EXPECT_EQ(words("a\xe3" "b"), 1u);
  EXPECT_EQ(words("a\xe3\x80\xe3\x80\x80" "b"), 2u);  // a cut sequence, then a whole one
  EXPECT_EQ(words("a\xe3\x80\xc3\xa9 b"), 2u);
  // Cut short by the end of the input.
  EXPECT_EQ(words("a\xe3\x80"), 1u);
  EXPECT_EQ(words("\xe3\x80"), 0u);
  EXPECT_EQ(words("\xf0\x9f\x98"), 0u);
  // ASCII as in the C locale.
  EXPECT_EQ(words(std::string_view("a\0b", 3)), 1u);
  EXPECT_EQ(words("a b\tc\nd\ve\ff\rg\x01h\x7f"), 7u);
  EXPECT_EQ(words(""), 0u);
}

// Text that draws on the cases above: characters of each class, invalid and cut sequences, ASCII.
Bytes random_utf8_text(std::mt19937& rng, std::size_t fragments) {
  static const std::string_view pieces[] = {
      "a", "b", " ", "\n", "\t", std::string_view("\0", 1), "\x01", "\x7f", "\xc2\xa0", "\xe3\x80\x80",
      "\xe2\x80\xa8", "\xc2\x85", "\xe2\x80\x8b", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
      "\xe2\x80\x87", "\xe2\x81\xa0", "\xed\xa0\x80", "\xc0\xa0", "\xe3", "\xe3\x80", "\xf0\x9f",
      "\xf0\x9f\x98", "\x80", "\xbf", "\xff", "\xf4\x90\x80\x80", "\xef\xbf\xbe", "\xe1\x9a\x80"};
  return bytes_of(mapio::test::random_text(rng, fragments, pieces));
}

TEST(WordCounter, Utf8AgreesWithTheCLibraryDecoderInEveryKernelSet) {
  if (c_utf8() == nullptr) GTEST_SKIP() << "the C.UTF-8 locale is not installed";
  std::mt19937 rng(2024);
  for (const auto* k : kernel_sets()) {
    SCOPED_TRACE(k->name);
    for (int trial = 0; trial < 300; ++trial) {
      const Bytes d = random_utf8_text(rng, static_cast<std::size_t>(trial) * 3);
      ASSERT_EQ(k->words_utf8(d.data(), d.size(), mapio::detail::unicode_classes()).words, reference_words_utf8(d)) << trial;
    }
    // Every size around the 64- and 128-byte steps of the kernels, at every alignment, cut anywhere
    // in a character.
    const Bytes pool = random_utf8_text(rng, 3000);
    for (std::size_t size : {0, 1, 2, 3, 4, 63, 64, 65, 66, 127, 128, 129, 130, 191, 192, 193, 255, 256, 257, 1000, 4097}) {
      for (std::size_t align : {0, 1, 2, 3, 7, 31}) {
        const std::span<const std::byte> d(pool.data() + align, size);
        ASSERT_EQ(k->words_utf8(d.data(), d.size(), mapio::detail::unicode_classes()).words, reference_words_utf8(d)) << size << "+" << align;
      }
    }
    std::uniform_int_distribution<int> any_byte(0, 255);
    Bytes noise(100000);
    for (auto& b : noise) b = static_cast<std::byte>(any_byte(rng));
    ASSERT_EQ(k->words_utf8(noise.data(), noise.size(), mapio::detail::unicode_classes()).words, reference_words_utf8(noise));
  }
}

TEST(WordCounter, Utf8CountsAsciiExactlyAsTheCLocale) {
  std::mt19937 rng(7);
  for (const auto* k : kernel_sets()) {
    SCOPED_TRACE(k->name);
    for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 1000u, 70000u}) {
      const Bytes d = random_bytes(rng, n, std::string_view("ab \n\t\0\x01\x7fxyz\r\v\f", 14));
      const auto c = k->words(d.data(), d.size());
      const auto u = k->words_utf8(d.data(), d.size(), mapio::detail::unicode_classes());
      EXPECT_EQ(u.words, c.words) << n;
      EXPECT_EQ(u.first, c.first) << n;
      EXPECT_EQ(u.ends_in_word, c.ends_in_word) << n;
    }
  }
}

// Summaries are canonical: pieces combine into exactly the whole's summary, field by field.
void expect_same_summary(const WordCounter::Summary& got, const WordCounter::Summary& want, const std::string& what) {
  EXPECT_EQ(got.words, want.words) << what;
  EXPECT_EQ(got.first, want.first) << what;
  EXPECT_EQ(got.ends_in_word, want.ends_in_word) << what;
  EXPECT_EQ(got.has_body, want.has_body) << what;
  EXPECT_EQ(got.head_length, want.head_length) << what;
  EXPECT_EQ(got.head, want.head) << what;
  EXPECT_EQ(got.tail_length, want.tail_length) << what;
  EXPECT_EQ(got.tail, want.tail) << what;
}

// With POSIXLY_CORRECT GNU wc takes the no-break spaces for word characters (coreutils' wc-nbsp
// test): "foo\u00a0bar" is one word, and stays one when the pieces cut the no-break space.
TEST(WordCounter, Utf8PosixNoBreakSpacesJoinWordsAcrossCuts) {
  const WordCounter posix(TextEncoding::utf8_posix);
  const WordCounter utf8(TextEncoding::utf8);
  const std::string_view texts[] = {"foo\xc2\xa0" "bar", "a\xe2\x80\x87" "b", "a\xe2\x80\xaf" "b", "a\xe2\x81\xa0" "b"};
  for (std::string_view text : texts) {
    const Bytes d = bytes_of(text);
    const std::span<const std::byte> all(d);
    EXPECT_EQ(utf8.summarize(all).words, 2u) << text;
    EXPECT_EQ(posix.summarize(all).words, 1u) << text;
    for (std::size_t i = 0; i <= d.size(); ++i) {
      const auto joined = WordCounter::then(posix.summarize(all.first(i)), posix.summarize(all.subspan(i)));
      EXPECT_EQ(joined.words, 1u) << text << " cut at " << i;
      const auto split = WordCounter::then(utf8.summarize(all.first(i)), utf8.summarize(all.subspan(i)));
      EXPECT_EQ(split.words, 2u) << text << " cut at " << i;
    }
  }
  // An ideographic space still separates.
  EXPECT_EQ(posix.summarize(mapio::as_bytes("a\xe3\x80\x80" "b")).words, 2u);
}

// A character cut between pieces, however small the pieces, counts as the whole character: every
// split of short texts into two and three pieces, and into single bytes.
TEST(WordCounter, Utf8CharactersCutBetweenPiecesCountOnce) {
  const WordCounter w(TextEncoding::utf8);
  const std::string_view texts[] = {
      "a\xe3\x80\x80" "b",          "x\xf0\x9f\x98\x80y z",      " \xc3\xa9 ",
      "a\xc2\xa0" "b\xe2\x80\x87" "c", "\xe3\x80\xe3\x80\x80" "b",  "a\xf0\x9f\x98",
      "a\xed\xa0\x80 b",            "\x80\x80\x80\x80 \xe4\xb8\xad", "\xf0\x9f\x98\x80\x80\x80 a\xe3\x80",
      "\xe0\x80\x80 \xf4\x8f\xbf\xbd", " \xe2\x80\xa8\xe2\x80\xa8 "};
  for (std::string_view text : texts) {
    const Bytes d = bytes_of(text);
    const std::span<const std::byte> all(d);
    const std::uint64_t expected = w.summarize(all).words;
    if (c_utf8() != nullptr) {
      EXPECT_EQ(expected, reference_words_utf8(all)) << text;
    }
    auto bytewise = w.identity();
    for (std::size_t i = 0; i < d.size(); ++i) bytewise = WordCounter::then(bytewise, w.summarize(all.subspan(i, 1)));
    EXPECT_EQ(bytewise.words, expected) << "byte by byte: " << text;
    for (std::size_t i = 0; i <= d.size(); ++i) {
      for (std::size_t j = i; j <= d.size(); ++j) {
        const auto x = w.summarize(all.subspan(0, i));
        const auto y = w.summarize(all.subspan(i, j - i));
        const auto z = w.summarize(all.subspan(j));
        const std::string at = std::string(text) + " cut at " + std::to_string(i) + "," + std::to_string(j);
        EXPECT_EQ(WordCounter::then(WordCounter::then(x, y), z).words, expected) << at;
        EXPECT_EQ(WordCounter::then(x, WordCounter::then(y, z)).words, expected) << at;
        expect_same_summary(WordCounter::then(x, y), w.summarize(all.subspan(0, j)), at);
        expect_same_summary(WordCounter::then(y, z), w.summarize(all.subspan(i)), at);
      }
    }
  }
}

// The character classes, table and all, are the C library's: every code point in its UTF-8 locale.
TEST(UnicodeClasses, MatchTheCLibrary) {
  if (c_utf8() == nullptr) GTEST_SKIP() << "the C.UTF-8 locale is not installed";
  const std::uint8_t* table = mapio::detail::unicode_classes();
  int wrong = 0;
  for (char32_t c = 0; c < 0x110000 && wrong < 10; ++c) {
    using mapio::detail::CharClass;
    const auto w = static_cast<wint_t>(c);
    CharClass expected = CharClass::neither;
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      expected = CharClass::space;
    } else if (::iswprint_l(w, c_utf8()) != 0) {
      expected = ::iswspace_l(w, c_utf8()) != 0 || is_no_break_space(w) ? CharClass::space : CharClass::word;
    }
    if (mapio::detail::class_of(table, c) != expected) {
      ++wrong;
      ADD_FAILURE() << "U+" << std::hex << static_cast<unsigned>(c) << ": src/scan/unicode_classes.inc says "
                    << static_cast<int>(mapio::detail::class_of(table, c)) << ", the C library "
                    << static_cast<int>(expected) << " (regenerate it with scripts/unicode-classes.cpp)";
    }
  }
}

// Splitting an input anywhere and combining the pieces' summaries gives the whole's answer.
template <class Counter, class Check>
void check_pieces(const Counter& counter, std::span<const std::byte> d, std::mt19937& rng, Check check) {
  for (int round = 0; round < 20; ++round) {
    std::uniform_int_distribution<std::size_t> cut(0, d.size());
    std::vector<std::size_t> cuts{0, d.size()};
    const int pieces = round % 7;
    for (int i = 0; i < pieces; ++i) cuts.push_back(cut(rng));
    std::sort(cuts.begin(), cuts.end());
    auto s = counter.identity();
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
      s = counter.then(s, counter.summarize(d.subspan(cuts[i], cuts[i + 1] - cuts[i])));
    }
    check(s);
  }
}

TEST(Counters, PiecesCombineToTheWhole) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 40; ++trial) {
    const Bytes d = random_bytes(rng, 1 + trial * 97, std::string_view("ab \n\0\x01xab", 9));
    const mapio::TextCounter text(true, true);
    check_pieces(text, d, rng, [&](const mapio::TextCounter::Summary& s) {
      ASSERT_EQ(s.lines, reference_count(d, std::byte{'\n'}));
      ASSERT_EQ(s.words.words, reference_words(d));
      ASSERT_EQ(s.bytes, d.size());
    });
    const Bytes u = random_utf8_text(rng, 1 + static_cast<std::size_t>(trial) * 40);
    const mapio::TextCounter utf8(true, true, TextEncoding::utf8);
    const std::uint64_t expected = utf8.summarize(u).words.words;
    if (c_utf8() != nullptr) {
      ASSERT_EQ(expected, reference_words_utf8(u)) << trial;
    }
    check_pieces(utf8, u, rng, [&](const mapio::TextCounter::Summary& s) {
      ASSERT_EQ(s.lines, reference_count(u, std::byte{'\n'}));
      ASSERT_EQ(s.words.words, expected) << trial;
      ASSERT_EQ(s.bytes, u.size());
    });
    for (std::string_view p : {"", "a", "ab", "aba", "b ab", "abababa"}) {
      const mapio::LineMatcher grep(mapio::as_bytes(p));
      check_pieces(grep, d, rng, [&](const mapio::LineMatcher::Summary& s) {
        ASSERT_EQ(s.matched, reference_grep(d, p)) << "pattern '" << p << "' trial " << trial;
      });
    }
  }
}

TEST(Counters, ZerosSummariseLikeRealZeroBytes) {
  const Bytes zeros(5000, std::byte{0});
  const Bytes before = bytes_of("ab\nxab"), after = bytes_of("ab\n");
  for (std::string_view p : {"", "a", "ab", "xab"}) {
    const mapio::LineMatcher grep(mapio::as_bytes(p));
    auto real = grep.then(grep.then(grep.summarize(before), grep.summarize(zeros)), grep.summarize(after));
    auto skipped = grep.then(grep.then(grep.summarize(before), grep.zeros(zeros.size())), grep.summarize(after));
    EXPECT_EQ(real.matched, skipped.matched) << p;
  }
  const mapio::TextCounter text(true, true);
  auto real = text.then(text.then(text.summarize(before), text.summarize(zeros)), text.summarize(after));
  auto skipped = text.then(text.then(text.summarize(before), text.zeros(zeros.size())), text.summarize(after));
  EXPECT_EQ(real.words.words, skipped.words.words);
  EXPECT_EQ(real.lines, skipped.lines);
  EXPECT_EQ(real.bytes, skipped.bytes);
  // In UTF-8 a hole ends a character cut before it: "a\xe3" hole "\x80\x80" is one word, not two.
  const mapio::TextCounter utf8(true, true, TextEncoding::utf8);
  const Bytes cut = bytes_of("a\xe3"), rest = bytes_of("\x80\x80" "b");
  for (std::size_t hole : {1u, 5000u}) {
    const Bytes z(hole, std::byte{0});
    auto u_real = utf8.then(utf8.then(utf8.summarize(cut), utf8.summarize(z)), utf8.summarize(rest));
    auto u_skipped = utf8.then(utf8.then(utf8.summarize(cut), utf8.zeros(hole)), utf8.summarize(rest));
    EXPECT_EQ(u_real.words.words, 1u) << hole;
    EXPECT_EQ(u_skipped.words.words, 1u) << hole;
  }
  EXPECT_EQ(utf8.then(utf8.then(utf8.summarize(cut), utf8.zeros(0)), utf8.summarize(bytes_of("\x80\x80 b"))).words.words,
            2u);  // an empty hole is no hole: "a" U+3000 "b"
  EXPECT_EQ(mapio::ByteCounter(std::byte{0}).zeros(77).count, 77u);
  EXPECT_EQ(mapio::ByteCounter(std::byte{1}).zeros(77).count, 0u);
}

// ---- the run-time choice ------------------------------------------------------------------------
// The kernel set is chosen once per process, so each choice is checked in a process of its own:
// this test binary run again with MAPIO_SCAN_KERNEL set, on the one test below that checks what it
// was given.

constexpr const char* expected_kernel_variable = "MAPIO_TEST_EXPECTED_KERNEL";

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

// Runs this test binary on ScanKernelChild.* with MAPIO_SCAN_KERNEL=`forced` (unset when null);
// returns its exit status and output.
std::pair<int, std::string> run_child(const char* forced, const std::string& expected) {
  int out[2];
  if (::pipe(out) != 0) return {-1, "pipe failed"};
  const pid_t child = ::fork();
  if (child < 0) return {-1, "fork failed"};
  if (child == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    ::close(out[0]);
    if (forced != nullptr) ::setenv("MAPIO_SCAN_KERNEL", forced, 1);
    else ::unsetenv("MAPIO_SCAN_KERNEL");
    ::setenv(expected_kernel_variable, expected.c_str(), 1);
    ::execl("/proc/self/exe", "scan_test", "--gtest_filter=ScanKernelChild.*", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(out[0], buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

void expect_child_uses(const char* forced, const std::string& expected) {
  const auto [status, output] = run_child(forced, expected);
  EXPECT_EQ(status, 0) << "MAPIO_SCAN_KERNEL=" << (forced ? forced : "(unset)") << ":\n" << output;
  EXPECT_NE(output.find("[  PASSED  ] 1 test"), std::string::npos) << output;  // ran, not skipped
}

const char* best_kernel() { return cpu_has_avx512() ? "avx512" : cpu_has_avx2() ? "avx2" : "portable"; }

TEST(ScanKernelChoice, PortableCanAlwaysBeForced) { expect_child_uses("portable", "portable"); }

TEST(ScanKernelChoice, Avx2CanBeForcedWhereTheCpuHasIt) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2";
  expect_child_uses("avx2", "avx2");
}

TEST(ScanKernelChoice, Avx512IsChosenWhereTheCpuHasIt) {
  if (!cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512F and AVX-512BW";
  expect_child_uses("avx512", "avx512");
}

TEST(ScanKernelChoice, WithoutAUsableRequestTheBestSetIsChosen) {
  expect_child_uses(nullptr, best_kernel());
  expect_child_uses("no-such-kernel", best_kernel());
}

// Runs only in a child of the tests above: the set in use is the one asked for, and the public
// functions, which go through it, give the reference answers.
TEST(ScanKernelChild, UsesTheKernelItWasGivenAndCountsRight) {
  const char* expected = std::getenv(expected_kernel_variable);
  if (expected == nullptr) GTEST_SKIP() << "run by ScanKernelChoice.* in a process of its own";
  EXPECT_STREQ(mapio::scan_kernel_name(), expected);
  std::mt19937 rng(17);
  for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 4095u, 100000u}) {
    const Bytes d = random_bytes(rng, n, std::string_view("ab \n\tx\0\x80", 8));
    EXPECT_EQ(mapio::count_lines(d), reference_count(d, std::byte{'\n'})) << n;
    EXPECT_EQ(mapio::count_byte(d, std::byte{0}), reference_count(d, std::byte{0})) << n;
    EXPECT_EQ(WordCounter().summarize(d).words, reference_words(d)) << n;
    const Bytes u = random_utf8_text(rng, n / 2);
    if (c_utf8() != nullptr) {
      EXPECT_EQ(WordCounter(TextEncoding::utf8).summarize(u).words, reference_words_utf8(u)) << n;
    }
    EXPECT_EQ(mapio::LineMatcher(mapio::as_bytes("ab")).summarize(d).matched, reference_grep(d, "ab")) << n;
  }
}

// grep -F with several patterns (one per line of the argument): a line counts once when it holds
// any of them. Patterns of different lengths, an empty one among them, and every split into pieces,
// so that a short pattern near a seam is not mistaken for a long one straddling it.
std::uint64_t reference_grep_any(std::span<const std::byte> d, std::string_view patterns) {
  std::vector<std::string_view> each;
  for (std::size_t start = 0;;) {
    const std::size_t end = patterns.find('\n', start);
    each.push_back(patterns.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  std::uint64_t matched = 0;
  const std::string text(reinterpret_cast<const char*>(d.data()), d.size());
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find_first_of(std::string_view("\n\0", 2), start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    if (std::any_of(each.begin(), each.end(), [&](std::string_view p) { return line.find(p) != std::string_view::npos; })) {
      ++matched;
    }
    start = end + 1;
  }
  return matched;
}

TEST(LineMatcher, SeveralPatternsCountALineOnceWhenAnyMatches) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    const Bytes d = random_bytes(rng, 1 + static_cast<std::size_t>(trial) * 131, std::string_view("abc \n\0x", 8));
    for (std::string_view p : {"ab\nc", "abcab\nb", "a\nab\nabc", "zz\nbca", "ab\n", "cab\nxx\nbb a"}) {
      const mapio::LineMatcher grep(mapio::as_bytes(p));
      ASSERT_EQ(grep.summarize(d).matched, reference_grep_any(d, p)) << "pattern '" << p << "' trial " << trial;
      check_pieces(grep, d, rng, [&](const mapio::LineMatcher::Summary& s) {
        ASSERT_EQ(s.matched, reference_grep_any(d, p)) << "pattern '" << p << "' trial " << trial;
      });
    }
  }
  // Counts that GNU grep -c -F gives for "foo\nbar\nbaz\n\nqux".
  const Bytes d = bytes_of("foo\nbar\nbaz\n\nqux");
  EXPECT_EQ(mapio::LineMatcher(mapio::as_bytes("foo\nba")).summarize(d).matched, 3u);
  EXPECT_EQ(mapio::LineMatcher(mapio::as_bytes("foo\n")).summarize(d).matched, 5u) << "an empty pattern matches all";
  EXPECT_EQ(mapio::LineMatcher(mapio::as_bytes("foo\nfoo")).summarize(d).matched, 1u);
  const Bytes zeros(100, std::byte{0});
  EXPECT_EQ(mapio::LineMatcher(mapio::as_bytes("a\n")).zeros(100).matched,
            mapio::LineMatcher(mapio::as_bytes("a\n")).summarize(zeros).matched);
}

TEST(LineMatcher, RefusesPatternsItCannotMatchAsGrepWould) {
  EXPECT_THROW(mapio::LineMatcher(mapio::as_bytes("a\n" + std::string(2000, 'a'))), mapio::Error)
      << "each pattern is held to the limit";
  EXPECT_THROW(mapio::LineMatcher(mapio::as_bytes(std::string_view("a\0b", 3))), mapio::Error);
  EXPECT_THROW(mapio::LineMatcher(mapio::as_bytes(std::string(2000, 'a'))), mapio::Error);
  const std::string longest(mapio::LineMatcher::max_pattern, 'q');
  const mapio::LineMatcher grep(mapio::as_bytes(longest));
  const Bytes d = bytes_of("x" + longest + "\n" + longest.substr(1) + "\n");
  EXPECT_EQ(grep.summarize(d).matched, 1u);
}

}  // namespace

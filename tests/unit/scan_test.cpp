// The scanning kernels (every set this CPU can run) and the piecewise counters, checked against
// plain byte-at-a-time reference implementations on random and hand-made inputs.
#include "mapio/scan.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/error.hpp"
#include "scan_kernels.hpp"

namespace {

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
        const auto either = k->find_either(d.data(), d.size(), std::byte{'\n'}, std::byte{0});
        const auto it = std::find_if(d.begin(), d.end(), [](std::byte b) { return b == std::byte{'\n'} || b == std::byte{0}; });
        ASSERT_EQ(either, it == d.end() ? mapio::not_found : static_cast<std::size_t>(it - d.begin()));
        for (auto p : patterns) {
          const std::string hay(reinterpret_cast<const char*>(d.data()), d.size());
          const auto expected = hay.find(p);
          ASSERT_EQ(k->find_pattern(d.data(), d.size(), reinterpret_cast<const std::byte*>(p.data()), p.size()),
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
    EXPECT_EQ(k->find_pattern(d, text.size(), reinterpret_cast<const std::byte*>("needle"), 6), 200u);
    EXPECT_EQ(k->find_pattern(d, text.size() - 1, reinterpret_cast<const std::byte*>("needle"), 6), mapio::not_found);
  }
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
    EXPECT_EQ(mapio::LineMatcher(mapio::as_bytes("ab")).summarize(d).matched, reference_grep(d, "ab")) << n;
  }
}

TEST(LineMatcher, RefusesPatternsItCannotMatchAsGrepWould) {
  EXPECT_THROW(mapio::LineMatcher(mapio::as_bytes("a\nb")), mapio::Error);
  EXPECT_THROW(mapio::LineMatcher(mapio::as_bytes(std::string_view("a\0b", 3))), mapio::Error);
  EXPECT_THROW(mapio::LineMatcher(mapio::as_bytes(std::string(2000, 'a'))), mapio::Error);
  const std::string longest(mapio::LineMatcher::max_pattern, 'q');
  const mapio::LineMatcher grep(mapio::as_bytes(longest));
  const Bytes d = bytes_of("x" + longest + "\n" + longest.substr(1) + "\n");
  EXPECT_EQ(grep.summarize(d).matched, 1u);
}

}  // namespace

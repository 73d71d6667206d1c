// Run-time choice of the scanning kernels, and the piecewise counters built on them.
#include "mapio/scan/scan.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "scan/scan_kernels.hpp"

namespace mapio {
namespace {

const detail::ScanKernels& choose_kernels() noexcept {
  __builtin_cpu_init();
  const bool has_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  const bool has_avx2 = __builtin_cpu_supports("avx2");
  const char* forced = std::getenv("MAPIO_SCAN_KERNEL");
  const std::string_view want = forced != nullptr ? forced : "";
  if (want == "portable") return detail::portable_kernels();
  if (want == "avx2" && has_avx2) return *detail::avx2_kernels();
  if (has_avx512) return *detail::avx512_kernels();
  if (has_avx2) return *detail::avx2_kernels();
  return detail::portable_kernels();
}

const detail::ScanKernels& kernels() noexcept {
  static const detail::ScanKernels& chosen = choose_kernels();
  return chosen;
}

}  // namespace

std::uint64_t count_byte(std::span<const std::byte> data, std::byte value) noexcept {
  return kernels().count_byte(data.data(), data.size(), value);
}

std::size_t find_byte(std::span<const std::byte> data, std::byte value, std::size_t from) noexcept {
  if (from >= data.size()) return not_found;
  const void* hit = std::memchr(data.data() + from, static_cast<int>(value), data.size() - from);
  return hit == nullptr ? not_found : static_cast<std::size_t>(static_cast<const std::byte*>(hit) - data.data());
}

std::size_t find_either(std::span<const std::byte> data, std::byte a, std::byte b, std::size_t from) noexcept {
  if (from >= data.size()) return not_found;
  const std::size_t at = kernels().find_either(data.data() + from, data.size() - from, a, b);
  return at == not_found ? not_found : from + at;
}

std::size_t find(std::span<const std::byte> data, std::span<const std::byte> pattern, std::size_t from) noexcept {
  if (from > data.size()) return not_found;
  if (pattern.empty()) return from;
  if (pattern.size() == 1) return find_byte(data, pattern[0], from);
  const detail::PatternProbe probe = detail::make_probe(pattern.data(), pattern.size());
  const std::size_t at = kernels().find_set(data.data() + from, data.size() - from, &probe, 1,
                                            std::max(probe.at_a, probe.at_b), false);
  return at == not_found ? not_found : from + at;
}

PatternSet::PatternSet(const std::vector<std::string_view>& patterns) {
  if (patterns.empty() || patterns.size() > max_patterns) {
    throw Error("search", "patterns", EINVAL, fmt::format("a pattern set holds 1 to {} patterns", max_patterns));
  }
  for (const std::string_view p : patterns) {
    if (p.empty()) throw Error("search", "patterns", EINVAL, "a pattern set holds no empty pattern");
    const auto bytes = as_bytes(p);
    patterns_.emplace_back(bytes.begin(), bytes.end());
  }
  for (const auto& p : patterns_) {
    probes_.push_back(detail::make_probe(p.data(), p.size()));
    reach_ = std::max({reach_, probes_.back().at_a, probes_.back().at_b});
  }
}

std::size_t PatternSet::find(std::span<const std::byte> data, std::size_t from, bool stop_at_nul) const noexcept {
  if (from >= data.size()) return not_found;
  const std::size_t at =
      kernels().find_set(data.data() + from, data.size() - from, probes_.data(), probes_.size(), reach_, stop_at_nul);
  return at == not_found ? not_found : from + at;
}

const char* scan_kernel_name() noexcept { return kernels().name; }

// ---- WordCounter ------------------------------------------------------------------------------

namespace {

using First = WordCounter::First;

// The word fields of `a` then `b`.
void join_words(WordCounter::Summary& out, const WordCounter::Summary& a, const WordCounter::Summary& b) noexcept {
  // A word open at the end of `a` continues into `b` when `b` starts (ignoring transparent bytes)
  // with a word byte: `b` counted that as a start, so take it back.
  out.words = a.words + b.words - ((a.ends_in_word && b.first == First::word_byte) ? 1 : 0);
  out.first = a.first != First::none ? a.first : b.first;
  out.ends_in_word = b.first != First::none ? b.ends_in_word : a.ends_in_word;
}

// A piece holding one character of class `k`.
WordCounter::Summary one_character(detail::CharClass k) noexcept {
  WordCounter::Summary s;
  if (k == detail::CharClass::word) {
    s.words = 1;
    s.first = First::word_byte;
    s.ends_in_word = true;
  } else if (k == detail::CharClass::space) {
    s.first = First::space;
  }
  return s;
}

// The kernels count a UTF-8 piece as if nothing came before or after it: continuation bytes at its
// start are transparent, and so is a character begun at its end and cut off. Record both, for
// then() to decode the character once the neighbours meet.
void note_edges(WordCounter::Summary& s, std::span<const std::byte> data) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  std::size_t head = 0;
  while (head < n && head < 3 && detail::is_continuation(p[head])) ++head;
  s.head_length = static_cast<std::uint8_t>(head);
  std::copy_n(data.begin(), head, s.head.begin());
  s.has_body = n > head;
  // A tail starts at the last byte that is not a continuation byte, when that is one of the last
  // three and begins a valid sequence the piece cuts short.
  for (std::size_t back = 1; back <= std::min<std::size_t>(3, n - head); ++back) {
    const std::size_t j = n - back;
    if (detail::is_continuation(p[j])) continue;
    if (detail::is_valid_prefix(p + j, back)) {
      s.tail_length = static_cast<std::uint8_t>(back);
      std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(j), back, s.tail.begin());
    }
    break;
  }
}

}  // namespace

WordCounter::Summary WordCounter::summarize(std::span<const std::byte> data) const noexcept {
  if (encoding_ != TextEncoding::c) {
    const bool posix = encoding_ == TextEncoding::utf8_posix;
    Summary s = kernels().words_utf8(data.data(), data.size(), detail::unicode_classes(!posix));
    s.no_break_spaces_join = posix;
    note_edges(s, data);
    return s;
  }
  Summary s = kernels().words(data.data(), data.size());
  s.has_body = !data.empty();
  return s;
}

WordCounter::Summary WordCounter::then(const Summary& a, const Summary& b) noexcept {
  if (!a.has_body) {
    // `a` is empty or a few continuation bytes: they join the front of b's head (a fourth one
    // could end no character, so three are kept).
    Summary out = b;
    out.no_break_spaces_join = a.no_break_spaces_join || b.no_break_spaces_join;
    const std::size_t joined = std::size_t{a.head_length} + b.head_length;
    std::array<std::byte, 6> run{};
    std::copy_n(a.head.begin(), a.head_length, run.begin());
    std::copy_n(b.head.begin(), b.head_length, run.begin() + a.head_length);
    out.head_length = static_cast<std::uint8_t>(std::min<std::size_t>(joined, 3));
    std::copy_n(run.begin(), 3, out.head.begin());
    out.has_body = b.has_body || joined > 3;
    return out;
  }
  Summary out;
  out.has_body = true;
  out.no_break_spaces_join = a.no_break_spaces_join || b.no_break_spaces_join;
  out.head = a.head;
  out.head_length = a.head_length;
  Summary seam;  // the character a's tail begins, if b's head ends it
  if (a.tail_length > 0) {
    std::array<unsigned char, 6> bytes{};
    std::memcpy(bytes.data(), a.tail.data(), a.tail_length);
    std::memcpy(bytes.data() + a.tail_length, b.head.data(), b.head_length);
    const std::size_t have = std::size_t{a.tail_length} + b.head_length;
    if (have >= detail::sequence_length(bytes[0])) {
      seam = one_character(
          detail::utf8_class(detail::unicode_classes(!out.no_break_spaces_join), bytes.data(), have));
    } else if (!b.has_body && detail::is_valid_prefix(bytes.data(), have)) {
      // Still cut short: b was nothing but these continuation bytes; the next piece may end it.
      out.tail_length = static_cast<std::uint8_t>(have);
      std::memcpy(out.tail.data(), bytes.data(), have);
    }
    // Otherwise the byte after b's head is not a continuation byte: an invalid sequence, neither.
  }
  if (b.has_body) {
    out.tail = b.tail;
    out.tail_length = b.tail_length;
  }
  Summary words;
  join_words(words, a, seam);
  join_words(out, words, b);
  return out;
}

// ---- TextCounter ------------------------------------------------------------------------------

TextCounter::Summary TextCounter::summarize(std::span<const std::byte> data) const noexcept {
  Summary out;
  out.bytes = data.size();
  if (lines_) out.lines = count_lines(data);
  if (words_) out.words = word_counter_.summarize(data);
  if (characters_) out.characters = char_counter_.summarize(data);
  return out;
}

TextCounter::Summary TextCounter::zeros(std::uint64_t length) const noexcept {
  Summary out;
  out.bytes = length;
  out.words = word_counter_.zeros(length);
  if (characters_) out.characters = char_counter_.zeros(length);
  return out;
}

TextCounter::Summary TextCounter::then(const Summary& a, const Summary& b) const noexcept {
  Summary out;
  out.lines = a.lines + b.lines;
  out.bytes = a.bytes + b.bytes;
  out.words = WordCounter::then(a.words, b.words);
  if (characters_) out.characters = char_counter_.then(a.characters, b.characters);
  return out;
}

// ---- LineMatcher ------------------------------------------------------------------------------

namespace {

constexpr std::byte newline{'\n'};
constexpr std::byte nul{0};

}  // namespace

LineMatcher::LineMatcher(std::span<const std::byte> patterns) {
  if (std::find(patterns.begin(), patterns.end(), nul) != patterns.end()) {
    throw Error("grep", "pattern", EINVAL, "a pattern may not contain a NUL byte (NUL ends lines)");
  }
  // grep -F: each line of the argument is a pattern of its own, an empty one included.
  std::size_t start = 0;
  while (true) {
    const auto end = std::find(patterns.begin() + static_cast<std::ptrdiff_t>(start), patterns.end(), newline);
    const auto stop = static_cast<std::size_t>(end - patterns.begin());
    const auto one = patterns.subspan(start, stop - start);
    if (one.size() > max_pattern) {
      throw Error("grep", std::string(reinterpret_cast<const char*>(one.data()), 40) + "...", EINVAL,
                  fmt::format("fixed-string patterns are limited to {} bytes", max_pattern));
    }
    patterns_.emplace_back(one.begin(), one.end());
    longest_ = std::max(longest_, one.size());
    if (end == patterns.end()) break;
    start = stop + 1;
  }
}

bool LineMatcher::any_empty() const noexcept {
  return std::any_of(patterns_.begin(), patterns_.end(), [](const auto& p) { return p.empty(); });
}

std::pair<std::size_t, std::size_t> LineMatcher::first_match(std::span<const std::byte> data, std::size_t from,
                                                             std::vector<std::size_t>& next) const noexcept {
  std::size_t best = not_found;
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    // A cached occurrence before `from` lies in a line already counted: look again from here.
    if (next[i] != not_found && next[i] < from) next[i] = find(data, patterns_[i], from);
    if (next[i] < best) {
      best = next[i];
      best_length = patterns_[i].size();
    }
  }
  return {best, best_length};
}

LineMatcher::Summary LineMatcher::summarize(std::span<const std::byte> data) const noexcept {
  Summary s;
  const std::size_t n = data.size();
  s.length = n;
  const std::size_t keep = longest_ == 0 ? 0 : std::min(longest_ - 1, n);
  s.head_length = static_cast<std::uint16_t>(keep);
  s.tail_length = static_cast<std::uint16_t>(keep);
  std::copy_n(data.begin(), keep, s.head.begin());
  std::copy_n(data.end() - static_cast<std::ptrdiff_t>(keep), keep, s.tail.begin());

  const std::size_t first_end = find_either(data, newline, nul);
  s.has_end = first_end != not_found;
  // Several patterns keep each one's next occurrence; the common single pattern goes straight to
  // find(), which keeps a match on every line as fast as before there were several.
  const bool single = patterns_.size() == 1;
  std::vector<std::size_t> next;
  if (!single && n > 0) {
    for (const auto& pattern : patterns_) next.push_back(find(data, pattern, 0));
  }
  std::size_t pos = 0;
  while (pos < n) {  // an empty open line at the end is no line (yet)
    const auto [at, length] = single ? std::pair{find(data, patterns_.front(), pos), patterns_.front().size()}
                                     : first_match(data, pos, next);
    if (at == not_found) break;
    ++s.matched;
    if (at <= first_end) s.first_matched = true;  // first_end == not_found counts as "no end yet"
    const std::size_t end = find_either(data, newline, nul, at + length);
    if (end == not_found) {
      s.open_matched = true;
      break;
    }
    pos = end + 1;
  }
  return s;
}

LineMatcher::Summary LineMatcher::zeros(std::uint64_t length) const noexcept {
  Summary s;
  if (length == 0) return s;
  s.length = length;
  s.has_end = true;  // every NUL ends a line
  const std::size_t keep = longest_ == 0 ? 0 : static_cast<std::size_t>(std::min<std::uint64_t>(longest_ - 1, length));
  s.head_length = s.tail_length = static_cast<std::uint16_t>(keep);
  if (any_empty()) {
    // An empty pattern matches every line: each NUL ends one (the first ends the open line before).
    s.matched = length;
    s.first_matched = true;
  }
  return s;
}

LineMatcher::Summary LineMatcher::then(const Summary& a, const Summary& b) const noexcept {
  if (a.length == 0) return b;
  if (b.length == 0) return a;
  // A match that straddles the seam: its start in a's tail, its end in b's head. The pattern holds
  // no line end, so such a match lies in the line that joins a's open line to b's first line.
  // Each pattern is looked for in its own window, its length - 1 bytes either side of the seam, so
  // that a shorter pattern lying wholly inside a's tail or b's head is not taken for one that
  // straddles.
  bool straddles = false;
  if (longest_ >= 2) {
    std::array<std::byte, 2 * (max_pattern - 1)> seam;
    std::copy_n(a.tail.begin(), a.tail_length, seam.begin());
    std::copy_n(b.head.begin(), b.head_length, seam.begin() + a.tail_length);
    for (const auto& pattern : patterns_) {
      if (pattern.size() < 2) continue;
      const std::size_t before = std::min<std::size_t>(a.tail_length, pattern.size() - 1);
      const std::size_t after = std::min<std::size_t>(b.head_length, pattern.size() - 1);
      const std::span<const std::byte> window(seam.data() + (a.tail_length - before), before + after);
      if (find(window, pattern) != not_found) {
        straddles = true;
        break;
      }
    }
  }
  Summary out;
  out.length = a.length + b.length;
  out.has_end = a.has_end || b.has_end;
  out.matched = a.matched + b.matched;
  if (a.open_matched && b.first_matched) --out.matched;  // the joined line was counted twice
  if (straddles && !a.open_matched && !b.first_matched) ++out.matched;
  const bool joined_line_matched = a.open_matched || b.first_matched || straddles;
  out.first_matched = a.has_end ? a.first_matched : joined_line_matched;
  out.open_matched = b.has_end ? b.open_matched : joined_line_matched;

  const std::size_t keep = longest_ == 0 ? 0 : longest_ - 1;
  // head: the first `keep` bytes of a then b; tail: the last `keep` bytes of a then b.
  Summary& o = out;
  std::size_t h = std::min<std::size_t>(a.head_length, keep);
  std::copy_n(a.head.begin(), h, o.head.begin());
  const std::size_t from_b = std::min<std::size_t>(keep - h, b.head_length);
  std::copy_n(b.head.begin(), from_b, o.head.begin() + static_cast<std::ptrdiff_t>(h));
  o.head_length = static_cast<std::uint16_t>(h + from_b);
  const std::size_t from_b_tail = std::min<std::size_t>(b.tail_length, keep);
  const std::size_t from_a_tail = std::min<std::size_t>(keep - from_b_tail, a.tail_length);
  std::copy_n(a.tail.begin() + (a.tail_length - from_a_tail), from_a_tail, o.tail.begin());
  std::copy_n(b.tail.begin() + (b.tail_length - from_b_tail), from_b_tail,
              o.tail.begin() + static_cast<std::ptrdiff_t>(from_a_tail));
  o.tail_length = static_cast<std::uint16_t>(from_a_tail + from_b_tail);
  return out;
}

}  // namespace mapio

// Run-time choice of the scanning kernels, and the piecewise counters built on them.
#include "mapio/scan.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "mapio/error.hpp"
#include "scan_kernels.hpp"

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
  const std::size_t at = kernels().find_pattern(data.data() + from, data.size() - from, pattern.data(), pattern.size());
  return at == not_found ? not_found : from + at;
}

const char* scan_kernel_name() noexcept { return kernels().name; }

// ---- WordCounter ------------------------------------------------------------------------------

WordCounter::Summary WordCounter::summarize(std::span<const std::byte> data) const noexcept {
  return kernels().words(data.data(), data.size());
}

WordCounter::Summary WordCounter::then(const Summary& a, const Summary& b) noexcept {
  Summary out;
  // A word open at the end of `a` continues into `b` when `b` starts (ignoring transparent bytes)
  // with a word byte: `b` counted that as a start, so take it back.
  out.words = a.words + b.words - ((a.ends_in_word && b.first == First::word_byte) ? 1 : 0);
  out.first = a.first != First::none ? a.first : b.first;
  out.ends_in_word = b.first != First::none ? b.ends_in_word : a.ends_in_word;
  return out;
}

// ---- TextCounter ------------------------------------------------------------------------------

TextCounter::Summary TextCounter::summarize(std::span<const std::byte> data) const noexcept {
  Summary out;
  out.bytes = data.size();
  if (lines_) out.lines = count_lines(data);
  if (words_) out.words = kernels().words(data.data(), data.size());
  return out;
}

TextCounter::Summary TextCounter::zeros(std::uint64_t length) const noexcept {
  Summary out;
  out.bytes = length;
  return out;
}

TextCounter::Summary TextCounter::then(const Summary& a, const Summary& b) noexcept {
  Summary out;
  out.lines = a.lines + b.lines;
  out.bytes = a.bytes + b.bytes;
  out.words = WordCounter::then(a.words, b.words);
  return out;
}

// ---- LineMatcher ------------------------------------------------------------------------------

namespace {

constexpr std::byte newline{'\n'};
constexpr std::byte nul{0};

}  // namespace

LineMatcher::LineMatcher(std::span<const std::byte> pattern) {
  if (pattern.size() > max_pattern) {
    throw Error("grep", std::string(reinterpret_cast<const char*>(pattern.data()), 40) + "...", EINVAL,
                "fixed-string patterns are limited to 1024 bytes");
  }
  if (std::find(pattern.begin(), pattern.end(), newline) != pattern.end()) {
    throw Error("grep", "pattern", EINVAL, "a pattern may not contain a newline (one pattern per run)");
  }
  if (std::find(pattern.begin(), pattern.end(), nul) != pattern.end()) {
    throw Error("grep", "pattern", EINVAL, "a pattern may not contain a NUL byte (NUL ends lines)");
  }
  std::copy(pattern.begin(), pattern.end(), pattern_.begin());
  length_ = pattern.size();
}

LineMatcher::Summary LineMatcher::summarize(std::span<const std::byte> data) const noexcept {
  Summary s;
  const std::size_t n = data.size();
  s.length = n;
  const std::size_t keep = length_ == 0 ? 0 : std::min(length_ - 1, n);
  s.head_length = static_cast<std::uint16_t>(keep);
  s.tail_length = static_cast<std::uint16_t>(keep);
  std::copy_n(data.begin(), keep, s.head.begin());
  std::copy_n(data.end() - static_cast<std::ptrdiff_t>(keep), keep, s.tail.begin());

  const std::span<const std::byte> pattern(pattern_.data(), length_);
  const std::size_t first_end = find_either(data, newline, nul);
  s.has_end = first_end != not_found;
  std::size_t pos = 0;
  while (pos < n) {  // an empty open line at the end is no line (yet)
    const std::size_t at = find(data, pattern, pos);
    if (at == not_found) break;
    ++s.matched;
    if (at <= first_end) s.first_matched = true;  // first_end == not_found counts as "no end yet"
    const std::size_t end = find_either(data, newline, nul, at + length_);
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
  const std::size_t keep = length_ == 0 ? 0 : static_cast<std::size_t>(std::min<std::uint64_t>(length_ - 1, length));
  s.head_length = s.tail_length = static_cast<std::uint16_t>(keep);
  if (length_ == 0) {
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
  bool straddles = false;
  if (length_ >= 2) {
    std::array<std::byte, 2 * (max_pattern - 1)> seam;
    std::copy_n(a.tail.begin(), a.tail_length, seam.begin());
    std::copy_n(b.head.begin(), b.head_length, seam.begin() + a.tail_length);
    const std::span<const std::byte> joined(seam.data(), std::size_t{a.tail_length} + b.head_length);
    straddles = find(joined, std::span<const std::byte>(pattern_.data(), length_)) != not_found;
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

  const std::size_t keep = length_ == 0 ? 0 : length_ - 1;
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

// Portable scanning kernels: plain C++ the compiler may vectorise with the baseline ISA, and glibc's
// memchr/memmem (themselves tuned per CPU). The floor every machine gets.
#include <cstring>

#include "scan/scan_kernels.hpp"

namespace mapio::detail {
namespace {

std::uint64_t count_byte(const std::byte* data, std::size_t size, std::byte value) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  const auto v = static_cast<unsigned char>(value);
  std::uint64_t total = 0;
  // Byte-wide counters in blocks of at most 255 iterations let the compiler keep them in vectors.
  std::size_t i = 0;
  while (i < size) {
    const std::size_t block = std::min<std::size_t>(size - i, 255 * 16);
    unsigned char lanes[16] = {};
    std::size_t j = 0;
    for (; j + 16 <= block; j += 16) {
      for (std::size_t k = 0; k < 16; ++k) lanes[k] = static_cast<unsigned char>(lanes[k] + (p[i + j + k] == v));
    }
    for (std::size_t k = 0; k < 16; ++k) total += lanes[k];
    for (; j < block; ++j) total += p[i + j] == v;
    i += block;
  }
  return total;
}

std::size_t find_either(const std::byte* data, std::size_t size, std::byte a, std::byte b) {
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == a || data[i] == b) return i;
  }
  return not_found;
}

// One pattern and no NUL to watch for is what the C library's memmem does well; else position by
// position.
std::size_t find_set(const std::byte* data, std::size_t size, const PatternProbe* probes, std::size_t count,
                     std::size_t /*reach*/, bool stop_at_nul) {
  if (count == 1 && !stop_at_nul) {
    const void* hit = ::memmem(data, size, probes[0].bytes, probes[0].length);
    return hit == nullptr ? not_found : static_cast<std::size_t>(static_cast<const std::byte*>(hit) - data);
  }
  return find_set_scalar(data, size, 0, probes, count, stop_at_nul);
}

struct ByteClasses {
  bool word[256];
  bool space[256];
};
constexpr ByteClasses make_classes() {
  ByteClasses c{};
  for (unsigned i = 0; i < 256; ++i) {
    c.word[i] = is_word_byte(static_cast<unsigned char>(i));
    c.space[i] = is_space_byte(static_cast<unsigned char>(i));
  }
  return c;
}
constexpr ByteClasses classes = make_classes();

// The C classes of the `n` (at most 64) bytes at `p`, one bit per byte.
struct BlockMasks {
  std::uint64_t word = 0;
  std::uint64_t space = 0;
};
BlockMasks c_classes(const unsigned char* p, std::size_t n) {
  BlockMasks m;
  for (std::size_t k = 0; k < n; ++k) {
    m.word |= static_cast<std::uint64_t>(classes.word[p[k]]) << k;
    m.space |= static_cast<std::uint64_t>(classes.space[p[k]]) << k;
  }
  return m;
}

WordCounter::Summary words(const std::byte* data, std::size_t size) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  WordBlockState state;
  for (std::size_t i = 0; i < size; i += 64) {
    const BlockMasks m = c_classes(p + i, std::min<std::size_t>(64, size - i));
    state.add(m.word, m.space);  // missing bytes of a short block are transparent: state carries over
  }
  return state.summary();
}

// Whether any of the `n` bytes at `p` is >= 0x80, eight at a time.
bool has_high_byte(const unsigned char* p, std::size_t n) {
  std::uint64_t any = 0;
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    std::uint64_t eight;
    std::memcpy(&eight, p + k, 8);
    any |= eight;
  }
  for (; k < n; ++k) any |= p[k];
  return (any & 0x8080808080808080) != 0;
}

// The C classes for every byte (bytes >= 0x80 are neither), then the characters at the lead bytes of
// blocks that hold any byte >= 0x80.
WordCounter::Summary words_utf8(const std::byte* data, std::size_t size, const std::uint8_t* table) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  WordBlockState state;
  for (std::size_t i = 0; i < size; i += 64) {
    const std::size_t n = std::min<std::size_t>(64, size - i);
    auto [word, space] = c_classes(p + i, n);
    if (has_high_byte(p + i, n)) {
      std::uint64_t leads = 0;
      for (std::size_t k = 0; k < n; ++k) leads |= static_cast<std::uint64_t>(p[i + k] >= 0xc0) << k;
      const CharMarks marks = utf8_marks(data, size, i, leads, table);
      word |= marks.word;
      space |= marks.space;
    }
    state.add(word, space);
  }
  return state.summary();
}

constexpr ScanKernels kernels{"portable", count_byte, find_either, find_set, words, words_utf8};

}  // namespace

const ScanKernels& portable_kernels() noexcept { return kernels; }

}  // namespace mapio::detail

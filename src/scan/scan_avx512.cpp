// AVX-512BW scanning kernels (64 bytes per compare, results straight into 64-bit masks). Each
// function carries its target attribute; scan.cpp calls them only where the CPU has AVX-512BW.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "scan/scan_kernels.hpp"

namespace mapio::detail {
namespace {

#define MAPIO_AVX512 __attribute__((target("avx512f,avx512bw,popcnt,bmi,bmi2")))

MAPIO_AVX512 inline __m512i load(const std::byte* p) { return _mm512_loadu_si512(p); }

MAPIO_AVX512 inline std::uint64_t popcount(std::uint64_t mask) {
  return static_cast<std::uint64_t>(_mm_popcnt_u64(mask));
}

MAPIO_AVX512 std::uint64_t count_byte(const std::byte* data, std::size_t size, std::byte value) {
  const __m512i needle = _mm512_set1_epi8(static_cast<char>(value));
  std::uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  std::size_t i = 0;
  for (; i + 256 <= size; i += 256) {
    t0 += popcount(_mm512_cmpeq_epi8_mask(load(data + i), needle));
    t1 += popcount(_mm512_cmpeq_epi8_mask(load(data + i + 64), needle));
    t2 += popcount(_mm512_cmpeq_epi8_mask(load(data + i + 128), needle));
    t3 += popcount(_mm512_cmpeq_epi8_mask(load(data + i + 192), needle));
  }
  std::uint64_t total = t0 + t1 + t2 + t3;
  for (; i + 64 <= size; i += 64) total += popcount(_mm512_cmpeq_epi8_mask(load(data + i), needle));
  if (i < size) {
    const __mmask64 live = _bzhi_u64(~std::uint64_t{0}, static_cast<unsigned>(size - i));
    total += popcount(_mm512_mask_cmpeq_epi8_mask(live, _mm512_maskz_loadu_epi8(live, data + i), needle));
  }
  return total;
}

MAPIO_AVX512 std::size_t find_either(const std::byte* data, std::size_t size, std::byte a, std::byte b) {
  const __m512i va = _mm512_set1_epi8(static_cast<char>(a));
  const __m512i vb = _mm512_set1_epi8(static_cast<char>(b));
  std::size_t i = 0;
  for (; i + 64 <= size; i += 64) {
    const __m512i x = load(data + i);
    const std::uint64_t hits = _mm512_cmpeq_epi8_mask(x, va) | _mm512_cmpeq_epi8_mask(x, vb);
    if (hits != 0) return i + static_cast<std::size_t>(__builtin_ctzll(hits));
  }
  if (i < size) {
    const __mmask64 live = _bzhi_u64(~std::uint64_t{0}, static_cast<unsigned>(size - i));
    const __m512i x = _mm512_maskz_loadu_epi8(live, data + i);
    const std::uint64_t hits =
        _mm512_mask_cmpeq_epi8_mask(live, x, va) | _mm512_mask_cmpeq_epi8_mask(live, x, vb);
    if (hits != 0) return i + static_cast<std::size_t>(__builtin_ctzll(hits));
  }
  return not_found;
}

MAPIO_AVX512 std::size_t find_pattern(const std::byte* data, std::size_t size, const std::byte* pattern,
                                      std::size_t length) {
  if (length > size) return not_found;
  const __m512i first = _mm512_set1_epi8(static_cast<char>(pattern[0]));
  const __m512i last = _mm512_set1_epi8(static_cast<char>(pattern[length - 1]));
  std::size_t i = 0;
  for (; i + length - 1 + 64 <= size; i += 64) {
    std::uint64_t candidates =
        _mm512_cmpeq_epi8_mask(load(data + i), first) & _mm512_cmpeq_epi8_mask(load(data + i + length - 1), last);
    while (candidates != 0) {
      const auto bit = static_cast<std::size_t>(__builtin_ctzll(candidates));
      if (std::memcmp(data + i + bit + 1, pattern + 1, length - 2) == 0) return i + bit;
      candidates &= candidates - 1;
    }
  }
  const void* hit = ::memmem(data + i, size - i, pattern, length);
  return hit == nullptr ? not_found : static_cast<std::size_t>(static_cast<const std::byte*>(hit) - data);
}

MAPIO_AVX512 inline void classify(__m512i c, std::uint64_t& word, std::uint64_t& space) {
  word = _mm512_cmpgt_epi8_mask(c, _mm512_set1_epi8(0x20)) & _mm512_cmplt_epi8_mask(c, _mm512_set1_epi8(0x7f));
  const __m512i shifted = _mm512_sub_epi8(c, _mm512_set1_epi8('\t'));  // \t..\r -> 0..4
  space = _mm512_cmple_epu8_mask(shifted, _mm512_set1_epi8(4)) | _mm512_cmpeq_epi8_mask(c, _mm512_set1_epi8(' '));
}

MAPIO_AVX512 WordCounter::Summary words(const std::byte* data, std::size_t size) {
  WordBlockState state;
  std::size_t i = 0;
  std::uint64_t word, space;
  for (; i + 64 <= size; i += 64) {
    classify(load(data + i), word, space);
    state.add(word, space);
  }
  if (i < size) {
    // Bytes past the end load as NUL, which is transparent.
    const __mmask64 live = _bzhi_u64(~std::uint64_t{0}, static_cast<unsigned>(size - i));
    classify(_mm512_maskz_loadu_epi8(live, data + i), word, space);
    state.add(word, space);
  }
  return state.summary();
}

// Lead bytes of UTF-8 sequences (and of invalid ones): 0xc0–0xff, the signed bytes -64..-1.
MAPIO_AVX512 inline std::uint64_t lead_mask(__m512i c) {
  return _mm512_cmpgt_epi8_mask(c, _mm512_set1_epi8(-65)) & _mm512_movepi8_mask(c);
}

// A block with bytes >= 0x80: the C classes, then the characters at its lead bytes.
MAPIO_AVX512 inline void add_utf8_block(WordBlockState& state, const std::byte* data, std::size_t size,
                                        std::size_t at, __m512i c, const std::uint8_t* table) {
  std::uint64_t word, space;
  classify(c, word, space);
  const CharMarks marks = utf8_marks(data, size, at, lead_mask(c), table);
  state.add(word | marks.word, space | marks.space);
}

// As words(), and where a block holds a byte >= 0x80 (its sign bit), the characters at its lead
// bytes are decoded and marked: a block of ASCII costs one vpmovb2m and a test more. (Testing two
// blocks at once, as the AVX2 kernel does, measured slower here.)
MAPIO_AVX512 WordCounter::Summary words_utf8(const std::byte* data, std::size_t size, const std::uint8_t* table) {
  WordBlockState state;
  std::size_t i = 0;
  std::uint64_t word, space;
  for (; i + 64 <= size; i += 64) {
    const __m512i c = load(data + i);
    classify(c, word, space);
    if (_mm512_movepi8_mask(c) != 0) {
      const CharMarks marks = utf8_marks(data, size, i, lead_mask(c), table);
      word |= marks.word;
      space |= marks.space;
    }
    state.add(word, space);
  }
  if (i < size) {
    const __mmask64 live = _bzhi_u64(~std::uint64_t{0}, static_cast<unsigned>(size - i));
    add_utf8_block(state, data, size, i, _mm512_maskz_loadu_epi8(live, data + i), table);
  }
  return state.summary();
}

#undef MAPIO_AVX512

constexpr ScanKernels kernels{"avx512", count_byte, find_either, find_pattern, words, words_utf8};

}  // namespace

const ScanKernels* avx512_kernels() noexcept { return &kernels; }

}  // namespace mapio::detail

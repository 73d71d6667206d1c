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

// Each probe compares two bytes of its pattern (its rarest) at 64 positions at once; the NUL
// compare, when asked, joins the same mask, so the data is read once for both. Positions whose
// mask bit is set are verified out of line (first_stop), which keeps the loop's registers its own.
// N (the number of patterns) and Nul are template arguments: the loop over the probes unrolls and
// the NUL compare is left out where it is not needed.
template <std::size_t N, bool Nul>
MAPIO_AVX512 inline std::uint64_t block_hits(const std::byte* p, const __m512i* want_a, const __m512i* want_b,
                                             const std::size_t* at_a, const std::size_t* at_b) {
  std::uint64_t hits = 0;
  if constexpr (Nul) {
    const __m512i x = load(p);
    hits = _mm512_testn_epi8_mask(x, x);
  }
#pragma GCC unroll 8
  for (std::size_t k = 0; k < N; ++k) {
    const __mmask64 a = _mm512_cmpeq_epi8_mask(load(p + at_a[k]), want_a[k]);
    hits |= _mm512_mask_cmpeq_epi8_mask(a, load(p + at_b[k]), want_b[k]);
  }
  return hits;
}

template <std::size_t N, bool Nul>
MAPIO_AVX512 std::size_t find_set_blocks(const std::byte* data, std::size_t size, const PatternProbe* probes,
                                         std::size_t reach) {
  __m512i want_a[N];
  __m512i want_b[N];
  std::size_t at_a[N];
  std::size_t at_b[N];
  for (std::size_t k = 0; k < N; ++k) {
    want_a[k] = _mm512_set1_epi8(static_cast<char>(probes[k].bytes[probes[k].at_a]));
    want_b[k] = _mm512_set1_epi8(static_cast<char>(probes[k].bytes[probes[k].at_b]));
    at_a[k] = probes[k].at_a;
    at_b[k] = probes[k].at_b;
  }
  std::size_t i = 0;
  // Two blocks per test: one branch per 128 bytes where nothing is found.
  for (; size >= reach + 128 && i <= size - reach - 128; i += 128) {
    const std::uint64_t h0 = block_hits<N, Nul>(data + i, want_a, want_b, at_a, at_b);
    const std::uint64_t h1 = block_hits<N, Nul>(data + i + 64, want_a, want_b, at_a, at_b);
    if ((h0 | h1) == 0) continue;
    std::size_t at = first_stop(data, size, i, h0, probes, N, Nul);
    if (at == not_found) at = first_stop(data, size, i + 64, h1, probes, N, Nul);
    if (at != not_found) return at;
  }
  if (size >= reach + 64 && i <= size - reach - 64) {
    const std::uint64_t h = block_hits<N, Nul>(data + i, want_a, want_b, at_a, at_b);
    const std::size_t at = h == 0 ? not_found : first_stop(data, size, i, h, probes, N, Nul);
    if (at != not_found) return at;
    i += 64;
  }
  return find_set_scalar(data, size, i, probes, N, Nul);
}

template <bool Nul>
MAPIO_AVX512 std::size_t find_set_of(const std::byte* data, std::size_t size, const PatternProbe* probes,
                                     std::size_t count, std::size_t reach) {
  switch (count) {
    case 1: return find_set_blocks<1, Nul>(data, size, probes, reach);
    case 2: return find_set_blocks<2, Nul>(data, size, probes, reach);
    case 3: return find_set_blocks<3, Nul>(data, size, probes, reach);
    case 4: return find_set_blocks<4, Nul>(data, size, probes, reach);
    case 5: return find_set_blocks<5, Nul>(data, size, probes, reach);
    case 6: return find_set_blocks<6, Nul>(data, size, probes, reach);
    case 7: return find_set_blocks<7, Nul>(data, size, probes, reach);
    default: return find_set_blocks<PatternSet::max_patterns, Nul>(data, size, probes, reach);
  }
}

MAPIO_AVX512 std::size_t find_set(const std::byte* data, std::size_t size, const PatternProbe* probes,
                                  std::size_t count, std::size_t reach, bool stop_at_nul) {
  return stop_at_nul ? find_set_of<true>(data, size, probes, count, reach)
                     : find_set_of<false>(data, size, probes, count, reach);
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

constexpr ScanKernels kernels{"avx512", count_byte, find_either, find_set, words, words_utf8};

}  // namespace

const ScanKernels* avx512_kernels() noexcept { return &kernels; }

}  // namespace mapio::detail

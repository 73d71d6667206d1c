// AVX2 scanning kernels (32 bytes per compare). Each function carries target("avx2"): the rest of
// the library is built for baseline x86-64, and scan.cpp calls these only on CPUs that have AVX2.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "scan/scan_kernels.hpp"

namespace mapio::detail {
namespace {

#define MAPIO_AVX2 __attribute__((target("avx2,popcnt,bmi")))

MAPIO_AVX2 inline __m256i load(const std::byte* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

MAPIO_AVX2 inline std::uint32_t mask_of(__m256i v) {
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(v));
}

MAPIO_AVX2 std::uint64_t count_byte(const std::byte* data, std::size_t size, std::byte value) {
  const __m256i needle = _mm256_set1_epi8(static_cast<char>(value));
  const __m256i zero = _mm256_setzero_si256();
  __m256i sums = zero;  // four 64-bit lanes
  std::size_t i = 0;
  // Four byte-wide accumulators, each gaining at most 1 per 128-byte step: 255 steps before they
  // must be folded into the 64-bit sums (psadbw).
  while (size - i >= 128) {
    const std::size_t steps = std::min<std::size_t>((size - i) / 128, 255);
    __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (std::size_t s = 0; s < steps; ++s, i += 128) {
      a0 = _mm256_sub_epi8(a0, _mm256_cmpeq_epi8(load(data + i), needle));
      a1 = _mm256_sub_epi8(a1, _mm256_cmpeq_epi8(load(data + i + 32), needle));
      a2 = _mm256_sub_epi8(a2, _mm256_cmpeq_epi8(load(data + i + 64), needle));
      a3 = _mm256_sub_epi8(a3, _mm256_cmpeq_epi8(load(data + i + 96), needle));
    }
    sums = _mm256_add_epi64(sums, _mm256_sad_epu8(a0, zero));
    sums = _mm256_add_epi64(sums, _mm256_sad_epu8(a1, zero));
    sums = _mm256_add_epi64(sums, _mm256_sad_epu8(a2, zero));
    sums = _mm256_add_epi64(sums, _mm256_sad_epu8(a3, zero));
  }
  std::uint64_t total = static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 0)) +
                        static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 1)) +
                        static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 2)) +
                        static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 3));
  for (; i + 32 <= size; i += 32) {
    total += static_cast<std::uint64_t>(_mm_popcnt_u32(mask_of(_mm256_cmpeq_epi8(load(data + i), needle))));
  }
  for (; i < size; ++i) total += data[i] == value;
  return total;
}

MAPIO_AVX2 std::size_t find_either(const std::byte* data, std::size_t size, std::byte a, std::byte b) {
  const __m256i va = _mm256_set1_epi8(static_cast<char>(a));
  const __m256i vb = _mm256_set1_epi8(static_cast<char>(b));
  std::size_t i = 0;
  for (; i + 64 <= size; i += 64) {
    const __m256i x = load(data + i);
    const __m256i y = load(data + i + 32);
    const __m256i hx = _mm256_or_si256(_mm256_cmpeq_epi8(x, va), _mm256_cmpeq_epi8(x, vb));
    const __m256i hy = _mm256_or_si256(_mm256_cmpeq_epi8(y, va), _mm256_cmpeq_epi8(y, vb));
    const std::uint64_t hits = mask_of(hx) | (static_cast<std::uint64_t>(mask_of(hy)) << 32);
    if (hits != 0) return i + static_cast<std::size_t>(__builtin_ctzll(hits));
  }
  for (; i < size; ++i) {
    if (data[i] == a || data[i] == b) return i;
  }
  return not_found;
}

// As the AVX-512 set search (scan_avx512.cpp), 32 positions to a compare: two bytes of each
// pattern, a NUL compare in the same mask when asked, candidates verified out of line.
template <std::size_t N, bool Nul>
MAPIO_AVX2 inline std::uint32_t block_hits(const std::byte* p, const __m256i* want_a, const __m256i* want_b,
                                           const std::size_t* at_a, const std::size_t* at_b) {
  __m256i hit = _mm256_setzero_si256();
  if constexpr (Nul) hit = _mm256_cmpeq_epi8(load(p), _mm256_setzero_si256());
#pragma GCC unroll 8
  for (std::size_t k = 0; k < N; ++k) {
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(load(p + at_a[k]), want_a[k]),
                                                _mm256_cmpeq_epi8(load(p + at_b[k]), want_b[k])));
  }
  return mask_of(hit);
}

template <std::size_t N, bool Nul>
MAPIO_AVX2 std::size_t find_set_blocks(const std::byte* data, std::size_t size, const PatternProbe* probes,
                                       std::size_t reach) {
  __m256i want_a[N];
  __m256i want_b[N];
  std::size_t at_a[N];
  std::size_t at_b[N];
  for (std::size_t k = 0; k < N; ++k) {
    want_a[k] = _mm256_set1_epi8(static_cast<char>(probes[k].bytes[probes[k].at_a]));
    want_b[k] = _mm256_set1_epi8(static_cast<char>(probes[k].bytes[probes[k].at_b]));
    at_a[k] = probes[k].at_a;
    at_b[k] = probes[k].at_b;
  }
  std::size_t i = 0;
  // Two blocks per test: one branch per 64 bytes where nothing is found.
  for (; size >= reach + 64 && i <= size - reach - 64; i += 64) {
    const std::uint64_t hits = block_hits<N, Nul>(data + i, want_a, want_b, at_a, at_b) |
                               (static_cast<std::uint64_t>(block_hits<N, Nul>(data + i + 32, want_a, want_b, at_a, at_b))
                                << 32);
    if (hits == 0) continue;
    const std::size_t at = first_stop(data, size, i, hits, probes, N, Nul);
    if (at != not_found) return at;
  }
  return find_set_scalar(data, size, i, probes, N, Nul);
}

template <bool Nul>
MAPIO_AVX2 std::size_t find_set_of(const std::byte* data, std::size_t size, const PatternProbe* probes,
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

MAPIO_AVX2 std::size_t find_set(const std::byte* data, std::size_t size, const PatternProbe* probes,
                                std::size_t count, std::size_t reach, bool stop_at_nul) {
  return stop_at_nul ? find_set_of<true>(data, size, probes, count, reach)
                     : find_set_of<false>(data, size, probes, count, reach);
}

MAPIO_AVX2 inline void classify(__m256i c, std::uint32_t& word, std::uint32_t& space) {
  const __m256i is_word = _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(0x20)),
                                           _mm256_cmpgt_epi8(_mm256_set1_epi8(0x7f), c));
  const __m256i shifted = _mm256_sub_epi8(c, _mm256_set1_epi8('\t'));  // \t..\r -> 0..4
  const __m256i is_control_space = _mm256_cmpeq_epi8(_mm256_min_epu8(shifted, _mm256_set1_epi8(4)), shifted);
  const __m256i is_space = _mm256_or_si256(is_control_space, _mm256_cmpeq_epi8(c, _mm256_set1_epi8(' ')));
  word = mask_of(is_word);
  space = mask_of(is_space);
}

MAPIO_AVX2 WordCounter::Summary words(const std::byte* data, std::size_t size) {
  WordBlockState state;
  std::size_t i = 0;
  for (; i + 64 <= size; i += 64) {
    std::uint32_t w0, s0, w1, s1;
    classify(load(data + i), w0, s0);
    classify(load(data + i + 32), w1, s1);
    state.add(w0 | (static_cast<std::uint64_t>(w1) << 32), s0 | (static_cast<std::uint64_t>(s1) << 32));
  }
  if (i < size) {
    // The short last block: padded with NULs, which are transparent.
    alignas(32) std::byte block[64] = {};
    std::memcpy(block, data + i, size - i);
    std::uint32_t w0, s0, w1, s1;
    classify(load(block), w0, s0);
    classify(load(block + 32), w1, s1);
    state.add(w0 | (static_cast<std::uint64_t>(w1) << 32), s0 | (static_cast<std::uint64_t>(s1) << 32));
  }
  return state.summary();
}

// Lead bytes of UTF-8 sequences (and of invalid ones): 0xc0–0xff, the signed bytes -64..-1.
MAPIO_AVX2 inline std::uint32_t lead_mask(__m256i c) {
  return mask_of(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(-65))) & mask_of(c);
}

// A block as words() counts it.
MAPIO_AVX2 inline void add_block(WordBlockState& state, __m256i a, __m256i b) {
  std::uint32_t w0, s0, w1, s1;
  classify(a, w0, s0);
  classify(b, w1, s1);
  state.add(w0 | (static_cast<std::uint64_t>(w1) << 32), s0 | (static_cast<std::uint64_t>(s1) << 32));
}

// A block with bytes >= 0x80: the C classes, then the characters at its lead bytes, decoded from
// `data` (the block may be a padded copy of its last bytes).
MAPIO_AVX2 inline void add_utf8_block(WordBlockState& state, const std::byte* data, std::size_t size, std::size_t at,
                                      const std::uint8_t* table,
                                      __m256i a, __m256i b) {
  std::uint32_t w0, s0, w1, s1;
  classify(a, w0, s0);
  classify(b, w1, s1);
  const std::uint64_t leads = lead_mask(a) | (static_cast<std::uint64_t>(lead_mask(b)) << 32);
  const CharMarks marks = utf8_marks(data, size, at, leads, table);
  state.add(w0 | (static_cast<std::uint64_t>(w1) << 32) | marks.word,
            s0 | (static_cast<std::uint64_t>(s1) << 32) | marks.space);
}

// As words() where two blocks in a row hold no byte >= 0x80 (one test of their sign bits: ASCII
// costs what it costs in the C locale); else block by block, decoding the characters of each.
MAPIO_AVX2 WordCounter::Summary words_utf8(const std::byte* data, std::size_t size, const std::uint8_t* table) {
  WordBlockState state;
  std::size_t i = 0;
  for (; i + 128 <= size; i += 128) {
    const __m256i a = load(data + i);
    const __m256i b = load(data + i + 32);
    const __m256i c = load(data + i + 64);
    const __m256i d = load(data + i + 96);
    if (mask_of(_mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d))) == 0) {
      add_block(state, a, b);
      add_block(state, c, d);
    } else {
      add_utf8_block(state, data, size, i, table, a, b);
      add_utf8_block(state, data, size, i + 64, table, c, d);
    }
  }
  for (; i + 64 <= size; i += 64) add_utf8_block(state, data, size, i, table, load(data + i), load(data + i + 32));
  if (i < size) {
    alignas(32) std::byte block[64] = {};
    std::memcpy(block, data + i, size - i);
    add_utf8_block(state, data, size, i, table, load(block), load(block + 32));
  }
  return state.summary();
}

#undef MAPIO_AVX2

constexpr ScanKernels kernels{"avx2", count_byte, find_either, find_set, words, words_utf8};

}  // namespace

const ScanKernels* avx2_kernels() noexcept { return &kernels; }

}  // namespace mapio::detail

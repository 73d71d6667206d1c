// The scanning kernels against the obvious peers on a resident buffer: std::count (what a
// straightforward C++ line counter does) and a memchr loop (what many tools do), per kernel set.
//   build/<dir>/bench/scan_bench --benchmark_filter=Lines
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "mapio/scan/scan.hpp"
#include "../src/scan/scan_kernels.hpp"

namespace {

const std::vector<std::byte>& text(std::size_t size) {
  static std::vector<std::byte> data;
  if (data.size() != size) {
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> pick(0, 63);
    data.resize(size);
    for (auto& b : data) {
      const int r = pick(rng);
      b = static_cast<std::byte>(r == 0 ? '\n' : r < 10 ? ' ' : 'a' + r % 26);
    }
  }
  return data;
}

// UTF-8 text that is mostly not ASCII: Chinese characters, accented letters, emoji, ASCII words,
// spaces, no-break and ideographic spaces: every 64-byte block needs decoding.
const std::vector<std::byte>& utf8_text(std::size_t size) {
  static std::vector<std::byte> data;
  if (data.size() != size) {
    static const char* const pieces[] = {"\xe4\xb8\xad", "\xe6\x96\x87", "\xe8\xaa\x9e", "\xe5\xad\x97",
                                         "\xc3\xa9",      "\xc3\xbc",      "\xf0\x9f\x98\x80", "ab",
                                         " ",             "\n",            "\xc2\xa0",      "\xe3\x80\x80"};
    std::mt19937 rng(1);
    std::uniform_int_distribution<std::size_t> pick(0, std::size(pieces) - 1);
    data.clear();
    while (data.size() < size) {
      for (const char* c = pieces[pick(rng)]; *c != 0 && data.size() < size; ++c) data.push_back(static_cast<std::byte>(*c));
    }
  }
  return data;
}

void set_bytes(benchmark::State& state, std::size_t size) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}

void LinesStdCount(benchmark::State& state) {
  const auto& d = text(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(std::count(d.begin(), d.end(), std::byte{'\n'}));
  set_bytes(state, d.size());
}

void LinesMemchrLoop(benchmark::State& state) {
  const auto& d = text(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::size_t n = 0;
    const auto* p = d.data();
    const auto* end = p + d.size();
    while (const void* hit = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
      ++n;
      p = static_cast<const std::byte*>(hit) + 1;
    }
    benchmark::DoNotOptimize(n);
  }
  set_bytes(state, d.size());
}

template <const mapio::detail::ScanKernels* (*Set)()>
void LinesKernel(benchmark::State& state) {
  const auto* k = Set();
  const auto& d = text(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(k->count_byte(d.data(), d.size(), std::byte{'\n'}));
  set_bytes(state, d.size());
  state.SetLabel(k->name);
}

template <const mapio::detail::ScanKernels* (*Set)()>
void WordsKernel(benchmark::State& state) {
  const auto* k = Set();
  const auto& d = text(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(k->words(d.data(), d.size()).words);
  set_bytes(state, d.size());
  state.SetLabel(k->name);
}

// The UTF-8 word count: on ASCII text (as fast as words(), is the claim) and on UTF-8 text.
template <const mapio::detail::ScanKernels* (*Set)(), bool Ascii>
void WordsUtf8Kernel(benchmark::State& state) {
  const auto* k = Set();
  const auto& d = Ascii ? text(static_cast<std::size_t>(state.range(0))) : utf8_text(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(k->words_utf8(d.data(), d.size(), mapio::detail::unicode_classes()).words);
  set_bytes(state, d.size());
  state.SetLabel(std::string(k->name) + (Ascii ? ", ASCII text" : ", UTF-8 text"));
}

void GrepKernel(benchmark::State& state) {
  const auto& d = text(static_cast<std::size_t>(state.range(0)));
  const mapio::LineMatcher grep(mapio::as_bytes("zzzq"));
  for (auto _ : state) benchmark::DoNotOptimize(grep.summarize(d).matched);
  set_bytes(state, d.size());
  state.SetLabel(mapio::scan_kernel_name());
}

const mapio::detail::ScanKernels* portable() { return &mapio::detail::portable_kernels(); }
const mapio::detail::ScanKernels* avx2() { return mapio::detail::avx2_kernels(); }
const mapio::detail::ScanKernels* avx512() {
  return __builtin_cpu_supports("avx512bw") ? mapio::detail::avx512_kernels() : mapio::detail::avx2_kernels();
}

constexpr std::int64_t l2 = 256 << 10, big = 64 << 20;
BENCHMARK(LinesStdCount)->Arg(l2)->Arg(big);
BENCHMARK(LinesMemchrLoop)->Arg(l2)->Arg(big);
BENCHMARK(LinesKernel<portable>)->Arg(l2)->Arg(big);
BENCHMARK(LinesKernel<avx2>)->Arg(l2)->Arg(big);
BENCHMARK(LinesKernel<avx512>)->Arg(l2)->Arg(big);
BENCHMARK(WordsKernel<portable>)->Arg(l2);
BENCHMARK(WordsKernel<avx2>)->Arg(l2);
BENCHMARK(WordsKernel<avx512>)->Arg(l2);
BENCHMARK(WordsUtf8Kernel<portable, true>)->Arg(l2);
BENCHMARK(WordsUtf8Kernel<avx2, true>)->Arg(l2);
BENCHMARK(WordsUtf8Kernel<avx512, true>)->Arg(l2);
BENCHMARK(WordsUtf8Kernel<portable, false>)->Arg(l2);
BENCHMARK(WordsUtf8Kernel<avx2, false>)->Arg(l2);
BENCHMARK(WordsUtf8Kernel<avx512, false>)->Arg(l2);
BENCHMARK(GrepKernel)->Arg(l2);

}  // namespace

BENCHMARK_MAIN();

// The scanning kernels against the obvious peers on a resident buffer: std::count (what a
// straightforward C++ line counter does) and a memchr loop (what many tools do), per kernel set.
//   build/<dir>/bench/scan_bench --benchmark_filter=Lines
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "mapio/scan.hpp"
#include "../src/scan_kernels.hpp"

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
BENCHMARK(GrepKernel)->Arg(l2);

}  // namespace

BENCHMARK_MAIN();

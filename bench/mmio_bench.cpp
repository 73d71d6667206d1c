// Register access cost on anonymous memory: a raw volatile pointer, VolatileBus's checked
// read/write (bounds and alignment tested per access), and a typed register of a bound
// RegisterMap (checked once at bind). Each iteration does 64 read-modify-writes of one 32-bit
// register, so the loop is dominated by the accesses. Compare the times as ratios to `raw`.
// The field updates write run-time values the compiler cannot bound, so the checked typed update
// pays its range check (one compare per update) and the unchecked one shows the hot-path spelling.
//
//   build/<dir>/bench/mmio_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <cstddef>
#include <cstdint>

#include <benchmark/benchmark.h>

#include "mapio/core/mapping.hpp"
#include "mapio/mmio/registers.hpp"

namespace {

namespace mmio = mapio::mmio;

struct Counter : mmio::Register<Counter, std::uint32_t, 0x40, mmio::RegisterAccess::read_write> {
  static constexpr field<8, 8> low{"low"};
};
inline constexpr Counter counter{};

constexpr int kAccesses = 64;

void raw(benchmark::State& state) {
  auto memory = mapio::Mapping::anonymous(4096);
  std::byte* base = memory.writable_data();
  benchmark::DoNotOptimize(base);
  for (auto _ : state) {
    auto* reg = reinterpret_cast<volatile std::uint32_t*>(base + 0x40);
    for (int i = 0; i < kAccesses; ++i) *reg = *reg + 1;
  }
  state.SetItemsProcessed(state.iterations() * kAccesses);
}

void bus_checked(benchmark::State& state) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  benchmark::DoNotOptimize(bus);
  std::size_t offset = 0x40;
  benchmark::DoNotOptimize(offset);  // a run-time offset: the checks cannot be folded away
  for (auto _ : state) {
    for (int i = 0; i < kAccesses; ++i) bus.write<std::uint32_t>(offset, bus.read<std::uint32_t>(offset) + 1);
  }
  state.SetItemsProcessed(state.iterations() * kAccesses);
}

void typed_register(benchmark::State& state) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  mmio::RegisterMap<mmio::VolatileBus, Counter> map(bus);
  benchmark::DoNotOptimize(map);
  for (auto _ : state) {
    auto reg = map[counter];
    for (int i = 0; i < kAccesses; ++i) reg.write(reg.read() + 1);
  }
  state.SetItemsProcessed(state.iterations() * kAccesses);
}

// The field updates loop to an opaque bound, so the values written are not known to fit.
std::uint32_t opaque_count() {
  std::uint32_t count = kAccesses;
  benchmark::DoNotOptimize(count);
  return count;
}

void typed_modify_field(benchmark::State& state) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  mmio::RegisterMap<mmio::VolatileBus, Counter> map(bus);
  benchmark::DoNotOptimize(map);
  const std::uint32_t count = opaque_count();
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < count; ++i) map[counter].modify(Counter::low(i));
  }
  state.SetItemsProcessed(state.iterations() * kAccesses);
}

void typed_modify_field_unchecked(benchmark::State& state) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  mmio::RegisterMap<mmio::VolatileBus, Counter> map(bus);
  benchmark::DoNotOptimize(map);
  const std::uint32_t count = opaque_count();
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < count; ++i) map[counter].modify(Counter::low.unchecked(i));
  }
  state.SetItemsProcessed(state.iterations() * kAccesses);
}

void raw_modify_field(benchmark::State& state) {
  auto memory = mapio::Mapping::anonymous(4096);
  std::byte* base = memory.writable_data();
  benchmark::DoNotOptimize(base);
  const std::uint32_t count = opaque_count();
  for (auto _ : state) {
    auto* reg = reinterpret_cast<volatile std::uint32_t*>(base + 0x40);
    for (std::uint32_t i = 0; i < count; ++i) *reg = (*reg & ~0xff00u) | ((i << 8) & 0xff00u);
  }
  state.SetItemsProcessed(state.iterations() * kAccesses);
}

}  // namespace

BENCHMARK(raw);
BENCHMARK(bus_checked);
BENCHMARK(typed_register);
BENCHMARK(raw_modify_field);
BENCHMARK(typed_modify_field);
BENCHMARK(typed_modify_field_unchecked);
BENCHMARK_MAIN();

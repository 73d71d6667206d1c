// Map-and-touch throughput: what it costs to map 1 GiB and touch every page of it, by the way the
// page tables get filled.
//
//   file/faults          plain mmap of a page-cache-hot file; each first touch faults (the kernel maps
//                        up to fault_around_bytes around a read fault, 64 KiB by default)
//   file/map_populate    MAP_POPULATE: the page tables are filled inside mmap(2)
//   file/populate_read   madvise(MADV_POPULATE_READ) after mmap (Linux 5.14+)
//   file/huge_advice     madvise(MADV_HUGEPAGE) before touching. For page-cache files this only pays
//                        off when the file's folios are 2 MiB (large-folio file systems, or
//                        CONFIG_READ_ONLY_THP_FOR_FS + khugepaged collapsing them later): the
//                        `huge_MiB` counter reports what was actually PMD-mapped (FilePmdMapped).
//   anon/faults          anonymous memory, each page written once (zero-fill faults)
//   anon/map_populate    MAP_POPULATE
//   anon/huge_advice     MADV_HUGEPAGE first: one fault per 2 MiB where THP is enabled (`huge_MiB`
//                        is AnonHugePages)
//   anon/huge_advice_recycled   the same, right after freeing 1 GiB of huge pages (untimed)
//   anon/huge_advice_reclaimed  the same, 4 s after freeing them (untimed): long enough for free
//                        page reporting to have handed them back to a hypervisor
//
// On a virtual machine with free page reporting (printed in the context when present), anon/huge
// is fast only while the 2 MiB blocks it gets were freed less than about two seconds ago; after
// that the hypervisor has taken them back and each huge fault costs it a fault of its own.
//
// Time is the thread's CPU time, which includes the kernel's work in mmap, madvise and the faults:
// on a shared machine it is steadier than wall time. Compare variants as ratios within one run.
//
// Counters: `minflt_per_GiB` is getrusage(2) ru_minflt per GiB mapped (mmap + populate + touch),
// `huge_MiB` the huge-page-backed part of the mapping after the first iteration (/proc/self/smaps).
//
// The file is $MAPIO_BENCH_FILE, else $TMPDIR/mapio-mapping-bench.bin (else /tmp). It is created if
// missing (1 GiB, or $MAPIO_BENCH_BYTES), read once so the page cache is hot, and removed at exit if
// this run created it.
//
//   build/release/bench/mapping_bench --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/page.hpp"

namespace {

constexpr double gib = 1024.0 * 1024.0 * 1024.0;

struct BenchFile {
  std::filesystem::path path;
  std::size_t size = 0;
  bool created = false;
};

BenchFile& bench_file() {
  static BenchFile file;
  return file;
}

std::size_t configured_size() {
  const char* bytes = std::getenv("MAPIO_BENCH_BYTES");
  return bytes != nullptr ? static_cast<std::size_t>(std::strtoull(bytes, nullptr, 0)) : std::size_t{1} << 30;
}

std::filesystem::path configured_path() {
  if (const char* path = std::getenv("MAPIO_BENCH_FILE")) return path;
  return std::filesystem::temp_directory_path() / "mapio-mapping-bench.bin";
}

// Creates the file with non-zero contents (no holes: every page is a real page-cache page) and reads
// it through once so every iteration starts from a hot page cache.
void prepare_file() {
  auto& file = bench_file();
  file.path = configured_path();
  file.size = configured_size();
  std::error_code error;
  if (std::filesystem::file_size(file.path, error) != file.size) {
    auto fd = mapio::FileDescriptor::open(file.path, O_WRONLY | O_CREAT | O_TRUNC);
    std::vector<char> block(std::size_t{1} << 20);
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>('a' + i % 26);
    for (std::size_t done = 0; done < file.size;) {
      const std::size_t n = std::min(block.size(), file.size - done);
      const ssize_t written = ::write(fd.get(), block.data(), n);
      if (written <= 0) mapio::throw_errno("write", file.path.string());
      done += static_cast<std::size_t>(written);
    }
    file.created = true;
  }
  auto fd = mapio::FileDescriptor::open(file.path, O_RDONLY);
  std::vector<char> sink(std::size_t{1} << 20);
  while (::read(fd.get(), sink.data(), sink.size()) > 0) {
  }
}

long minor_faults() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Sum of `field` (e.g. "AnonHugePages:", "FilePmdMapped:") in kB over the smaps entries that overlap
// [begin, begin + length).
long smaps_kb(const void* begin, std::size_t length, const std::string& field) {
  std::ifstream smaps("/proc/self/smaps");
  const auto lo = reinterpret_cast<std::uintptr_t>(begin);
  const auto hi = lo + length;
  std::string line;
  bool inside = false;
  long total = 0;
  while (std::getline(smaps, line)) {
    std::uintptr_t start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &start, &end) == 2) {  // a mapping's header line
      inside = start < hi && end > lo;
      continue;
    }
    if (inside && line.rfind(field, 0) == 0) total += std::strtol(line.c_str() + field.size(), nullptr, 10);
  }
  return total;
}

// Free page reporting (virtio-balloon's VIRTIO_BALLOON_F_REPORTING): a guest kernel hands free
// blocks of 2^page_reporting_order pages back to its hypervisor about two seconds after they are
// freed, and the next fault on such a block pays the hypervisor's own fault and zeroing. Huge-page
// faults take exactly such blocks, so their cost depends on how long ago memory was freed: the
// benchmark prints whether this machine does it. Empty when it does not.
std::string free_page_reporting() {
  std::ifstream order_file("/sys/module/page_reporting/parameters/page_reporting_order");
  unsigned order = 0;
  if (!(order_file >> order)) return {};
  std::error_code ec;
  for (const auto& device : std::filesystem::directory_iterator("/sys/bus/virtio/drivers/virtio_balloon", ec)) {
    std::ifstream features_file(device.path() / "features");
    std::string features;  // one '0' or '1' per feature bit, bit 0 first
    constexpr std::size_t reporting_bit = 5;
    if (features_file >> features && features.size() > reporting_bit && features[reporting_bit] == '1') {
      return fmt::format("on (virtio-balloon, blocks of {} KiB go back to the hypervisor once free)",
                         (std::size_t{1} << order) * mapio::page_size() / 1024);
    }
  }
  return {};
}

enum class Fill { faults, map_populate, populate_read, huge_advice };

// Where the huge pages of anon/huge_* come from, when the machine reports free pages to its
// hypervisor (see free_page_reporting): as they happen to be (whatever ran before), freed a moment
// ago by this benchmark, or handed back to the hypervisor by waiting past its reporting delay.
enum class Recent { as_found, recycled, reclaimed };

// Reads one byte per page: the first touch of each page is what faults.
std::uint64_t touch_read(const mapio::Mapping& m) {
  const std::size_t page = mapio::page_size();
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < m.size(); i += page) sum += static_cast<std::uint8_t>(m.data()[i]);
  return sum;
}

void touch_write(mapio::Mapping& m) {
  const std::size_t page = mapio::page_size();
  std::byte* data = m.writable_data();
  for (std::size_t i = 0; i < m.size(); i += page) data[i] = std::byte{1};
}

void report(benchmark::State& state, long faults, long huge_kb, std::size_t size) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
  state.counters["minflt_per_GiB"] =
      benchmark::Counter(static_cast<double>(faults) * gib / static_cast<double>(size), benchmark::Counter::kAvgIterations);
  state.counters["huge_MiB"] = static_cast<double>(huge_kb) / 1024.0;
}

void file_map_touch(benchmark::State& state, Fill fill) {
  const auto& file = bench_file();
  auto fd = mapio::FileDescriptor::open(file.path, O_RDONLY);
  long faults = 0;
  long huge_kb = -1;
  for (auto _ : state) {
    const long before = minor_faults();
    auto m = mapio::Mapping::map_descriptor(fd.get(), 0, file.size, mapio::Protection::read, mapio::Sharing::shared,
                                            file.path.string(), mapio::MapFlags{fill == Fill::map_populate, false});
    if (fill == Fill::populate_read) m.populate(mapio::PopulateFor::read);
    if (fill == Fill::huge_advice) m.advise(mapio::Advice::huge_page);
    benchmark::DoNotOptimize(touch_read(m));
    faults += minor_faults() - before;
    if (huge_kb < 0) {
      state.PauseTiming();
      huge_kb = smaps_kb(m.data(), m.size(), "FilePmdMapped:");
      state.ResumeTiming();
    }
  }
  report(state, faults, huge_kb, file.size);
}

void map_touch_and_free_huge(std::size_t size) {
  auto m = mapio::Mapping::anonymous(size, mapio::Sharing::copy_on_write, mapio::Protection::read_write);
  m.advise(mapio::Advice::huge_page);
  touch_write(m);
}

void anon_map_touch(benchmark::State& state, Fill fill, Recent recent = Recent::as_found) {
  const std::size_t size = bench_file().size;
  long faults = 0;
  long huge_kb = -1;
  for (auto _ : state) {
    if (recent != Recent::as_found) {
      state.PauseTiming();
      map_touch_and_free_huge(size);  // the 2 MiB blocks the timed part will get, freed just now
      // Free page reporting waits about 2 s after a block is freed; 4 s leaves it time to finish.
      if (recent == Recent::reclaimed) std::this_thread::sleep_for(std::chrono::seconds(4));
      state.ResumeTiming();
    }
    const long before = minor_faults();
    auto m = mapio::Mapping::anonymous(size, mapio::Sharing::copy_on_write, mapio::Protection::read_write,
                                       mapio::MapFlags{fill == Fill::map_populate, false});
    if (fill == Fill::huge_advice) m.advise(mapio::Advice::huge_page);
    touch_write(m);
    benchmark::ClobberMemory();
    faults += minor_faults() - before;
    if (huge_kb < 0) {
      state.PauseTiming();
      huge_kb = smaps_kb(m.data(), m.size(), "AnonHugePages:");
      state.ResumeTiming();
    }
  }
  report(state, faults, huge_kb, size);
}

}  // namespace

BENCHMARK_CAPTURE(file_map_touch, faults, Fill::faults)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(file_map_touch, map_populate, Fill::map_populate)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(file_map_touch, populate_read, Fill::populate_read)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(file_map_touch, huge_advice, Fill::huge_advice)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(anon_map_touch, faults, Fill::faults)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(anon_map_touch, map_populate, Fill::map_populate)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(anon_map_touch, huge_advice, Fill::huge_advice)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(anon_map_touch, huge_advice_recycled, Fill::huge_advice, Recent::recycled)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(anon_map_touch, huge_advice_reclaimed, Fill::huge_advice, Recent::reclaimed)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  try {
    prepare_file();
  } catch (const mapio::Error& e) {
    fmt::print(stderr, "mapping_bench: {}\n", e.what());
    return 1;
  }
  benchmark::AddCustomContext("file", fmt::format("{} ({} bytes)", bench_file().path.string(), bench_file().size));
  if (auto reporting = free_page_reporting(); !reporting.empty()) {
    benchmark::AddCustomContext("free page reporting", reporting);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (bench_file().created) std::filesystem::remove(bench_file().path);
  return 0;
}

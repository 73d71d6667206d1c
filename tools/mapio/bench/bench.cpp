// mapio bench [FILE]: how fast can a file be read, and by which method? Every method does the
// same newline count, interleaved in one run: read() at several buffer sizes, pread, fread, mmap
// (plain, sequential, populate, huge pages), io_uring, O_DIRECT, mapio's own policy, and GNU wc -l
// and dd as outside peers — against the ceiling of the same count over a resident buffer.
// Page cache hot always, cold too when root (caches dropped before each cold run). Random 4 KiB
// reads compare a mapping (alone and prefetching ahead) with pread and with resident memory.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "arguments.hpp"
#include "bench_common.hpp"
#include "command.hpp"
#include "ipc_common.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/page.hpp"
#include "mapio/core/prefetch.hpp"
#include "mapio/core/syscall.hpp"
#include "mapio/scan/scan.hpp"

namespace mapio::cli::bench {
namespace {

struct BenchArgs {
  std::string file;
  std::uint64_t size_mib = 256;
  unsigned reps = 3;
  unsigned threads = 0;
  std::uint64_t random_reads = 200000;
  bool cold = true;
  bool reread = false;
  bool quiet = false;
  bool json = false;
  bool csv = false;
  bool ipc = false;
  double scale = 1;
  std::string plot;
  std::string dir;
  std::string only;
  unsigned small_files = 0;
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Faults {
  long minor = 0, major = 0;
};
Faults faults(int who) {
  rusage u{};
  ::getrusage(who, &u);
  return {u.ru_minflt, u.ru_majflt};
}

// Text lines of varying length (like logs or source), written once and removed at the end.
// Made with O_TMPFILE where the file system has it: the file never has a name, so nothing is left
// behind however the run ends (a kill included). The methods open it again through
// /proc/PID/fd/N, a path the peers run as child processes (wc, dd) can open too.
class GeneratedFile {
 public:
  GeneratedFile(const std::filesystem::path& dir, std::uint64_t bytes) {
    // Checked first: a size the file system cannot hold would otherwise write until the disk fills.
    std::error_code ec;
    const auto space = std::filesystem::space(dir, ec);
    if (!ec && bytes > space.available) {
      throw Error("generate", dir.string(), ENOSPC,
                  fmt::format("a {} MiB file does not fit in the {} MiB free there; use a smaller --size or "
                              "another --dir",
                              bytes >> 20, space.available >> 20));
    }
    try {
      file_ = FileDescriptor::open(dir, O_TMPFILE | O_RDWR, 0600);
      path_ = fmt::format("/proc/{}/fd/{}", ::getpid(), file_.get());
    } catch (const Error& e) {
      if (e.errno_value() != EOPNOTSUPP && e.errno_value() != EISDIR) throw;
      std::string pattern = (dir / "mapio-bench-XXXXXX").string();
      const int fd = ::mkstemp(pattern.data());
      if (fd < 0) throw_errno("mkstemp", pattern);
      file_ = FileDescriptor(fd, pattern);
      path_ = pattern;
      named_ = true;
    }
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> length(0, 120), letter('a', 'z');
    std::string block;
    while (block.size() < (1u << 20)) {
      const int n = length(rng);
      for (int i = 0; i < n; ++i) block += (i % 7 == 6) ? ' ' : static_cast<char>(letter(rng));
      block += '\n';
    }
    for (std::uint64_t done = 0; done < bytes;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), bytes - done));
      if (sys::write(file_.get(), std::as_bytes(std::span(block.data(), n))) != static_cast<ssize_t>(n)) {
        throw_errno("write", path_);
      }
      done += n;
    }
    ::fsync(file_.get());
  }
  GeneratedFile(const GeneratedFile&) = delete;
  GeneratedFile& operator=(const GeneratedFile&) = delete;
  ~GeneratedFile() {
    std::error_code ignored;
    if (named_) std::filesystem::remove(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  FileDescriptor file_;
  std::string path_;
  bool named_ = false;
};

// How the page cache holds the file now, as a mapping of it shows: the share mapped with 2 MiB
// entries (large folios at aligned offsets). It decides whether mapping or copying wins on a hot
// file, so the report records it.
std::string page_cache_pieces(const std::string& path) {
  auto file = MappedFile::open(path);
  file.populate();
  const double share = file.size() == 0 ? 0 : static_cast<double>(file.huge_page_bytes()) / static_cast<double>(file.size());
  return fmt::format("{:.0f}% of the file maps in 2 MiB entries", 100 * share);
}

// Reads the file once so that it is in the page cache.
void warm_cache(const std::string& path) {
  auto fd = FileDescriptor::open(path, O_RDONLY);
  auto buffer = Mapping::anonymous(std::size_t{1} << 20);
  while (sys::read(fd.get(), buffer.writable_bytes()) > 0) {
  }
}

bool drop_caches() {
  ::sync();
  std::ofstream out("/proc/sys/vm/drop_caches");
  if (!out) return false;
  out << "3\n";
  out.flush();
  return static_cast<bool>(out);
}

// The ceiling: the same count over an anonymous buffer already in memory (no I/O, no faults).
std::pair<double, double> measure_ceiling(const std::string& path, std::uint64_t size, unsigned threads, unsigned reps,
                                          std::uint64_t& lines) {
  auto buffer = Mapping::anonymous(static_cast<std::size_t>(size));
  {
    auto fd = FileDescriptor::open(path, O_RDONLY);
    const auto got = sys::pread_exact(fd.get(), buffer.writable_bytes(), 0);
    if (got.error != 0) throw_errno("read", path, got.error);
    if (got.done < size) throw_errno("read", path, EIO, "the file ended before its size");
  }
  const auto bytes = buffer.bytes();
  double best1 = 1e30, bestn = 1e30;
  for (unsigned r = 0; r < reps + 2; ++r) {
    double t = now();
    lines = count_lines(bytes);
    best1 = std::min(best1, now() - t);
    std::vector<std::uint64_t> parts(threads);
    std::vector<std::thread> workers;
    t = now();
    const std::size_t slice = (bytes.size() + threads - 1) / threads;
    for (unsigned i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        const std::size_t from = std::min(bytes.size(), i * slice);
        parts[i] = count_lines(bytes.subspan(from, std::min(slice, bytes.size() - from)));
      });
    }
    for (auto& w : workers) w.join();
    bestn = std::min(bestn, now() - t);
  }
  const auto gb = static_cast<double>(size) / 1e9;
  return {gb / best1, gb / bestn};
}

// Random 4 KiB reads, each counting the newlines of its page: pread into a buffer; a mapping
// touched for the first time; the same mapping populated beforehand; that mapping read through
// visit_extents, which prefetches the next pages while counting this one (the offsets are known
// ahead, as in a batch of lookups); and the ceiling: the same prefetched reads over anonymous
// memory already resident in huge pages (no page-table walks to speak of, no page cache), which
// is as fast as this CPU and its memory serve scattered 4 KiB pieces.
std::vector<RandomSample> measure_random(const std::string& path, std::uint64_t size, std::uint64_t count,
                                        std::uint64_t window, const std::string& where) {
  std::vector<RandomSample> out;
  const std::uint64_t span = std::min(size, window);
  const std::uint64_t pages = span / 4096;
  if (pages == 0 || count == 0) return out;
  std::mt19937_64 rng(7);
  std::vector<Extent> extents(count);
  for (auto& e : extents) e = {static_cast<std::size_t>((rng() % pages) * 4096), 4096};
  auto fd = FileDescriptor::open(path, O_RDONLY);
  // Each row counts the lines of every read into `lines`: the counts must agree (the smoke test
  // checks it), which also keeps the compiler from dropping the work.
  std::uint64_t lines = 0;
  const auto count_each = [&](std::span<const std::byte> bytes) {
    for (const auto& e : extents) lines += count_lines(bytes.subspan(e.offset, e.length));
  };
  const auto row = [&](std::string method, double seconds) {
    out.push_back({std::move(method) + where, count, seconds, lines});
    lines = 0;
  };
  // Every row reads the same offsets. Without this, a row would find in the last-level cache
  // the page-table entries and pages the row before it fetched, and win for its place in line.
  auto scratch = Mapping::anonymous(std::size_t{128} << 20);
  const auto evict_caches = [&] {
    std::fill_n(scratch.writable_data(), scratch.size(), std::byte{1});
    lines += count_byte(scratch.bytes(), std::byte{0});  // reads it all back; adds 0
  };
  {
    auto buffer = Mapping::anonymous(4096);
    std::byte* b = buffer.writable_data();
    evict_caches();
    const double t = now();
    for (const auto& e : extents) {
      if (sys::pread(fd.get(), {b, 4096}, e.offset) != 4096) throw_errno("pread", path);
      lines += count_lines({b, 4096});
    }
    row("pread 4 KiB", now() - t);
  }
  {
    evict_caches();
    const double t = now();
    auto map = Mapping::map_descriptor(fd.get(), 0, static_cast<std::size_t>(size), Protection::read, Sharing::shared, path);
    map.advise(Advice::random);
    count_each(map.bytes());
    row("mmap, first touch", now() - t);
  }
  MapFlags populate;
  populate.populate = true;
  auto map = Mapping::map_descriptor(fd.get(), 0, static_cast<std::size_t>(size), Protection::read, Sharing::shared,
                                     path, populate);
  {
    evict_caches();
    const double t = now();
    count_each(map.bytes());
    row("mmap, hot mapping", now() - t);
  }
  {
    evict_caches();
    const double t = now();
    visit_extents(map.bytes(), extents, [&](std::span<const std::byte> piece) { lines += count_lines(piece); });
    row("mmap, hot, visit_extents", now() - t);
  }
  // The ceiling needs a resident copy of what the reads cover; a file too large for half the free
  // memory goes without it rather than pushing the page cache (and the file) out.
  const auto available = static_cast<std::uint64_t>(::sysconf(_SC_AVPHYS_PAGES)) * page_size();
  if (span <= available / 2) {
    auto resident = Mapping::anonymous(static_cast<std::size_t>(span));
    resident.advise(Advice::huge_page);
    std::copy_n(map.bytes().begin(), span, resident.writable_data());
    evict_caches();
    const double t = now();
    visit_extents(resident.bytes(), extents, [&](std::span<const std::byte> piece) { lines += count_lines(piece); });
    row("ceiling: resident memory", now() - t);
  }
  return out;
}

// The size of the file to measure, through open(2) and fstat(2): a file that is missing, unreadable
// or not a regular file is reported as every verb reports a failure (operation, path, errno),
// before anything is measured.
std::uint64_t regular_file_size(const std::string& path) {
  const auto file = FileDescriptor::open(path, O_RDONLY);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw_errno("fstat", path);
  if (!S_ISREG(st.st_mode)) {
    throw Error("bench", path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL, "bench reads a regular file");
  }
  return static_cast<std::uint64_t>(st.st_size);
}

// Where generated files go: --dir, else $TMPDIR or /tmp.
std::filesystem::path scratch_directory(const BenchArgs& args) {
  return args.dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(args.dir);
}

// The file measured: the one named, or a text file generated for the run, removed with `generated`.
struct FileUnderTest {
  std::unique_ptr<GeneratedFile> generated;
  std::string path;
};

FileUnderTest file_under_test(const BenchArgs& args) {
  FileUnderTest file{nullptr, args.file};
  if (file.path.empty()) {
    const auto dir = scratch_directory(args);
    if (args.size_mib > (std::numeric_limits<std::uint64_t>::max() >> 20)) {
      throw ArgumentError(fmt::format("bad size '{}': too large (the largest is {} MiB)", args.size_mib,
                                      std::numeric_limits<std::uint64_t>::max() >> 20));
    }
    if (!args.quiet) fmt::print(stderr, "generating a {} MiB text file in {}\n", args.size_mib, dir.string());
    file.generated = std::make_unique<GeneratedFile>(dir, args.size_mib << 20);
    file.path = file.generated->path();
  }
  return file;
}

// The sequential methods, or those whose name contains one of --only's comma-separated words.
std::vector<Method> chosen_methods(unsigned threads, const std::string& only) {
  auto methods = sequential_methods(threads);
  if (only.empty()) return methods;
  std::vector<std::string> wanted;
  for (std::size_t from = 0; from <= only.size();) {
    const std::size_t comma = std::min(only.find(',', from), only.size());
    wanted.push_back(only.substr(from, comma - from));
    from = comma + 1;
  }
  std::erase_if(methods, [&](const Method& m) {
    return std::none_of(wanted.begin(), wanted.end(), [&](const std::string& w) { return m.name.find(w) != std::string::npos; });
  });
  return methods;
}

// Whether the cold-cache runs happen; when not, the report says why.
bool cold_runs_wanted(const BenchArgs& args, Report& report) {
  if (args.cold && ::geteuid() != 0) {
    report.cold_note = "cold-cache runs skipped: dropping the page cache needs root";
    return false;
  }
  if (!args.cold) report.cold_note = "cold-cache runs skipped (--no-cold)";
  return args.cold;
}

// Puts the file in the page cache for the hot runs and records how the cache holds it. As written,
// the page cache holds what the writer's write() calls left; read back from the disk, what
// readahead allocates (often 2 MiB folios). --reread measures the second.
void warm_for_hot_runs(const BenchArgs& args, const std::string& path, Report& report) {
  if (args.reread) evict_from_page_cache(path);
  warm_cache(path);
  report.environment.facts.emplace_back(args.reread ? "page cache, hot runs (read back)" : "page cache, hot runs",
                                        page_cache_pieces(path));
}

// Every method that runs in this cache state, `reps` times, interleaved: one sample each, with its
// times, its line count (checked against the ceiling's `lines`) and its page faults per GiB.
void measure_sequential(const BenchArgs& args, const std::vector<Method>& methods, const char* cache,
                        const std::string& path, std::uint64_t size, std::uint64_t lines, Report& report) {
  const bool is_cold = std::string(cache) == "cold";
  std::vector<const Method*> runs;
  std::vector<Sample> samples;
  for (const auto& m : methods) {
    if (is_cold && !m.cold) continue;
    runs.push_back(&m);
    Sample s;
    s.method = m.name;
    s.cache = cache;
    s.threads = m.threads;
    s.bytes = size;
    samples.push_back(s);
  }
  if (!is_cold) warm_for_hot_runs(args, path, report);
  std::vector<Faults> fault_sums(samples.size());
  for (unsigned rep = 0; rep < args.reps; ++rep) {
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const Method& m = *runs[i];
      if (is_cold && !drop_caches()) {
        throw Error("drop caches", "/proc/sys/vm/drop_caches", EACCES, "cannot write it; use --no-cold");
      }
      if (!args.quiet) fmt::print(stderr, "\r{} cache, repetition {}/{}: {:<28}", cache, rep + 1, args.reps, m.name);
      const int who = m.peer ? RUSAGE_CHILDREN : RUSAGE_SELF;
      const Faults before = faults(who);
      const double t = now();
      const std::uint64_t counted = m.run(path);
      samples[i].seconds.push_back(now() - t);
      const Faults after = faults(who);
      fault_sums[i].minor += after.minor - before.minor;
      fault_sums[i].major += after.major - before.major;
      if (counted != not_found) {
        samples[i].lines = counted;
        if (counted != lines) samples[i].lines_agree = false;
      }
    }
  }
  const double gib_total = static_cast<double>(size) * args.reps / (1 << 30);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i].minor_faults_per_gib = static_cast<double>(fault_sums[i].minor) / gib_total;
    samples[i].major_faults_per_gib = static_cast<double>(fault_sums[i].major) / gib_total;
    report.sequential.push_back(samples[i]);
  }
}

// Random 4 KiB reads over the whole file, then within a window the size of a last-level cache:
// there the bytes come from cache, and what is left to compare is the cost of the system call and
// the copy against none.
void measure_random_reads(const BenchArgs& args, const std::string& path, std::uint64_t size, Report& report) {
  if (!args.quiet) fmt::print(stderr, "\r{:72}\rrandom 4 KiB reads...", "");
  warm_cache(path);
  report.environment.facts.emplace_back("page cache, random reads", page_cache_pieces(path));
  report.random = measure_random(path, size, args.random_reads, size, ", whole file");
  for (auto& s : measure_random(path, size, args.random_reads, std::uint64_t{16} << 20, ", 16 MiB window")) {
    report.random.push_back(s);
  }
}

// --small-files: that many 1-16 KiB files written, counted by a read() loop and by mapio, removed.
void measure_small_file_set(const BenchArgs& args, Report& report) {
  if (!args.quiet) fmt::print(stderr, "\r{:72}\rwriting {} small files...", "", args.small_files);
  const auto dir = scratch_directory(args) / fmt::format("mapio-bench-small-{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::vector<std::string> paths;
  std::mt19937 rng(3);
  std::uniform_int_distribution<std::size_t> length(1024, 16384);
  std::string content;
  while (content.size() < 16384) content += "small file line of text, about forty b\n";
  for (unsigned i = 0; i < args.small_files; ++i) {
    paths.push_back((dir / fmt::format("f{}", i)).string());
    std::ofstream(paths.back(), std::ios::binary).write(content.data(), static_cast<std::streamsize>(length(rng)));
  }
  if (!args.quiet) fmt::print(stderr, "\r{:72}\rsmall files...", "");
  report.small_file_count = paths.size();
  report.small_files = measure_small_files(paths, args.reps);
  std::filesystem::remove_all(dir);
}

// The report as a table, JSON or CSV on standard output, and as SVG to --plot.
void print_report(const BenchArgs& args, const Report& report) {
  if (args.json) {
    fmt::print("{}", render_json(report));
  } else if (args.csv) {
    fmt::print("{}", render_csv(report));
  } else {
    fmt::print("{}", render_table(report));
  }
  if (!args.plot.empty()) {
    std::ofstream out(args.plot);
    out << render_svg(report);
    if (!out) throw Error("write", args.plot, EIO);
  }
}

// 1 when a method counted other lines than the ceiling did: its numbers measure something else.
int exit_status(const Report& report) {
  for (const auto& s : report.sequential) {
    if (!s.lines_agree) return 1;
  }
  return 0;
}

// --ipc: messages between two processes instead of reading a file.
int run_ipc_bench(const BenchArgs& args) {
  if (!args.file.empty()) throw ArgumentError("--ipc measures messages between processes, not a FILE");
  if (args.csv) throw ArgumentError("--ipc reports as a table, --json or --plot, not --csv");
  if (!(args.scale > 0) || args.scale > 1000) throw ArgumentError(fmt::format("bad --scale '{}': from above 0 to 1000", args.scale));
  ipc::Options options;
  options.reps = std::max(1u, args.reps);
  options.scale = args.scale;
  options.quiet = args.quiet;
  for (std::size_t from = 0; !args.only.empty() && from <= args.only.size();) {
    const std::size_t comma = std::min(args.only.find(',', from), args.only.size());
    options.only.push_back(args.only.substr(from, comma - from));
    from = comma + 1;
  }
  const auto report = ipc::measure(options);
  fmt::print("{}", args.json ? ipc::render_json(report) : ipc::render_table(report));
  if (!args.plot.empty()) {
    std::ofstream out(args.plot);
    out << ipc::render_svg(report);
    if (!out) throw Error("write", args.plot, EIO);
  }
  return 0;
}

int run_bench(BenchArgs& args) {
  if (args.ipc) return run_ipc_bench(args);
  const unsigned threads = args.threads != 0 ? args.threads : std::max(1u, std::thread::hardware_concurrency());
  const FileUnderTest file = file_under_test(args);
  const std::string& path = file.path;
  const std::uint64_t size = regular_file_size(path);
  if (size == 0) throw Error("bench", path, EINVAL, "the file is empty");

  Report report;
  report.file = args.file.empty() ? "(generated) " + path : path;
  report.size = size;
  report.reps = args.reps;
  report.environment = describe_environment(path);
  std::uint64_t lines = 0;
  std::tie(report.ceiling_gbps, report.parallel_ceiling_gbps) = measure_ceiling(path, size, threads, args.reps, lines);
  report.parallel_threads = threads;

  const auto methods = chosen_methods(threads, args.only);
  const bool cold = cold_runs_wanted(args, report);
  measure_sequential(args, methods, "hot", path, size, lines, report);
  if (cold) measure_sequential(args, methods, "cold", path, size, lines, report);
  measure_random_reads(args, path, size, report);
  if (args.small_files > 0) measure_small_file_set(args, report);
  if (!args.quiet) fmt::print(stderr, "\r{:72}\r", "");
  print_report(args, report);
  return exit_status(report);
}

Registration bench{"bench",
                   "Measure read(), pread, fread, mmap, io_uring, O_DIRECT against the memory ceiling; with --ipc, "
                   "messages between processes",
                   [](CLI::App& app) {
                     auto args = std::make_shared<BenchArgs>();
                     app.add_option("FILE", args->file, "File to read (default: a generated text file)");
                     app.add_option("--size", args->size_mib, "Size of the generated file in MiB")->capture_default_str();
                     app.add_option("--dir", args->dir, "Where to generate it (default: $TMPDIR or /tmp)");
                     app.add_option("--reps", args->reps, "Repetitions of every method")->capture_default_str();
                     app.add_option("--threads", args->threads, "Threads for the parallel methods (0 = one per CPU)");
                     app.add_option("--random-reads", args->random_reads, "Random 4 KiB reads per method")
                         ->capture_default_str();
                     app.add_option("--small-files", args->small_files,
                                    "Also compare a read() loop and mapio over this many 1-16 KiB files");
                     app.add_option("--only", args->only,
                                    "Only the methods whose name contains one of these (comma-separated); with --ipc, "
                                    "only these transports (mapio,mapio-in-place,pipe,unix-socket,boost-message-queue,iceoryx,cache-line)");
                     app.add_flag("!--no-cold", args->cold, "Skip the cold-cache runs");
                     app.add_flag("--reread", args->reread,
                                  "Before the hot runs, drop the file from the page cache and read it back, instead "
                                  "of measuring it as its writer left it");
                     app.add_flag("--ipc", args->ipc,
                                  "Measure messages between two processes instead: mapio's channel against a pipe, "
                                  "a UNIX socket, Boost message_queue, iceoryx and a bounced cache line (64 B, 4 KiB, "
                                  "1 MiB; latency and messages per second)");
                     app.add_option("--scale", args->scale,
                                    "With --ipc: multiply every message count by this, to lengthen (or shorten) the run")
                         ->capture_default_str();
                     app.add_flag("--json", args->json, "JSON instead of the table");
                     app.add_flag("--csv", args->csv, "CSV instead of the table");
                     app.add_option("--plot", args->plot, "Write an SVG bar chart here");
                     app.add_flag("-q,--quiet", args->quiet, "No progress on standard error");
                     return [args] { return run_bench(*args); };
                   }};

}  // namespace
}  // namespace mapio::cli::bench

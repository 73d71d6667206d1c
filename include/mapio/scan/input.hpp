// Input and Scanner: run a counter from scan.hpp over a file, a pipe or standard input, choosing
// per input how to get at the bytes — as the fastest search tools do.
//
//     mapio::Scanner scanner;                                  // default policy, one reused buffer
//     auto input = mapio::Input::open("big.log");             // "-" is standard input
//     auto lines = scanner.scan(input, mapio::LineCounter{}).count;
//
// The policy (InputMethod::automatic):
// - A regular file of at least `map_threshold` bytes is mapped (mmap(2), MADV_SEQUENTIAL) and
//   mincore(2) asks whether it is in the page cache.
//   - Cold: it is scanned in place through the mapping, by one thread (two threads reading
//     far-apart places defeat readahead, which is what sets the pace with a disk involved).
//   - Hot, and the page cache maps in 2 MiB pieces (one page-table entry each; a file the kernel
//     read from disk, on filesystems with large folios): it is scanned through the mapping, above
//     `parallel_threshold` bytes by several threads, each over its own page-aligned slice, their
//     summaries combined in order. A probe of four 2 MiB windows counts the faults to tell.
//   - Hot in small pieces (typically a file written by write() and still cached): it is copied
//     out with pread(2) instead, by the same threads. There mapping costs a page-table entry and
//     a page reference per 4 KiB, more than the copy; docs/benchmarks.md has the measurements.
//     This is where mmap loses, and mapio says so.
//   Either way the scan survives truncation: mapped slices are read under Mapping::scan_safely (a
//   lost page is a mapio::Error, EFAULT, not SIGBUS), copied slices that end early are an error
//   (EIO, "the file shrank from X to Y bytes while it was read"), never a smaller count.
// - Smaller files, pipes, sockets, terminals and standard input are read(2) into the Scanner's one
//   reused buffer. Mapping costs a system call, page-table set-up and a TLB flush at unmap: for a
//   small file a copy is cheaper (ripgrep measured mapping many small files 3.8–4.6× slower). The
//   automatic policy reads first and asks fstat(2) only when the first read fills the buffer: a
//   scan of many small files then costs what a plain read() loop costs. Once the size is known
//   (a full first buffer, or a forced method), an end of file before it, with a file that shrank,
//   is the same EIO error; a file that ended within its first read(2) had nothing to shrink from.
// - Holes of a sparse regular file are found with lseek(SEEK_DATA/SEEK_HOLE) and counted as the
//   zero bytes they are, without reading them, by either method.
// InputMethod::map forces scanning through the mapping (several threads when hot) and ::read a
// single read(2) loop (map falls back to read where mapping is impossible: a pipe cannot be mapped).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <type_traits>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/mapping.hpp"

namespace mapio {

enum class InputMethod { automatic, map, read };

/// Parses "auto", "map"/"mmap" or "read"; throws mapio::Error (EINVAL) otherwise.
InputMethod parse_input_method(const std::string& name);
const char* input_method_name(InputMethod method) noexcept;

/// How a Scanner reads its inputs.
struct InputOptions {
  InputMethod method = InputMethod::automatic;
  /// Regular files at least this big are mapped (automatic policy).
  std::uint64_t map_threshold = std::uint64_t{1} << 20;
  /// Mapped ranges at least this big are split between threads.
  std::uint64_t parallel_threshold = std::uint64_t{16} << 20;
  /// Worker threads for a parallel scan; 0 = one per CPU.
  unsigned threads = 0;
  /// The read(2) buffer.
  std::size_t buffer_size = std::size_t{256} << 10;
  /// Count holes of sparse files without reading them (lseek SEEK_DATA/SEEK_HOLE).
  bool skip_holes = true;
  /// When set, bytes done are added here as the scan goes (a progress bar reads it).
  std::atomic<std::uint64_t>* progress = nullptr;
};

/// One input: an opened file (any kind) or standard input. Move-only.
class Input {
 public:
  /// Opens `path` for reading; "-" is standard input. Throws mapio::Error (ENOENT, EACCES, ...).
  /// A directory opens, and fails with EISDIR when scanned (as read(2) would).
  static Input open(const std::filesystem::path& path);
  /// Standard input (descriptor 0, duplicated).
  static Input standard_input();

  const std::string& name() const noexcept { return name_; }
  int descriptor() const noexcept { return fd_.get(); }
  /// What fstat(2) says, asked the first time one of these is called (a scan of a small file never
  /// needs it: see Scanner). Throws mapio::Error when fstat fails.
  bool is_regular() const { return status().regular; }
  bool is_directory() const { return status().directory; }
  /// st_size when first asked (meaningful for regular files).
  std::uint64_t size() const { return status().size; }
  bool status_known() const noexcept { return status_.known; }
  /// Whether st_size is the number of bytes the file holds: false on the pseudo file systems
  /// (sysfs, procfs, debugfs, tracefs, configfs, securityfs), whose files say 4096 or 0 bytes
  /// whatever they hold; such files are read, never mapped.
  bool size_is_length() const;

 private:
  struct Status {
    bool known = false;
    bool regular = false;
    bool directory = false;
    std::uint64_t size = 0;
    bool filesystem_known = false;  // size_is_length asks the file system only when first needed
    bool size_is_length = true;
  };
  Input(FileDescriptor fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
  const Status& status() const;

  FileDescriptor fd_;
  std::string name_;
  mutable Status status_;
};

/// Runs counters over inputs. Keeps one read buffer for all of them. Not thread-safe itself (it
/// starts its own threads); use one Scanner per thread.
class Scanner {
 public:
  explicit Scanner(InputOptions options = {});

  const InputOptions& options() const noexcept { return options_; }
  /// How a scan gets at the bytes.
  enum class Route {
    none,        ///< no scan yet
    read,        ///< read(2) into the reused buffer
    mapped,      ///< through a mapping (several threads when hot and large)
    copied_out,  ///< mapped to find out, then copied out with pread(2): a hot file in small pieces
  };
  /// How the last scan got at the bytes — for tools that report it, and for tests of the policy.
  Route last_route() const noexcept { return last_route_; }

  /// The route a scan of `input` from its current offset would take now: the same decision the scan
  /// makes, page-cache probe included (it maps the file and asks mincore(2), and for a large hot
  /// file faults four 2 MiB windows in, as the scan would). The cache can change before the scan
  /// runs; last_route() says what it then did.
  ///
  ///     if (scanner.route_for(input) == mapio::Scanner::Route::copied_out) { /* hot, in small pages */ }
  Route route_for(const Input& input) const;
  /// The method a scan of `input` gets its bytes with: map when it reads them through a mapping,
  /// read when it copies them (read(2), or pread(2) for a hot file in small pieces: route_for()
  /// tells which). Probes the page cache as route_for() does.
  InputMethod method_for(const Input& input) const;

  /// The counter's Summary of the whole input (from its current position for pipes).
  /// When the scan fails (a mapio::Error, rethrown), `so_far`, if given, receives what was counted
  /// before the failure, as GNU wc prints the counts up to a read error.
  template <class Counter>
  auto scan(Input& input, const Counter& counter, decltype(counter.identity())* so_far = nullptr) {
    using Summary = decltype(counter.identity());
    static_assert(std::is_trivially_copyable_v<Summary> && std::is_trivially_destructible_v<Summary>,
                  "summaries are combined in raw storage and under a siglongjmp guard");
    Summary result = counter.identity();
    const Operations ops{
        sizeof(Summary),
        [](const void* c, void* out) { *static_cast<Summary*>(out) = static_cast<const Counter*>(c)->identity(); },
        [](const void* c, std::span<const std::byte> data, void* out) {
          *static_cast<Summary*>(out) = static_cast<const Counter*>(c)->summarize(data);
        },
        [](const void* c, std::uint64_t length, void* out) {
          *static_cast<Summary*>(out) = static_cast<const Counter*>(c)->zeros(length);
        },
        [](const void* c, const void* a, const void* b, void* out) {
          *static_cast<Summary*>(out) =
              static_cast<const Counter*>(c)->then(*static_cast<const Summary*>(a), *static_cast<const Summary*>(b));
        },
    };
    if (so_far == nullptr) {
      run(input, ops, &counter, &result);
      return result;
    }
    try {
      run(input, ops, &counter, &result);
    } catch (...) {
      *so_far = result;
      throw;
    }
    return result;
  }

  /// The summary operations of a counter, without its type (what scan() hands to the engine).
  struct Operations {
    std::size_t summary_size;
    void (*identity)(const void* counter, void* out);
    void (*summarize)(const void* counter, std::span<const std::byte> data, void* out);
    void (*zeros)(const void* counter, std::uint64_t length, void* out);
    void (*then)(const void* counter, const void* a, const void* b, void* out);
  };

 private:
  void run(Input& input, const Operations& ops, const void* counter, void* result);
  void run_mapped(Input& input, const Operations& ops, const void* counter, void* result);
  /// Whether the policy maps `input` to scan it (it may then copy it out: mapped_route()).
  bool starts_mapped(const Input& input) const;
  /// Mapped or copied out, for a mapping of the whole range to scan.
  Route mapped_route(const Mapping& map) const;
  /// Reads up to one buffer into buffer_; returns the bytes read (0 at the end).
  std::size_t read_buffer(Input& input);
  /// `buffered` bytes already sit at the start of buffer_, read but not yet counted.
  void run_read(Input& input, const Operations& ops, const void* counter, void* result, std::size_t buffered = 0);

  InputOptions options_;
  Mapping buffer_;
  Route last_route_ = Route::none;
};

}  // namespace mapio

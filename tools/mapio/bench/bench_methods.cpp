// mapio bench: the ways of reading a file, each doing the same newline count with mapio's kernel.
// The system calls here are the thing measured, so they are made directly (read, pread, fread,
// O_DIRECT); maps go through mapio::Mapping like everywhere else.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include "bench_common.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/syscall.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/scan.hpp"

extern char** environ;

namespace mapio::cli::bench {
namespace {

std::uint64_t file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("fstat", path);
  return static_cast<std::uint64_t>(st.st_size);
}

std::uint64_t with_read(const std::string& path, std::size_t block) {
  auto fd = FileDescriptor::open(path, O_RDONLY);
  auto buffer = Mapping::anonymous(block);
  std::byte* data = buffer.writable_data();
  std::uint64_t lines = 0;
  for (;;) {
    const ssize_t n = sys::read(fd.get(), {data, block});
    if (n < 0) throw_errno("read", path);
    if (n == 0) break;
    lines += count_lines({data, static_cast<std::size_t>(n)});
  }
  return lines;
}

std::uint64_t with_pread(const std::string& path, std::size_t block) {
  auto fd = FileDescriptor::open(path, O_RDONLY);
  auto buffer = Mapping::anonymous(block);
  std::byte* data = buffer.writable_data();
  std::uint64_t lines = 0;
  for (off_t at = 0;;) {
    const ssize_t n = sys::pread(fd.get(), {data, block}, static_cast<std::uint64_t>(at));
    if (n < 0) throw_errno("pread", path);
    if (n == 0) break;
    lines += count_lines({data, static_cast<std::size_t>(n)});
    at += n;
  }
  return lines;
}

std::uint64_t with_fread(const std::string& path, std::size_t block) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw_errno("fopen", path);
  auto buffer = Mapping::anonymous(block);
  std::byte* data = buffer.writable_data();
  std::uint64_t lines = 0;
  std::size_t n;
  while ((n = std::fread(data, 1, block, file)) > 0) lines += count_lines({data, n});
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) throw Error("fread", path, EIO);
  return lines;
}

// O_DIRECT: no page cache at all; the buffer and the sizes must be block-aligned (the last block
// of the file comes back short, which is allowed).
std::uint64_t with_direct(const std::string& path, std::size_t block) {
  auto fd = FileDescriptor::open(path, O_RDONLY | O_DIRECT);
  auto buffer = Mapping::anonymous(block);
  std::byte* data = buffer.writable_data();
  std::uint64_t lines = 0;
  for (off_t at = 0;;) {
    const ssize_t n = sys::pread(fd.get(), {data, block}, static_cast<std::uint64_t>(at));
    if (n < 0) throw_errno("pread(O_DIRECT)", path);
    if (n == 0) break;
    lines += count_lines({data, static_cast<std::size_t>(n)});
    at += n;
  }
  return lines;
}

enum class MapStyle { plain, sequential, populate, huge, sequential_willneed };

std::uint64_t with_map(const std::string& path, MapStyle style) {
  auto fd = FileDescriptor::open(path, O_RDONLY);
  const std::uint64_t size = file_size(fd.get(), path);
  if (size == 0) return 0;
  MapFlags flags;
  flags.populate = style == MapStyle::populate;
  auto map = Mapping::map_descriptor(fd.get(), 0, static_cast<std::size_t>(size), Protection::read, Sharing::shared,
                                     path, flags);
  if (style == MapStyle::sequential || style == MapStyle::sequential_willneed) map.advise(Advice::sequential);
  if (style == MapStyle::huge) map.advise(Advice::huge_page);
  if (style != MapStyle::sequential_willneed) return count_lines(map.bytes());
  // Ask for the next window while counting this one: the disk works ahead of the scan.
  constexpr std::size_t window = std::size_t{32} << 20;
  std::uint64_t lines = 0;
  const auto bytes = map.bytes();
  map.advise(Advice::will_need, 0, std::min(bytes.size(), window));
  for (std::size_t at = 0; at < bytes.size(); at += window) {
    const std::size_t next = at + window;
    if (next < bytes.size()) map.advise(Advice::will_need, next, std::min(window, bytes.size() - next));
    lines += count_lines(bytes.subspan(at, std::min(window, bytes.size() - at)));
  }
  return lines;
}

std::uint64_t with_scanner(const std::string& path, unsigned threads, InputMethod method) {
  InputOptions options;
  options.threads = threads;
  options.method = method;
  Scanner scanner(options);
  auto input = Input::open(path);
  return scanner.scan(input, LineCounter{}).count;
}

// An outside program, its output discarded; the count is not known, so report ~0.
std::uint64_t run_program(std::vector<std::string> argv) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int err = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) throw Error("spawn", argv[0], err);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error("run", argv[0], ECHILD, "it failed");
  return not_found;
}

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::vector<RandomSample> measure_small_files(const std::vector<std::string>& paths, unsigned reps) {
  std::vector<RandomSample> out{{"plain read() loop (open, read 64K, close)", 0, 0},
                                {"mapio Scanner, automatic policy", 0, 0},
                                {"mapio Scanner, forced to map", 0, 0}};
  auto buffer = Mapping::anonymous(std::size_t{64} << 10);
  std::byte* data = buffer.writable_data();
  Scanner automatic;
  InputOptions forced;
  forced.method = InputMethod::map;
  Scanner mapped(forced);
  std::uint64_t expected = 0;
  for (unsigned rep = 0; rep < reps; ++rep) {
    std::uint64_t lines[3] = {0, 0, 0};
    double t = seconds_now();
    for (const auto& p : paths) {
      auto fd = FileDescriptor::open(p, O_RDONLY);
      ssize_t n;
      while ((n = sys::read(fd.get(), {data, buffer.size()})) > 0) lines[0] += count_lines({data, static_cast<std::size_t>(n)});
      if (n < 0) throw_errno("read", p);
    }
    out[0].seconds += seconds_now() - t;
    t = seconds_now();
    for (const auto& p : paths) {
      auto in = Input::open(p);
      lines[1] += automatic.scan(in, LineCounter{}).count;
    }
    out[1].seconds += seconds_now() - t;
    t = seconds_now();
    for (const auto& p : paths) {
      auto in = Input::open(p);
      lines[2] += mapped.scan(in, LineCounter{}).count;
    }
    out[2].seconds += seconds_now() - t;
    if (lines[1] != lines[0] || lines[2] != lines[0]) throw Error("bench", "small files", EIO, "line counts differ");
    expected = lines[0];
    for (auto& o : out) o.reads += paths.size();
  }
  (void)expected;
  return out;
}

std::vector<Method> sequential_methods(unsigned threads) {
  constexpr std::size_t KiB = 1024, MiB = 1024 * 1024;
  std::vector<Method> m;
  for (std::size_t block : {64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB}) {
    m.push_back({"read " + std::to_string(block / KiB) + "K", block == 1 * MiB || block == 256 * KiB, false,
                 [block](const std::string& p) { return with_read(p, block); }});
  }
  m.push_back({"pread 1M", false, false, [](const std::string& p) { return with_pread(p, 1 * MiB); }});
  m.push_back({"fread 1M", false, false, [](const std::string& p) { return with_fread(p, 1 * MiB); }});
  m.push_back({"mmap", true, false, [](const std::string& p) { return with_map(p, MapStyle::plain); }});
  m.push_back({"mmap+SEQUENTIAL", true, false, [](const std::string& p) { return with_map(p, MapStyle::sequential); }});
  m.push_back({"mmap+SEQ+WILLNEED", true, false,
               [](const std::string& p) { return with_map(p, MapStyle::sequential_willneed); }});
  m.push_back({"mmap+POPULATE", true, false, [](const std::string& p) { return with_map(p, MapStyle::populate); }});
  m.push_back({"mmap+HUGEPAGE", false, false, [](const std::string& p) { return with_map(p, MapStyle::huge); }});
  m.push_back({"io_uring 4x1M", true, false, [](const std::string& p) { return count_with_io_uring(p, 4, 1 * MiB); }});
  m.push_back({"O_DIRECT 4M", true, false, [](const std::string& p) { return with_direct(p, 4 * MiB); }});
  m.push_back({"mapio auto, 1 thread", true, false,
               [](const std::string& p) { return with_scanner(p, 1, InputMethod::automatic); }});
  m.push_back({"mapio auto, " + std::to_string(threads) + " threads", true, false,
               [threads](const std::string& p) { return with_scanner(p, threads, InputMethod::automatic); }, threads});
  m.push_back({"mapio map, " + std::to_string(threads) + " threads", true, false,
               [threads](const std::string& p) { return with_scanner(p, threads, InputMethod::map); }, threads});
  m.push_back({"GNU wc -l", true, true, [](const std::string& p) { return run_program({"wc", "-l", p}); }});
  m.push_back({"dd bs=4M iflag=direct", true, true, [](const std::string& p) {
                 return run_program({"dd", "if=" + p, "of=/dev/null", "bs=4M", "iflag=direct"});
               }});
  return m;
}

}  // namespace mapio::cli::bench

// Helpers shared by the unit tests: scratch files in a per-test temporary directory, process counts,
// children that run without root.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <span>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"

namespace mapio::test {

/// A fresh directory under $TMPDIR, removed with everything in it when the object goes.
class ScratchDir {
 public:
  ScratchDir() { create(); }
  /// For a death test in the "threadsafe" style: its child process runs the test body again and
  /// dies inside it, before any destructor runs, so a directory of its own would be left behind.
  /// The parent's directory is handed down in the environment and the child works in that one.
  struct SharedWithDeathTestChild {};
  explicit ScratchDir(SharedWithDeathTestChild) {
    if (const char* inherited = std::getenv(shared_variable)) {
      path_ = inherited;
      owned_ = false;
      return;
    }
    create();
    ::setenv(shared_variable, path_.c_str(), 1);
    exported_ = true;
  }
  ~ScratchDir() {
    if (exported_) ::unsetenv(shared_variable);
    if (!owned_) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  /// Writes `contents` to `name` and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view contents) const {
    auto file = path_ / name;
    std::ofstream(file, std::ios::binary).write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return file;
  }

 private:
  static constexpr const char* shared_variable = "MAPIO_TEST_DEATH_SCRATCH_DIR";
  void create() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mapio-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }

  std::filesystem::path path_;
  bool owned_ = true;
  bool exported_ = false;
};

/// Reads a whole file with read(2), the way a program that does not map it would.
inline std::string read_with_read(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open failed: " + path.string());
  std::string out;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

/// Lines in /proc/self/maps: one per mapping of this process.
inline std::size_t mapping_count() {
  std::ifstream maps("/proc/self/maps");
  std::size_t lines = 0;
  for (std::string line; std::getline(maps, line);) ++lines;
  return lines;
}

/// Lines in /proc/self/maps that name `path`: the mappings of that file this process holds.
/// (Counting all lines is not robust: allocators and sanitizers map memory of their own.)
inline std::size_t mappings_of(const std::filesystem::path& path) {
  std::ifstream maps("/proc/self/maps");
  std::size_t lines = 0;
  for (std::string line; std::getline(maps, line);) {
    if (line.size() >= path.string().size() && line.compare(line.size() - path.string().size(), std::string::npos, path.string()) == 0) ++lines;
  }
  return lines;
}

/// Lines in /proc/self/maps that contain `text` (e.g. "/memfd:name", which ends in " (deleted)").
inline std::size_t mappings_naming(std::string_view text) {
  std::ifstream maps("/proc/self/maps");
  std::size_t lines = 0;
  for (std::string line; std::getline(maps, line);) lines += line.find(text) != std::string::npos;
  return lines;
}

/// The rest of the line starting with `key` (e.g. "Rss:") in the /proc/self/smaps entry of the
/// mapping that holds `address`; empty when there is no such mapping or line.
inline std::string smaps_line(const void* address, std::string_view key) {
  std::ifstream smaps("/proc/self/smaps");
  const auto where = reinterpret_cast<std::uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long long start = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> start >> dash >> end && dash == '-') {
      inside = where >= start && where < end;
    } else if (inside && line.starts_with(key)) {
      return line.substr(key.size());
    }
  }
  return {};
}

/// The VmFlags line of the /proc/self/smaps entry that holds `address` ("rd wr mr mw me ac hg"):
/// where madvise(2) hints show (sr sequential, rr random, hg huge page, nh no huge page).
inline std::string vm_flags(const void* address) {
  const auto flags = smaps_line(address, "VmFlags:");
  return flags.empty() ? flags : flags + " ";
}

/// Whether the page holding `address` is mapped in this process (msync fails with ENOMEM if not).
inline bool is_mapped(const void* address) {
  auto page = reinterpret_cast<std::uintptr_t>(address) & ~std::uintptr_t{4095};
  return ::msync(reinterpret_cast<void*>(page), 1, MS_ASYNC) == 0;
}

/// Bytes of the mapping that holds `address` which are in this process's page tables (the `Rss:` of
/// its entry in /proc/self/smaps): what populate() fills in without anyone touching the pages.
inline std::size_t resident_bytes(const void* address) {
  const auto rss = smaps_line(address, "Rss:");  // "   1234 kB"
  return rss.empty() ? 0 : static_cast<std::size_t>(std::stoull(rss)) * 1024;
}

/// How many of the pages of [address, address + length) are in memory (mincore(2)). For anonymous
/// memory that is "has been faulted in", which smaps cannot say per mapping: neighbouring anonymous
/// mappings merge into one entry there.
inline std::size_t pages_in_memory(const void* address, std::size_t length) {
  std::vector<unsigned char> in_core((length + 4095) / 4096);
  if (::mincore(const_cast<void*>(address), length, in_core.data()) != 0) return 0;
  std::size_t pages = 0;
  for (auto page : in_core) pages += page & 1;
  return pages;
}

/// Entries in /proc/self/fd: one per open descriptor of this process.
inline std::size_t descriptor_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

/// What a forked child reported: its exit status (-1 if it did not exit normally), the signal that
/// killed it (0 if none) and what it wrote back to the parent.
struct ChildReport {
  int status = -1;
  int signal = 0;
  std::string message;
};

/// Runs `body` (returning std::string) in a forked child as the unprivileged user and group 65534
/// (nobody / nogroup) with no supplementary groups, and returns what it returned through a pipe.
/// Root's capabilities skip permission checks and resource limits (CAP_DAC_OVERRIDE, CAP_IPC_LOCK),
/// so a refusal can only be seen without them. Exit status 3 means privileges could not be dropped.
/// The child ends with _exit: no destructor of the parent's objects runs twice.
template <class Body>
ChildReport run_unprivileged(Body body) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::close(pipe_fds[0]);
    // The group first: once the user is not root it may no longer change groups.
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)) {
      ::_exit(3);
    }
    std::string message;
    try {
      message = body();
    } catch (const std::exception& e) {
      message = std::string("unexpected exception: ") + e.what();
    }
    const bool sent = ::write(pipe_fds[1], message.data(), message.size()) == static_cast<ssize_t>(message.size());
    ::_exit(sent ? 0 : 4);
  }
  ::close(pipe_fds[1]);
  ChildReport report;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) report.message.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFEXITED(status)) report.status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) report.signal = WTERMSIG(status);
  return report;
}

/// What a run of the mapio CLI did: exit status (-1 if it did not exit), standard output and error.
struct CliRun {
  int status;
  std::string out;
  std::string err;
};

#ifdef MAPIO_CLI_PATH
/// Runs `mapio ARGUMENTS` through the shell (so ARGUMENTS may quote), the two streams captured to
/// files apart.
inline CliRun run_cli(const std::string& arguments) {
  ScratchDir scratch;
  std::string command = std::string(MAPIO_CLI_PATH) + " " + arguments + " >" + (scratch / "out").string() + " 2>" +
                        (scratch / "err").string();
  int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_with_read(scratch / "out"),
          read_with_read(scratch / "err")};
}
#endif

/// The mapio::Error that `f` throws; a test failure (and an empty Error) when it throws none.
template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no mapio::Error thrown";
  return Error("none", "", 0);
}

/// `n` letters where each byte depends on its position (the pattern shifts every 251 bytes, a
/// length that divides neither the page size nor the alphabet), so a piece read from the wrong
/// offset shows.
inline std::string patterned(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

inline std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace mapio::test

namespace mapio::test {

/// True when built with AddressSanitizer, whose own SIGSEGV/SIGBUS handlers turn a fatal signal
/// into a report and exit(1) instead of death by the signal.
constexpr bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

}  // namespace mapio::test

namespace mapio::test {

/// Exit predicate: the process was killed by `signal` — or, under ASan, whose handlers report a fatal
/// signal and exit(1) instead, it exited with a failure.
struct KilledBy {
  int signal;
  bool operator()(int status) const {
    if (WIFSIGNALED(status)) return WTERMSIG(status) == signal;
    return under_address_sanitizer() && WIFEXITED(status) && WEXITSTATUS(status) != 0;
  }
};

}  // namespace mapio::test

/// Asserts that `statement` kills the process with `signal` (see KilledBy for ASan builds).
#define MAPIO_EXPECT_KILLED_BY(statement, signal) EXPECT_EXIT(statement, ::mapio::test::KilledBy{signal}, "")

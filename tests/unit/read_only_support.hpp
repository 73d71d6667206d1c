// Helpers for the read-only tests: a forked reader that reports what it found, the access mode the
// kernel shows for a descriptor, and whether a store through a mapping faults.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "test_support.hpp"

namespace mapio::test {

/// The access mode /proc/self/fdinfo/N shows for descriptor `fd` (O_RDONLY, O_WRONLY or O_RDWR), or
/// -1 when the file has no flags line. The kernel's own word, not fcntl's.
inline int fdinfo_access(int fd) {
  std::ifstream info(fmt::format("/proc/self/fdinfo/{}", fd));
  for (std::string line; std::getline(info, line);) {
    if (line.starts_with("flags:")) return static_cast<int>(std::stoul(line.substr(6), nullptr, 8)) & O_ACCMODE;
  }
  return -1;
}

/// Collects what went wrong in a forked child, one line per failed expectation.
struct Findings {
  std::string text;
  void expect(bool ok, const std::string& what) {
    if (!ok) text += what + "\n";
  }
  /// `call` must throw mapio::Error with `errno_value` and `words` in its message.
  void refused(const char* name, const std::function<void()>& call, int errno_value, const std::string& words) {
    try {
      call();
      text += fmt::format("{}: succeeded\n", name);
    } catch (const Error& e) {
      const std::string what = e.what();
      expect(e.errno_value() == errno_value, fmt::format("{}: errno {} ({})", name, e.errno_value(), what));
      expect(what.find(words) != std::string::npos, fmt::format("{}: no '{}' in: {}", name, words, what));
    } catch (const std::exception& e) {
      text += fmt::format("{}: threw {}\n", name, e.what());
    }
  }
};

/// Runs `body(findings)` in a forked child and returns what it found ("" when all held), or a line
/// saying how the child died.
inline std::string in_reader(const std::function<void(Findings&)>& body) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::close(pipe_fds[0]);
    Findings findings;
    try {
      body(findings);
    } catch (const std::exception& e) {
      findings.text += std::string("unexpected exception: ") + e.what() + "\n";
    }
    const auto& t = findings.text;
    const bool sent = t.empty() || ::write(pipe_fds[1], t.data(), t.size()) == static_cast<ssize_t>(t.size());
    ::_exit(sent ? 0 : 4);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[1024];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) message.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) message += fmt::format("the reader died of signal {}\n", WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) message += fmt::format("the reader exited {}\n", WEXITSTATUS(status));
  return message;
}

/// Whether a plain store to `address` kills a forked grandchild with SIGSEGV (or, under ASan, whose
/// handler reports the fault and exits, with a failure).
inline bool store_faults(const std::byte* address) {
  const pid_t child = ::fork();
  if (child == 0) {
    // The fault is expected: under ASan its report would only be noise on the test's output.
    if (const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) ::dup2(null, STDERR_FILENO);
    *const_cast<volatile std::byte*>(address) = std::byte{'!'};
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return test::KilledBy{SIGSEGV}(status);
}

/// Whether the kernel would let the mapping that holds `address` become writable: "mw" (may write)
/// among its VmFlags in /proc/self/smaps.
inline bool kernel_may_write(const void* address) { return vm_flags(address).find(" mw ") != std::string::npos; }

}  // namespace mapio::test

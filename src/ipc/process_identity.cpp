#include "ipc/process_identity.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <span>
#include <string_view>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::ipc::detail {
namespace {

struct StatFields {
  char state = '?';
  std::uint64_t start_time = 0;
};

// /proc/PID/stat is one line: "pid (comm) state ppid ... starttime ...". The command may hold
// spaces and parentheses, so fields are counted from the last ')'. Read with a bound: the line is
// well under 1 KiB on every kernel.
bool read_stat(std::int32_t pid, StatFields& out) noexcept {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  const int fd = sys::open(path, O_RDONLY);
  if (fd < 0) return false;
  char text[1024];
  const ssize_t n = sys::read(fd, std::as_writable_bytes(std::span(text, sizeof text - 1)));
  ::close(fd);
  if (n <= 0) return false;
  const std::string_view line(text, static_cast<std::size_t>(n));
  const auto close_paren = line.rfind(')');
  if (close_paren == std::string_view::npos || close_paren + 2 >= line.size()) return false;
  // Field 3 is the state; field 22 the start time: 19 fields after the state.
  std::size_t at = close_paren + 2;
  out.state = line[at];
  for (int field = 3; field < 22; ++field) {
    at = line.find(' ', at);
    if (at == std::string_view::npos) return false;
    ++at;
  }
  const auto end = line.find(' ', at);
  const char* last = end == std::string_view::npos ? line.data() + line.size() : line.data() + end;
  return std::from_chars(line.data() + at, last, out.start_time).ec == std::errc{};
}

}  // namespace

Identity self_identity() {
  // A process's start time never changes, so it is read once per process: every Sender and
  // Receiver asks on attach. The cached word holds its pid, so a child made by fork(), which
  // inherits the cache but has another pid, reads its own.
  static std::atomic<std::uint64_t> cached{0};
  const pid_t me = ::getpid();
  if (const auto word = cached.load(std::memory_order_relaxed); word != 0 && Identity::from_word(word).pid == me) {
    return Identity::from_word(word);
  }
  StatFields fields;
  if (!read_stat(me, fields)) throw Error("read", "/proc/self/stat", errno != 0 ? errno : EIO,
                                          "a channel needs the process start time to tell peers apart");
  const Identity identity{me, static_cast<std::uint32_t>(fields.start_time)};
  cached.store(identity.word(), std::memory_order_relaxed);
  return identity;
}

bool alive(const Identity& who) noexcept {
  if (who.pid <= 0) return false;
  StatFields fields;
  if (!read_stat(who.pid, fields)) return false;
  if (fields.state == 'Z' || fields.state == 'X') return false;
  return static_cast<std::uint32_t>(fields.start_time) == who.start_time;
}

}  // namespace mapio::ipc::detail

// mapio bench --ipc: the two processes of every measurement. The bench process sets a transport
// up, forks a measuring process and a peer, and reads the measurement back through a pipe; it
// never touches the transport itself, so a transport's state (iceoryx's runtime) is fresh in each.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "ipc_common.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::cli::bench::ipc {
namespace {

using Clock = std::chrono::steady_clock;

// The longest one measurement may take before both processes are killed: a transport that
// wedges (a daemon that never answers) makes an error, not a hung bench.
constexpr std::chrono::seconds measurement_limit{60};

pid_t fork_role(const std::function<void()>& body, bool exit_cleanly) {
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork", "mapio bench --ipc");
  if (pid == 0) {
    int status = 0;
    try {
      body();
    } catch (const std::exception& e) {
      fmt::print(stderr, "mapio bench --ipc: {}\n", e.what());
      status = 1;
    }
    if (exit_cleanly) std::exit(status);  // static destructors run: a runtime deregisters
    ::_exit(status);
  }
  return pid;
}

int reap(pid_t pid) {
  int status = 0;
  if (sys::retry_interrupted([&] { return ::waitpid(pid, &status, 0); }) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Reads all of `out` from the measuring process's pipe within the limit.
bool read_result(int fd, std::span<std::byte> out, Clock::time_point deadline) {
  while (!out.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || sys::wait_readable(fd, left) != 1) return false;
    const ssize_t n = sys::read(fd, out);
    if (n <= 0) return false;
    out = out.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

// Runs `measure` in side 0 and `peer` in side 1 of a fresh rig; returns what side 0 measured.
std::vector<double> run_pair(const Transport& t, std::size_t size,
                             const std::function<std::vector<double>(Link&)>& measure,
                             const std::function<void(Link&)>& peer) {
  auto rig = t.prepare(size);
  int result[2];
  if (::pipe(result) != 0) throw_errno("pipe", "mapio bench --ipc");
  const pid_t peer_pid = fork_role([&] {
    ::close(result[0]);
    ::close(result[1]);
    auto link = rig->open(1);
    peer(*link);
  }, t.exit_cleanly);
  const pid_t measure_pid = fork_role([&] {
    ::close(result[0]);
    auto link = rig->open(0);
    const auto values = measure(*link);
    const std::uint64_t count = values.size();
    auto bytes = std::as_bytes(std::span(&count, 1));
    if (sys::write_exact(result[1], bytes).done != bytes.size() ||
        sys::write_exact(result[1], std::as_bytes(std::span(values))).done != values.size() * sizeof(double)) {
      throw Error("write", "the bench's result pipe", EIO);
    }
  }, t.exit_cleanly);
  ::close(result[1]);
  rig.reset();  // the bench process keeps nothing of the transport open

  const auto deadline = Clock::now() + measurement_limit;
  std::uint64_t count = 0;
  std::vector<double> values;
  bool ok = read_result(result[0], std::as_writable_bytes(std::span(&count, 1)), deadline) && count < (1u << 24);
  if (ok) {
    values.resize(count);
    ok = read_result(result[0], std::as_writable_bytes(std::span(values)), deadline);
  }
  ::close(result[0]);
  if (!ok) {
    // Only the two processes this measurement started.
    ::kill(measure_pid, SIGKILL);
    ::kill(peer_pid, SIGKILL);
  }
  const int measured = reap(measure_pid);
  const int peered = reap(peer_pid);
  if (!ok || measured != 0 || peered != 0) {
    throw Error("measure", t.name, ok ? EIO : ETIMEDOUT,
                fmt::format("{} B messages: the measuring process exited with {}, its peer with {}{}", size, measured,
                            peered, ok ? "" : " (killed: no result in time)"));
  }
  return values;
}

std::size_t warm_up(std::size_t count) { return std::max<std::size_t>(2, count / 10); }

}  // namespace

std::vector<double> round_trips(const Transport& t, std::size_t size, std::size_t count) {
  const std::size_t warm = warm_up(count);
  return run_pair(
      t, size,
      [&](Link& link) {
        std::vector<std::byte> message(size, std::byte{0x5a});
        std::vector<double> times;
        times.reserve(count);
        for (std::size_t i = 0; i < warm + count; ++i) {
          const auto start = Clock::now();
          link.send_made(message, std::byte{0x5a}, 0);
          const auto back = link.receive(size);
          if (back.size() != size) throw Error("receive", t.name, EPROTO, "the echo has another size");
          link.done();
          if (i >= warm) times.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count());
        }
        return times;
      },
      [&](Link& link) {
        for (std::size_t i = 0; i < warm + count; ++i) {
          const auto message = link.receive(size);
          link.send(message);
          link.done();
        }
      });
}

double stream(const Transport& t, std::size_t size, std::size_t count) {
  const std::size_t warm = warm_up(count);
  // The clock runs from the peer's first timed send to the last receive, both on the one
  // monotonic clock of the machine: what the queue buffered is counted as well, and so is a
  // sender that ran ahead while the receiver waited for a core.
  const auto rate = run_pair(
      t, size,
      [&](Link& link) {
        for (std::size_t i = 0; i < warm; ++i) {
          link.receive(size);
          link.done();
        }
        std::int64_t started = 0;
        for (std::size_t i = 0; i < count; ++i) {
          const auto message = link.receive(size);
          if (message.size() != size) throw Error("receive", t.name, EPROTO, "a message has another size");
          if (i == 0 && size >= sizeof started) std::memcpy(&started, message.data(), sizeof started);
          link.done();
        }
        const std::int64_t now = Clock::now().time_since_epoch().count();
        if (started <= 0 || started > now) throw Error("receive", t.name, EPROTO, "the first timed message lost its time");
        return std::vector<double>{static_cast<double>(count) / (static_cast<double>(now - started) / 1e9)};
      },
      [&](Link& link) {
        std::vector<std::byte> message(size, std::byte{0xa5});
        for (std::size_t i = 0; i < warm + count; ++i) {
          if (i == warm && size >= sizeof(std::int64_t)) {
            const std::int64_t now = Clock::now().time_since_epoch().count();
            std::memcpy(message.data(), &now, sizeof now);
          }
          link.send_made(message, std::byte{0xa5}, std::min(size, sizeof(std::int64_t)));
        }
      });
  return rate.at(0);
}

}  // namespace mapio::cli::bench::ipc

// Messages between two processes: mapio channels against the kernel's pipes and UNIX sockets, in
// the same run. Two measures, each a median of interleaved repetitions:
//   round trip: the parent sends a message, the child sends it back (latency, both ways);
//   stream: the child sends messages as fast as it can, the parent receives them (throughput).
//   build/release/bench/ipc_bench [--reps N]
// Prints a Markdown table; docs/benchmarks.md keeps one run's table.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "mapio/core/syscall.hpp"
#include "mapio/ipc/channel.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// One end of a two-way transport, as the measurement sees it.
struct End {
  std::function<void(const std::byte*, std::size_t)> send;
  std::function<std::size_t(std::byte*, std::size_t)> receive;  // bytes received
};

// A transport makes the parent's end and runs `child_body` with the child's end in a child.
struct Transport {
  std::string name;
  std::function<pid_t(End& parent, const std::function<void(End&)>& child_body)> start;
};

void write_all(int fd, const std::byte* data, std::size_t size) {
  if (mapio::sys::write_exact(fd, {data, size}).done != size) throw std::runtime_error("write");
}

void read_all(int fd, std::byte* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("read");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

pid_t fork_child(const std::function<void()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      body();
    } catch (const std::exception& e) {
      fmt::print(stderr, "child: {}\n", e.what());
      ::_exit(1);
    }
    ::_exit(0);
  }
  return pid;
}

// A pipe each way. Messages have a fixed size per run, so a stream needs no framing.
Transport pipes() {
  return {"pipe", [](End& parent, const std::function<void(End&)>& child_body) {
            int down[2], up[2];
            if (::pipe(down) != 0 || ::pipe(up) != 0) throw std::runtime_error("pipe");
            const pid_t pid = fork_child([&] {
              ::close(down[1]);
              ::close(up[0]);
              End end{[&](const std::byte* d, std::size_t n) { write_all(up[1], d, n); },
                      [&](std::byte* d, std::size_t n) { read_all(down[0], d, n); return n; }};
              child_body(end);
            });
            ::close(down[0]);
            ::close(up[1]);
            const int to = down[1], from = up[0];
            parent = End{[to](const std::byte* d, std::size_t n) { write_all(to, d, n); },
                         [from](std::byte* d, std::size_t n) { read_all(from, d, n); return n; }};
            return pid;
          }};
}

// A UNIX socket pair keeping message boundaries (SOCK_SEQPACKET), the closest kernel peer.
Transport unix_sockets() {
  return {"UNIX socket (seqpacket)", [](End& parent, const std::function<void(End&)>& child_body) {
            int pair[2];
            if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) != 0) throw std::runtime_error("socketpair");
            int size = 1 << 20;
            for (int fd : pair) {
              ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
              ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
            }
            auto sender = [](int fd) {
              return [fd](const std::byte* d, std::size_t n) {
                while (::send(fd, d, n, 0) < 0) {
                  if (errno != EINTR) throw std::runtime_error("send");
                }
              };
            };
            auto receiver = [](int fd) {
              return [fd](std::byte* d, std::size_t n) {
                ssize_t got;
                while ((got = ::recv(fd, d, n, 0)) < 0) {
                  if (errno != EINTR) throw std::runtime_error("recv");
                }
                return static_cast<std::size_t>(got);
              };
            };
            const pid_t pid = fork_child([&] {
              ::close(pair[0]);
              End end{sender(pair[1]), receiver(pair[1])};
              child_body(end);
            });
            ::close(pair[1]);
            parent = End{sender(pair[0]), receiver(pair[0])};
            return pid;
          }};
}

// Two mapio channels in memfds, one each way, with 1 MiB rings; receivers spin for `spin` before
// they sleep (0: mapio's default, no spinning).
Transport channels(std::chrono::microseconds spin) {
  const std::string name = spin.count() == 0 ? "mapio channel" : fmt::format("mapio channel, {} µs spin", spin.count());
  return {name, [spin](End& parent, const std::function<void(End&)>& child_body) {
            auto down = std::make_shared<mapio::ipc::Channel>(mapio::ipc::Channel::create_memfd("down", 1 << 20));
            auto up = std::make_shared<mapio::ipc::Channel>(mapio::ipc::Channel::create_memfd("up", 1 << 20));
            const int down_fd = down->descriptor(), up_fd = up->descriptor();
            const pid_t pid = fork_child([&] {
              mapio::ipc::Receiver rx(mapio::ipc::Channel::from_descriptor(down_fd));
              rx.set_spin(spin);
              mapio::ipc::Sender tx(mapio::ipc::Channel::from_descriptor(up_fd));
              End end{[&](const std::byte* d, std::size_t n) { tx.send({d, n}); },
                      [&](std::byte* d, std::size_t n) { return rx.receive({d, n}, 10s)->size; }};
              child_body(end);
            });
            auto tx = std::make_shared<mapio::ipc::Sender>(std::move(*down));
            auto rx = std::make_shared<mapio::ipc::Receiver>(std::move(*up));
            rx->set_spin(spin);
            parent = End{[tx](const std::byte* d, std::size_t n) { tx->send({d, n}); },
                         [rx](std::byte* d, std::size_t n) { return rx->receive({d, n}, 10s)->size; }};
            return pid;
          }};
}

void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the child failed");
}

// Microseconds per round trip.
double round_trip(const Transport& t, std::size_t size, int count) {
  End parent;
  const pid_t pid = t.start(parent, [&](End& child) {
    std::vector<std::byte> buffer(size);
    for (int i = 0; i < count; ++i) {
      const auto n = child.receive(buffer.data(), size);
      child.send(buffer.data(), n);
    }
  });
  std::vector<std::byte> buffer(size, std::byte{1});
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    parent.send(buffer.data(), size);
    parent.receive(buffer.data(), size);
  }
  const auto elapsed = Clock::now() - start;
  parent = End{};
  reap(pid);
  return std::chrono::duration<double, std::micro>(elapsed).count() / count;
}

// Messages per second, child to parent.
double stream(const Transport& t, std::size_t size, int count) {
  End parent;
  const pid_t pid = t.start(parent, [&](End& child) {
    std::vector<std::byte> buffer(size, std::byte{2});
    for (int i = 0; i < count; ++i) child.send(buffer.data(), size);
  });
  std::vector<std::byte> buffer(size);
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) parent.receive(buffer.data(), size);
  const auto elapsed = Clock::now() - start;
  parent = End{};
  reap(pid);
  return count / std::chrono::duration<double>(elapsed).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  if (argc == 3 && std::string(argv[1]) == "--reps") reps = std::max(1, std::atoi(argv[2]));
  const std::vector<Transport> transports{channels(0us), channels(20us), pipes(), unix_sockets()};
  const std::vector<std::size_t> sizes{64, 4096};

  fmt::print("| measure | size | {} | channel vs pipe | channel vs socket | spinning channel vs pipe |\n", fmt::join(
      [&] {
        std::vector<std::string> names;
        for (const auto& t : transports) names.push_back(t.name);
        return names;
      }(),
      " | "));
  fmt::print("|---|---|---|---|---|---|---|---|---|\n");
  for (const std::size_t size : sizes) {
    std::vector<std::vector<double>> trips(transports.size()), rates(transports.size());
    for (int r = 0; r < reps; ++r) {
      // Interleaved, so that a noisy moment of the machine hits every transport alike.
      for (std::size_t i = 0; i < transports.size(); ++i) {
        trips[i].push_back(round_trip(transports[i], size, 20000));
        rates[i].push_back(stream(transports[i], size, size <= 64 ? 400000 : 100000));
      }
    }
    std::vector<double> trip, rate;
    for (std::size_t i = 0; i < transports.size(); ++i) {
      trip.push_back(median(trips[i]));
      rate.push_back(median(rates[i]));
    }
    // Ratios are "times as good": above 1 the channel wins.
    fmt::print("| round trip (µs) | {} B | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f}x | {:.2f}x | {:.2f}x |\n", size,
               trip[0], trip[1], trip[2], trip[3], trip[2] / trip[0], trip[3] / trip[0], trip[2] / trip[1]);
    fmt::print("| stream (million msg/s) | {} B | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f}x | {:.2f}x | {:.2f}x |\n", size,
               rate[0] / 1e6, rate[1] / 1e6, rate[2] / 1e6, rate[3] / 1e6, rate[0] / rate[2], rate[0] / rate[3],
               rate[1] / rate[2]);
  }
}

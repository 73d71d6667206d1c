// Three worker processes send results to their parent through one mapio channel; one of them is
// killed half-way (SIGKILL). The parent still gets every result the others sent, never half of
// one, and learns that its peers are gone instead of waiting for them forever.
//
//     $ channel_workers
//     parent: then "peer gone: every sender has died or left"
//     worker 1 sent 1000 results
//     worker 2 sent 1000 results
//     worker 3 was killed after at least 100 results
//     parent: 2000 results from workers 1 and 2, 100 or more from worker 3, every one whole
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <span>

#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"

namespace {

using namespace std::chrono_literals;

struct Result {
  std::uint32_t worker;
  std::uint32_t number;
  std::uint64_t square;  // the work: number squared, so the parent can check every result
};

pid_t start_worker(int channel_fd, std::uint32_t worker, std::uint32_t results) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  try {
    mapio::ipc::Sender tx(mapio::ipc::Channel::from_descriptor(channel_fd));
    for (std::uint32_t n = 0; n < results; ++n) {
      const Result r{worker, n, std::uint64_t{n} * n};
      tx.send(std::as_bytes(std::span(&r, 1)), 5s);
      if (worker == 3 && n == 99) ::pause();  // worker 3 waits here to be killed
    }
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "worker %u: %s\n", worker, e.what());
    ::_exit(1);
  }
  ::_exit(0);
}

}  // namespace

int main() try {
  auto channel = mapio::ipc::Channel::create_memfd("results", 1 << 14);
  std::array<pid_t, 3> workers{};
  for (std::uint32_t w = 1; w <= 3; ++w) workers[w - 1] = start_worker(channel.descriptor(), w, 1000);

  mapio::ipc::Receiver rx(std::move(channel));
  std::array<std::uint32_t, 4> received{};
  bool killed = false;
  for (;;) {
    Result r{};
    std::optional<mapio::ipc::Received> got;
    try {
      got = rx.receive(std::as_writable_bytes(std::span(&r, 1)), 5s);
    } catch (const mapio::Error& e) {
      if (e.errno_value() != EPIPE) throw;
      std::printf("parent: then \"%s\"\n", e.explanation().c_str());
      break;
    }
    if (!got) {
      std::puts("parent: no result for 5 s");
      return 1;
    }
    if (got->size != sizeof r || r.worker < 1 || r.worker > 3 || r.number != received[r.worker] ||
        r.square != std::uint64_t{r.number} * r.number) {
      std::printf("parent: a damaged or out-of-order result from worker %u\n", r.worker);
      return 1;
    }
    ++received[r.worker];
    if (!killed && received[3] == 100) {
      ::kill(workers[2], SIGKILL);  // worker 3 dies mid-run
      killed = true;
    }
  }
  int failures = 0;
  for (std::uint32_t w = 1; w <= 3; ++w) {
    int status = 0;
    ::waitpid(workers[w - 1], &status, 0);
    if (WIFSIGNALED(status)) {
      std::printf("worker %u was killed after at least %u results\n", w, received[w] >= 100 ? 100u : received[w]);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      std::printf("worker %u sent %u results\n", w, received[w]);
    } else {
      ++failures;
    }
  }
  std::printf("parent: %u results from workers 1 and 2, %s from worker 3, every one whole\n",
              received[1] + received[2], received[3] >= 100 ? "100 or more" : "fewer than 100");
  return failures == 0 ? 0 : 1;
} catch (const mapio::Error& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}

// A parent and a child exchange messages over two channels (requests one way, replies the other),
// and one of them is killed mid-stream (SIGKILL): first the child, then, in a second pair, the
// parent. Each time the survivor is blocked in receive() with no timeout worth the name, and each
// time it learns within milliseconds that its peer is gone instead of waiting for ever.
//
//     $ channel_pair
//     act 1: the child is killed
//     parent: 1 squared is 1
//     ...
//     parent: 5 squared is 25
//     parent: sent 6, then killed the child
//     parent: receive said "peer gone: every sender has died or left"
//     act 2: the parent is killed
//     child: squared 1, 2, 3
//     child: receive said "peer gone: every sender has died or left"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"

namespace {

using namespace std::chrono_literals;
using mapio::ipc::Channel;
using mapio::ipc::Receiver;
using mapio::ipc::Sender;

struct Pair {
  Channel requests = Channel::create_memfd("requests", 4096);
  Channel replies = Channel::create_memfd("replies", 4096);
};

void send_number(Sender& tx, std::uint64_t n) { tx.send(std::as_bytes(std::span(&n, 1)), 5s); }

// The next number, or std::nullopt when the peer is gone: then `gone` says how receive() put it.
std::optional<std::uint64_t> receive_number(Receiver& rx, std::string& gone) {
  std::uint64_t n = 0;
  try {
    if (!rx.receive(std::as_writable_bytes(std::span(&n, 1)), 60s)) {
      gone = "nothing for 60 s";
      return std::nullopt;
    }
  } catch (const mapio::Error& e) {
    if (e.errno_value() != EPIPE) throw;
    gone = e.explanation();
    return std::nullopt;
  }
  return n;
}

// The child of act 1: squares each request, but never answers request 6.
[[noreturn]] void stalling_squarer(Pair& pair) {
  try {
    Receiver rx(Channel::from_descriptor(pair.requests.descriptor()));
    Sender tx(Channel::from_descriptor(pair.replies.descriptor()));
    std::string gone;
    while (const auto n = receive_number(rx, gone)) {
      if (*n == 6) ::pause();  // busy with it when the kill comes
      send_number(tx, *n * *n);
    }
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "child: %s\n", e.what());
    ::_exit(1);
  }
  ::_exit(0);
}

int act_one() {
  std::puts("act 1: the child is killed");
  std::fflush(stdout);
  Pair pair;
  const pid_t child = ::fork();
  if (child == 0) stalling_squarer(pair);
  Sender tx(Channel::from_descriptor(pair.requests.descriptor()));
  Receiver rx(Channel::from_descriptor(pair.replies.descriptor()));
  for (std::uint64_t n = 1;; ++n) {
    send_number(tx, n);
    if (n == 6) {
      ::kill(child, SIGKILL);
      std::printf("parent: sent %llu, then killed the child\n", static_cast<unsigned long long>(n));
    }
    std::string gone;
    const auto square = receive_number(rx, gone);
    if (!square) {
      std::printf("parent: receive said \"%s\"\n", gone.c_str());
      break;
    }
    std::printf("parent: %llu squared is %llu\n", static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(*square));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
}

int act_two() {
  std::puts("act 2: the parent is killed");
  std::fflush(stdout);
  int ready[2], done[2];
  if (::pipe(ready) != 0 || ::pipe(done) != 0) return 1;
  // This process stands by: it forks the pair's parent, which forks its child, and kills the
  // parent once three requests have been answered. `done` closes when the child has exited.
  const pid_t parent = ::fork();
  if (parent == 0) {
    ::close(ready[0]);
    ::close(done[0]);
    Pair pair;
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(ready[1]);
      try {
        Receiver rx(Channel::from_descriptor(pair.requests.descriptor()));
        Sender tx(Channel::from_descriptor(pair.replies.descriptor()));
        std::string squared, gone;
        while (const auto n = receive_number(rx, gone)) {
          send_number(tx, *n * *n);
          squared += (squared.empty() ? "" : ", ") + std::to_string(*n);
        }
        std::printf("child: squared %s\nchild: receive said \"%s\"\n", squared.c_str(), gone.c_str());
        std::fflush(stdout);
      } catch (const mapio::Error& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
        ::_exit(1);
      }
      ::_exit(0);
    }
    ::close(done[1]);
    Sender tx(Channel::from_descriptor(pair.requests.descriptor()));
    Receiver rx(Channel::from_descriptor(pair.replies.descriptor()));
    for (std::uint64_t n = 1; n <= 3; ++n) {
      send_number(tx, n);
      std::string gone;
      if (!receive_number(rx, gone)) ::_exit(1);
    }
    (void)!::write(ready[1], "r", 1);
    for (;;) ::pause();  // mid-stream: the child waits for request 4
  }
  ::close(ready[1]);
  ::close(done[1]);
  char c = 0;
  if (::read(ready[0], &c, 1) != 1) return 1;
  ::kill(parent, SIGKILL);
  int status = 0;
  ::waitpid(parent, &status, 0);
  while (::read(done[0], &c, 1) > 0) {
  }
  return 0;
}

}  // namespace

int main() try {
  const int one = act_one();
  const int two = act_two();
  return one == 0 && two == 0 ? 0 : 1;
} catch (const mapio::Error& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}

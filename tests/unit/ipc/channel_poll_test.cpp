// A receiver in an event loop: the descriptor from Receiver::wait_descriptor() under poll(2),
// with a producer in another process that sends, then dies.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <string>
#include <vector>

#include "channel_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mapio::ipc::Channel;
using mapio::ipc::Receiver;
using mapio::ipc::Sender;
using mapio::test::child;
using mapio::test::wait_status;

int poll_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  const int r = ::poll(&p, 1, timeout_ms);
  return r > 0 && (p.revents & POLLIN) != 0 ? 1 : r;
}

std::string channel_name(const char* what) { return std::string("/mapio-test-") + what + "-" + std::to_string(::getpid()); }

TEST(ChannelPoll, MessagesFromAnotherProcessWakePollAndADeadProducerIsReportedWithin100ms) {
  constexpr int messages = 50;
  std::vector<double> delays;
  for (int trial = 0; trial < 5; ++trial) {
    const auto name = channel_name("poll");
    Receiver rx(Channel::create(name, 8192));
    const int fd = rx.wait_descriptor();
    EXPECT_EQ(rx.wait_descriptor(), fd) << "one descriptor per receiver";
    EXPECT_EQ(poll_readable(fd, 50), 0) << "nothing to say before any producer came";
    int sent[2];
    ASSERT_EQ(::pipe(sent), 0);
    // The producer opens the channel by name, as an unrelated process would; messages come spaced
    // out so that the receiver sleeps in poll() between them.
    const pid_t pid = child([&]() -> int {
      Sender tx(Channel::open(name));
      for (int n = 0; n < messages; ++n) {
        const std::string text = "message " + std::to_string(n);
        tx.send(std::as_bytes(std::span(text)));
        if (n % 10 == 0) ::usleep(5000);
      }
      (void)!::write(sent[1], "s", 1);
      for (;;) ::pause();
    });
    int received = 0;
    while (received < messages) {
      ASSERT_EQ(poll_readable(fd, 5000), 1) << "poll() was not woken for message " << received;
      while (auto m = rx.try_receive()) {
        EXPECT_EQ(mapio::test::as_text(m->bytes), "message " + std::to_string(received));
        rx.release();
        ++received;
      }
    }
    char c;
    ASSERT_EQ(::read(sent[0], &c, 1), 1);
    ::close(sent[0]);
    ::close(sent[1]);
    // Drained, with the producer alive: the descriptor is quiet (a wake-up that raced with the
    // last drain may remain once; it finds nothing).
    if (poll_readable(fd, 0) == 1) {
      EXPECT_FALSE(rx.try_receive());
    }
    EXPECT_EQ(poll_readable(fd, 100), 0) << "readable with nothing to receive";

    // Each trial kills at another point of the watcher's 20 ms cycle.
    ::usleep(static_cast<useconds_t>(trial * 4000));
    const auto killed = std::chrono::steady_clock::now();
    ::kill(pid, SIGKILL);
    ASSERT_EQ(poll_readable(fd, 5000), 1) << "the producer's death never reached poll()";
    const auto noticed = std::chrono::steady_clock::now();
    const auto e = mapio::test::error_of([&] { rx.try_receive(); });
    EXPECT_EQ(e.errno_value(), EPIPE) << e.what();
    EXPECT_NE(std::string(e.what()).find("peer gone"), std::string::npos) << e.what();
    delays.push_back(std::chrono::duration<double, std::milli>(noticed - killed).count());
    wait_status(pid);
    Channel::unlink(name);
  }
  std::sort(delays.begin(), delays.end());
  std::printf("death to readable: median %.1f ms, worst %.1f ms of %zu\n", delays[delays.size() / 2], delays.back(),
              delays.size());
  // The promise is 100 ms (the watcher looks every 20 ms). The median is held to it; the worst
  // case loosely, since a loaded 2-core machine may not run us for a while.
  EXPECT_LT(delays[delays.size() / 2], 100.0);
  EXPECT_LT(delays.back(), 1000.0);
}

TEST(ChannelPoll, TheDescriptorStaysReadableWhileAMessageWaitsAndAMemfdChannelWorksToo) {
  auto channel = Channel::create_memfd("poll-memfd", 4096);
  Sender tx(Channel::from_descriptor(channel.descriptor()));
  Receiver rx(std::move(channel));
  const int fd = rx.wait_descriptor();
  tx.send(std::as_bytes(std::span("one", 3)));
  ASSERT_EQ(poll_readable(fd, 2000), 1);
  EXPECT_EQ(poll_readable(fd, 0), 1) << "poll() alone does not consume the readiness";
  auto m = rx.try_receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(mapio::test::as_text(m->bytes), "one");
  rx.release();
  EXPECT_FALSE(rx.try_receive());
  EXPECT_EQ(poll_readable(fd, 60), 0);
  // A sender that leaves cleanly is gone as well: the descriptor says so.
  { Sender leaving(std::move(tx)); }
  ASSERT_EQ(poll_readable(fd, 2000), 1);
  EXPECT_EQ(mapio::test::error_of([&] { rx.try_receive(); }).errno_value(), EPIPE);
}

}  // namespace

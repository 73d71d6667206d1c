// A hostile process scribbles random bytes over a live channel's header, indices and records while
// a producer and a consumer use it. Neither may crash, hang or touch memory outside the segment:
// every call ends in a message or a mapio::Error (EPROTO for what validation caught).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "channel_support.hpp"
#include "ipc/segment.hpp"
#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mapio::ipc::Channel;
using mapio::ipc::Receiver;
using mapio::ipc::Sender;
using mapio::ipc::detail::header_bytes;
using mapio::ipc::detail::SegmentHeader;
using mapio::test::child;

// What the children saw, in memory shared with the parent: calls made and errors by errno.
struct Tally {
  std::atomic<std::uint64_t> calls;
  std::atomic<std::uint64_t> errors_by_errno[160];
  std::atomic<std::uint64_t> other_exceptions;
};

Tally* shared_tally() {
  void* p = ::mmap(nullptr, sizeof(Tally), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("mmap");
  return new (p) Tally{};
}

void count(Tally& tally, const mapio::Error& e) {
  const int n = e.errno_value();
  tally.errors_by_errno[n >= 0 && n < 160 ? n : 0].fetch_add(1);
}

template <class Call>
void guarded_call(Tally& tally, Call call) {
  tally.calls.fetch_add(1);
  try {
    call();
  } catch (const mapio::Error& e) {
    count(tally, e);
  } catch (...) {
    tally.other_exceptions.fetch_add(1);
  }
}

// Runs a producer, a consumer and a scribbler on `channel` for `run`; returns the children's
// statuses (producer, consumer).
void run_hostile(Channel channel, bool named, const std::string& name, std::chrono::milliseconds run, Tally& tally,
                 std::uint64_t seed) {
  const int fd = channel.descriptor();
  const std::size_t length = header_bytes + channel.capacity();
  const auto until = std::chrono::steady_clock::now() + run;
  auto attach = [&] { return named ? Channel::open(name) : Channel::from_descriptor(fd); };

  const pid_t producer = child([&] {
    std::mt19937_64 random(seed + 1);
    std::vector<std::byte> message(2000, std::byte{0x5a});
    while (std::chrono::steady_clock::now() < until) {
      guarded_call(tally, [&] {
        Sender tx(attach());
        for (int i = 0; i < 200 && std::chrono::steady_clock::now() < until; ++i) {
          const auto size = random() % message.size();
          if (random() % 4 == 0) {
            auto room = tx.reserve(size, 20ms);
            std::memset(room.data(), 0x33, room.size());
            tx.commit();
          } else {
            tx.send(std::span(message).first(size), 20ms);
          }
          tally.calls.fetch_add(1);
        }
      });
    }
    return 0;
  });
  const pid_t consumer = child([&] {
    std::vector<std::byte> buffer(4096);
    while (std::chrono::steady_clock::now() < until) {
      guarded_call(tally, [&] {
        Receiver rx(attach());
        auto view = attach();  // as `mapio chan stat` reads it
        for (int i = 0; i < 200 && std::chrono::steady_clock::now() < until; ++i) {
          if (i % 3 == 0) {
            (void)view.status();
          } else if (auto m = rx.receive(20ms)) {
            // Read every byte of the view: it must lie inside the segment (ASan would say if not).
            std::uint64_t sum = 0;
            for (const auto b : m->bytes) sum += static_cast<std::uint8_t>(b);
            asm volatile("" : : "r"(sum));
            rx.release();
          }
          tally.calls.fetch_add(1);
        }
      });
    }
    return 0;
  });
  const pid_t scribbler = child([&] {
    void* raw = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (raw == MAP_FAILED) return 1;
    auto* base = static_cast<std::uint8_t*>(raw);
    std::mt19937_64 random(seed);
    std::vector<std::uint8_t> original(base, base + sizeof(SegmentHeader));
    while (std::chrono::steady_clock::now() < until) {
      const auto choice = random() % 8;
      std::size_t at = 0;
      if (choice < 5) {
        at = random() % sizeof(SegmentHeader);  // the header: indices, futexes, lock, identities
      } else if (choice < 7) {
        at = header_bytes + (random() % (length - header_bytes)) / 16 * 16;  // a record header
      } else {
        // Put the header back as it was at the start: stale indices are as hostile as random ones.
        std::memcpy(base, original.data(), original.size());
        ::usleep(200);
        continue;
      }
      const auto bytes = 1 + random() % 8;
      for (std::size_t i = 0; i < bytes && at + i < length; ++i) base[at + i] = static_cast<std::uint8_t>(random());
      ::usleep(static_cast<useconds_t>(random() % 300));
    }
    ::munmap(raw, length);
    return 0;
  });

  // Nobody may hang: each child must be done shortly after the run, and each must exit by itself.
  for (const pid_t pid : {producer, consumer, scribbler}) {
    int status = 0;
    const auto deadline = until + 10s;
    pid_t r = 0;
    while ((r = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) ::usleep(5000);
    if (r == 0) {
      ::kill(pid, SIGKILL);
      mapio::test::wait_status(pid);
      ADD_FAILURE() << "process " << pid << " hung";
      continue;
    }
    EXPECT_TRUE(WIFEXITED(status)) << "process " << pid << " died of signal " << WTERMSIG(status);
    if (WIFEXITED(status)) {
      EXPECT_EQ(WEXITSTATUS(status), 0) << "process " << pid;
    }
  }
}

// 3 s each by default; MAPIO_HOSTILE_SECONDS and MAPIO_HOSTILE_SEED make a longer or another run.
std::chrono::milliseconds run_time() {
  const char* seconds = std::getenv("MAPIO_HOSTILE_SECONDS");
  return std::chrono::milliseconds(seconds ? std::atol(seconds) * 1000 : 3000);
}
std::uint64_t seed(std::uint64_t fixed) {
  const char* text = std::getenv("MAPIO_HOSTILE_SEED");
  return text ? std::strtoull(text, nullptr, 0) + fixed : fixed;
}

void expect_errors_only(const Tally& tally) {
  EXPECT_EQ(tally.other_exceptions.load(), 0u) << "only mapio::Error may come out of a channel";
  EXPECT_GT(tally.calls.load(), 100u);
  EXPECT_GT(tally.errors_by_errno[EPROTO].load(), 0u) << "the scribbles were never noticed";
  std::string seen;
  for (int n = 0; n < 160; ++n) {
    if (tally.errors_by_errno[n].load() == 0) continue;
    seen += std::string(strerrorname_np(n) ? strerrorname_np(n) : "?") + " " +
            std::to_string(tally.errors_by_errno[n].load()) + "; ";
    // What a damaged segment may legitimately cause, and nothing else.
    EXPECT_TRUE(n == EPROTO || n == ETIMEDOUT || n == EPIPE || n == EBUSY || n == EFAULT)
        << strerrorname_np(n) << " x " << tally.errors_by_errno[n].load();
  }
  testing::Test::RecordProperty("errors", seen);
  std::printf("%llu calls; errors: %s\n", static_cast<unsigned long long>(tally.calls.load()), seen.c_str());
}

TEST(ChannelHostile, RandomWritesOverAMemfdChannelBringErrorsOnly) {
  auto* tally = shared_tally();
  run_hostile(Channel::create_memfd("hostile", 8192), false, "", run_time(), *tally, seed(17));
  expect_errors_only(*tally);
  ::munmap(tally, sizeof(Tally));
}

TEST(ChannelHostile, RandomWritesOverANamedChannelBringErrorsOnly) {
  auto* tally = shared_tally();
  const std::string name = "/mapio-test-hostile-" + std::to_string(::getpid());
  run_hostile(Channel::create(name, 8192), true, name, run_time(), *tally, seed(29));
  Channel::unlink(name);
  expect_errors_only(*tally);
  ::munmap(tally, sizeof(Tally));
}

// Found by the fuzz target: a record inside the ring but larger than any sender may write was
// delivered as a message.
TEST(ChannelHostile, ARecordLargerThanTheLargestMessageIsCorrupt) {
  using mapio::ipc::detail::RecordHeader;
  auto channel = Channel::create_memfd("oversized", 4096);
  const int fd = channel.descriptor();
  Sender tx(Channel::from_descriptor(fd));
  Receiver rx(std::move(channel));
  // Two messages that fill most of the ring; then the first claims the bytes of both.
  std::vector<std::byte> half(1500, std::byte{1});
  tx.send(half);
  tx.send(half);
  void* raw = ::mmap(nullptr, header_bytes + 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(raw, MAP_FAILED);
  auto* record = reinterpret_cast<RecordHeader*>(static_cast<std::byte*>(raw) + header_bytes);
  record->size = 3000 - sizeof(RecordHeader);  // inside the published range, over max_message_size()
  ASSERT_GT(record->size, rx.max_message_size());
  const auto e = mapio::test::error_of([&] { rx.try_receive(); });
  EXPECT_EQ(e.errno_value(), EPROTO) << e.what();
  record->size = 1500;
  auto fine = rx.try_receive();
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->bytes.size(), 1500u);
  rx.release();
  ::munmap(raw, header_bytes + 4096);
}

}  // namespace

// mapio bench --ipc: the shared-memory transports that need nothing outside mapio. mapio's own
// channel, and the floor: two processes bouncing one cache line with atomics. Also the copy
// reference, memcpy in one process.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "ipc_common.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/shared_memory.hpp"
#include "mapio/ipc/channel.hpp"

namespace mapio::cli::bench::ipc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How long a receiver looks again before it sleeps on an empty ring, and a sender on a full one:
// messages of a ping-pong or a stream, and the room a stream's receiver frees, come sooner than
// that, so they are taken without a system call on either side.
constexpr auto spin = 10us;

// A channel each way. Messages are received in place (the view into the ring) and released when
// done: one copy per message, the sender's into the ring. With `in_place`, a message the sender
// makes itself is written straight into the ring instead (reserve, write, commit): no copy at all.
class ChannelLink final : public Link {
 public:
  ChannelLink(int in_fd, int out_fd, bool in_place)
      : rx_(mapio::ipc::Channel::from_descriptor(in_fd)),
        tx_(mapio::ipc::Channel::from_descriptor(out_fd)),
        in_place_(in_place) {
    rx_.set_spin(spin);
    tx_.set_spin(spin);
  }
  void send(std::span<const std::byte> message) override { tx_.send(message, 10s); }
  void send_made(std::span<const std::byte> message, std::byte fill, std::size_t prefix) override {
    if (!in_place_) return send(message);
    // Every byte of the message is written into the ring, as a producer that builds its message
    // there would: the fill, then the prefix (the timestamp) copied.
    const auto room = tx_.reserve(message.size(), 10s);
    std::memset(room.data() + prefix, static_cast<int>(fill), room.size() - prefix);
    if (prefix != 0) std::memcpy(room.data(), message.data(), prefix);
    tx_.commit();
  }
  std::span<const std::byte> receive(std::size_t) override {
    const auto message = rx_.receive(10s);
    if (!message) throw Error("receive", "mapio channel", ETIMEDOUT, "no message in 10 s");
    return message->bytes;
  }
  void done() override { rx_.release(); }

 private:
  mapio::ipc::Receiver rx_;
  mapio::ipc::Sender tx_;
  bool in_place_;
};

class ChannelRig final : public Rig {
 public:
  ChannelRig(std::size_t size, bool in_place)
      : down_(mapio::ipc::Channel::create_memfd("mapio-bench-down", queue_room(size))),
        up_(mapio::ipc::Channel::create_memfd("mapio-bench-up", queue_room(size))),
        in_place_(in_place) {}
  std::unique_ptr<Link> open(int side) override {
    return side == 0 ? std::make_unique<ChannelLink>(up_.descriptor(), down_.descriptor(), in_place_)
                     : std::make_unique<ChannelLink>(down_.descriptor(), up_.descriptor(), in_place_);
  }

 private:
  mapio::ipc::Channel down_, up_;  // side 0 sends down, side 1 sends up
  bool in_place_;
};

// The floor: one 64-bit counter in a shared cache line. Side 0 writes odd values, side 1 even
// ones; each waits, spinning, for the other's next value. No payload: the least any transport
// between two cores can cost.
class CacheLineLink final : public Link {
 public:
  CacheLineLink(std::uint64_t* word, std::size_t size) : word_(*word), nothing_(size) {}
  void send(std::span<const std::byte>) override { word_.store(++count_, std::memory_order_release); }
  std::span<const std::byte> receive(std::size_t) override {
    const std::uint64_t want = count_ + 1;
    for (std::uint64_t spins = 1;; ++spins) {
      if (word_.load(std::memory_order_acquire) == want) break;
      __builtin_ia32_pause();
      if (spins % (1u << 20) == 0 && Clock::now() - since_ > 10s) {
        throw Error("receive", "cache line", ETIMEDOUT, "the other process stopped answering");
      }
    }
    count_ = want;
    since_ = Clock::now();
    return nothing_;  // as long as the message it stands for; its bytes never moved
  }

 private:
  std::atomic_ref<std::uint64_t> word_;
  std::vector<std::byte> nothing_;
  std::uint64_t count_ = 0;
  Clock::time_point since_ = Clock::now();
};

class CacheLineRig final : public Rig {
 public:
  explicit CacheLineRig(std::size_t size)
      : memory_(SharedMemory::create_memfd("mapio-bench-cache-line", 4096)), size_(size) {}
  std::unique_ptr<Link> open(int) override {
    // The mapping is shared and inherited by both forked processes.
    return std::make_unique<CacheLineLink>(reinterpret_cast<std::uint64_t*>(memory_.writable_data()), size_);
  }

 private:
  SharedMemory memory_;
  std::size_t size_;
};

}  // namespace

Transport mapio_transport() {
  Transport t;
  t.name = "mapio";
  t.description = fmt::format("a mapio::ipc channel each way (memfd); receivers (empty) and senders (full) "
                              "spin {} us, then sleep; received in place",
                              spin.count());
  t.prepare = [](std::size_t size) -> std::unique_ptr<Rig> { return std::make_unique<ChannelRig>(size, false); };
  return t;
}

Transport mapio_in_place_transport() {
  Transport t;
  t.name = "mapio-in-place";
  t.description = "as mapio, but a sender writes the messages it makes straight into the ring (reserve, "
                  "write, commit: no copy); an echo copies what it received";
  t.prepare = [](std::size_t size) -> std::unique_ptr<Rig> { return std::make_unique<ChannelRig>(size, true); };
  return t;
}

Transport cache_line_transport() {
  Transport t;
  t.name = "cache-line";
  t.description = "the floor: one cache line bounced with atomics, spinning, no payload";
  t.streams = false;
  t.prepare = [](std::size_t size) -> std::unique_ptr<Rig> { return std::make_unique<CacheLineRig>(size); };
  return t;
}

double memcpy_rate(std::size_t size, std::size_t count) {
  std::vector<std::byte> source(std::max<std::size_t>(size, 1), std::byte{0x3c});
  const std::size_t slot = (size + 63) & ~std::size_t{63};
  std::vector<std::byte> ring(queue_room(size) + slot, std::byte{0});
  std::size_t at = 0;
  auto copy = [&] {
    std::memcpy(ring.data() + at, source.data(), size);
    at += slot;
    if (at + slot > ring.size() - slot) at = 0;
  };
  for (std::size_t i = 0; i < count / 10 + 1; ++i) copy();
  const auto start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) copy();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Keeps the copies from being optimised away.
  if (ring[at] == std::byte{0x7f}) fmt::print(stderr, " ");
  return static_cast<double>(count) / seconds;
}

}  // namespace mapio::cli::bench::ipc

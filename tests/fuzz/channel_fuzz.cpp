// A channel's segment under hostile writes (mapio::ipc): the input is a script of operations on one
// live memfd channel with a sender and a receiver in this process, interleaved with writes of the
// input's bytes over the segment's header, indices and records. Every call must end in a result or
// a mapio::Error with one of the errors a damaged segment may cause; a message the receiver is
// handed is at most the largest size and is read byte by byte (a view outside the segment faults).
//
// The segment is made once and put back to its newly created bytes before each input, so that an
// input pays for attaching its sender and receiver (the header is validated each time) but not for
// creating, sealing and mapping a memfd: the long run needs millions of executions.
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "fuzz_support.hpp"
#include "ipc/segment.hpp"
#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"

namespace {

using mapio::fuzz::require;
using mapio::ipc::Channel;
using mapio::ipc::Receiver;
using mapio::ipc::Sender;
using mapio::ipc::detail::header_bytes;
using mapio::ipc::detail::SegmentHeader;

struct Input {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  bool empty() const { return at >= size; }
  std::uint8_t byte() { return at < size ? data[at++] : 0; }
  std::uint16_t word() { return static_cast<std::uint16_t>(byte() | (byte() << 8)); }
};

bool allowed(int e) { return e == EPROTO || e == ETIMEDOUT || e == EPIPE || e == EBUSY || e == EFAULT; }


// The one segment every input starts from, and the hostile peer's hold on it: the same pages mapped
// read-write once more, and a channel for status().
struct Fixture {
  Channel channel = Channel::create_memfd("fuzz", 4096);
  std::size_t length = header_bytes + channel.capacity();
  std::uint8_t* segment = map();
  std::vector<std::uint8_t> pristine{segment, segment + length};
  Channel hostile = Channel::from_descriptor(channel.descriptor());

  std::uint8_t* map() const {
    void* raw = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, channel.descriptor(), 0);
    require(raw != MAP_FAILED, "the segment maps");
    return static_cast<std::uint8_t*>(raw);
  }
};

Fixture& fixture() {
  static Fixture* made = new Fixture;  // never destroyed: the fuzzer exits without unwinding
  return *made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  Fixture& f = fixture();
  // Nothing is attached between inputs, so the bytes of a new segment make it new again.
  std::memcpy(f.segment, f.pristine.data(), f.length);
  const Channel& channel = f.channel;
  Channel& hostile = f.hostile;
  const std::size_t length = f.length;
  const int fd = channel.descriptor();
  std::uint8_t* segment = f.segment;
  auto scribble = [&](std::size_t at, std::size_t n) {
    for (std::size_t i = 0; i < n && at + i < length; ++i) segment[at + i] = in.byte();
  };
  std::optional<Sender> tx;
  std::optional<Receiver> rx;
  tx.emplace(Channel::from_descriptor(fd));
  rx.emplace(Channel::from_descriptor(fd));
  std::vector<std::byte> message(channel.max_message_size(), std::byte{0x42});
  std::vector<std::byte> buffer(channel.max_message_size());
  while (!in.empty()) {
    try {
      switch (in.byte() % 8) {
        case 0: {  // a message of any size up to the largest
          const std::size_t n = (std::size_t{in.word()} * 7) % (message.size() + 1);
          if (tx) (void)tx->try_send(std::span(message).first(n));
          break;
        }
        case 1: {  // receive in place; the view must lie inside the ring
          if (!rx) break;
          if (auto m = rx->try_receive()) {
            require(m->bytes.size() <= channel.max_message_size(), "a message is at most the largest size");
            std::uint64_t sum = 0;
            for (const auto b : m->bytes) sum += static_cast<std::uint8_t>(b);  // ASan checks each byte
            asm volatile("" : : "r"(sum));
            rx->release();
          }
          break;
        }
        case 2:
        case 3: {  // hostile bytes over the header (indices, futex words, lock, identities)
          const std::size_t at = in.word() % sizeof(SegmentHeader);
          const std::size_t n = 1 + in.byte() % 8;
          scribble(at, n);
          break;
        }
        case 4: {  // hostile bytes over the ring, mostly on record headers
          const std::size_t at = header_bytes + (std::size_t{in.word()} * 16) % channel.capacity();
          const std::size_t n = 1 + in.byte() % 16;
          scribble(at, n);
          break;
        }
        case 5:
          (void)hostile.status();
          break;
        case 6: {  // zero copy, with a timeout of nothing
          if (!tx) break;
          const std::size_t n = in.byte();
          auto room = tx->reserve(n, std::chrono::milliseconds(0));
          std::memset(room.data(), 0x17, room.size());
          if (in.byte() % 2 == 0) {
            (void)tx->commit(n / 2);
          } else {
            tx->abort();
          }
          break;
        }
        case 7: {  // copy out, or (one time in four) attach anew: the header is validated again
          if (in.byte() % 4 != 0) {
            if (rx) (void)rx->receive(buffer, std::chrono::milliseconds(0));
          } else {
            rx.reset();
            tx.reset();
            tx.emplace(Channel::from_descriptor(fd));
            rx.emplace(Channel::from_descriptor(fd));
          }
          break;
        }
      }
    } catch (const mapio::Error& e) {
      require(allowed(e.errno_value()), "a damaged segment gives EPROTO, ETIMEDOUT, EPIPE, EBUSY or EFAULT");
    }
  }
  rx.reset();
  tx.reset();
  return 0;
}

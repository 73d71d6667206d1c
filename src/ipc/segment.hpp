// The layout of a channel's shared segment, and the checks that make it safe to read.
//
// Everything here is read and written by several processes, any of which may die or lie: fields
// are plain integers accessed through std::atomic_ref (an object's address differs per process,
// but lock-free atomics on shared memory are address-free), and nothing read from the segment is
// used before it is checked.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace mapio::ipc::detail {

inline constexpr std::uint64_t segment_magic = 0x314e414843'4f49'50ULL;  // "PIOCHAN1", little-endian-ish
// 2: the senders' lock is an identity word; 3: the lock has a cache line of its own, apart from the head;
// 4: a record's sequence number is its stamp, stored last: the receiver finds a message by it.
inline constexpr std::uint32_t segment_version = 4;
inline constexpr std::size_t header_bytes = 4096;  // the ring starts on the second page
inline constexpr std::size_t max_senders = 64;
inline constexpr std::size_t record_alignment = 16;

/// A process as a channel knows it: its pid and the low 32 bits of the kernel's start time of that
/// process (clock ticks since boot), so that a pid recycled by an unrelated process is not taken
/// for the peer. One 64-bit word, so that a slot is claimed and freed by one compare-and-swap; 0
/// is a free slot.
struct Identity {
  std::int32_t pid = 0;
  std::uint32_t start_time = 0;

  std::uint64_t word() const noexcept {
    return (std::uint64_t{start_time} << 32) | static_cast<std::uint32_t>(pid);
  }
  static Identity from_word(std::uint64_t w) noexcept {
    return Identity{static_cast<std::int32_t>(static_cast<std::uint32_t>(w)), static_cast<std::uint32_t>(w >> 32)};
  }
};

struct alignas(64) SegmentHeader {
  // Written once by the creator, checked by everyone who attaches.
  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint64_t capacity;  // ring bytes, a power of two

  // The senders' lock: the Identity word of the sender that holds it, 0 when free. Not a robust
  // pthread mutex: glibc trusts a mutex's bytes (its robust list links, its kind), so a peer that
  // scribbles over one can make the next lock or unlock abort or write through a wild pointer.
  // A word that only ever names a process can be checked like every other field. Only senders
  // touch this cache line: with one sender it stays in that sender's cache, and taking the lock
  // costs no transfer of a line from the receiver's core.
  alignas(64) std::uint64_t send_lock;
  std::uint32_t lock_futex;    // bumped by an unlock that finds a waiter; senders waiting for the lock sleep on it
  std::uint32_t lock_waiters;  // a sender sleeps on lock_futex: unlock must wake it
  std::uint64_t next_sequence;

  // What senders publish and the receiver reads: the published end of the ring.
  alignas(64) std::uint64_t head;  // bytes published, ever (monotonic)
  std::uint32_t data_futex;        // bumped when a publish finds the receiver asleep; it sleeps on it
  std::uint32_t receiver_sleeping;

  // The receiver's side.
  alignas(64) std::uint64_t tail;  // bytes released, ever (monotonic)
  std::uint32_t space_futex;       // bumped when a release finds a sender asleep; senders sleep on it
  std::uint32_t senders_sleeping;
  std::uint32_t receiver_ever;     // a receiver attached once: its absence now means it left
  std::uint32_t senders_ever;
  std::uint64_t receiver;  // an Identity word

  alignas(64) std::uint64_t senders[max_senders];  // Identity words
};
static_assert(sizeof(SegmentHeader) <= header_bytes);

/// One record in the ring: a header, then the payload padded to record_alignment.
struct RecordHeader {
  std::uint32_t size;  // payload bytes
  std::uint32_t kind;
  // The message's number, and its stamp: stored last (release), after every other byte of the
  // record, so a record whose number is above the last one received is whole. A padding record
  // carries the number of the message after it, and is stamped after that message.
  std::uint64_t sequence;
};
static_assert(sizeof(RecordHeader) == record_alignment);
inline constexpr std::uint32_t record_message = 0x4753534d;  // "MSSG"
inline constexpr std::uint32_t record_padding = 0x44444150;  // "PADD": skip to the ring's start

constexpr std::uint64_t align_record(std::uint64_t n) noexcept {
  return (n + record_alignment - 1) & ~std::uint64_t{record_alignment - 1};
}
constexpr std::uint64_t record_bytes(std::uint64_t payload) noexcept {
  return sizeof(RecordHeader) + align_record(payload);
}

template <class T>
std::atomic_ref<T> shared(T& field) noexcept {
  return std::atomic_ref<T>(field);
}

}  // namespace mapio::ipc::detail

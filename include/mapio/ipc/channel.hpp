// Channels: messages between processes through shared memory, that never wait for a dead peer.
//
// A channel is a ring of variable-size messages in one shared memory segment: a memfd (handed to
// the other process over a UNIX socket, sealed so that nobody can shrink it) or a named POSIX
// object. Any number of processes send into it; one process at a time receives from it.
//
//     // Parent: create the channel, hand the segment to a child, receive.
//     auto channel = mapio::ipc::Channel::create_memfd("jobs", 1 << 16);
//     if (fork() == 0) {
//       mapio::ipc::Sender tx(mapio::ipc::Channel::from_descriptor(channel.descriptor()));
//       tx.send(std::as_bytes(std::span{"hello", 5}));
//       _exit(0);
//     }
//     mapio::ipc::Receiver rx(std::move(channel));
//     std::vector<std::byte> buffer(rx.max_message_size());
//     auto got = rx.receive(buffer, std::chrono::seconds(1));   // 5 bytes, sequence 0
//
// What a peer's death does (the reason this exists):
// - A sender killed at any instruction never leaves half a message behind: a message is published
//   by one store of its sequence number (its stamp) after its other bytes are written, and the
//   receiver takes only records stamped after the last message; the head, which follows, is moved
//   past a stamped message by the next sender if its sender died in between. Senders serialise their claims
//   with a lock word in the segment that holds the identity of its holder (below); a sender that
//   waits for it checks once per liveness interval that the holder lives, and takes the lock over
//   from a dead one by one compare-and-swap. The dead sender's unpublished bytes are simply
//   overwritten, so a killed sender never wedges the others. (Not a robust pthread mutex: glibc
//   trusts the mutex's bytes, and a peer that scribbles over them can make lock or unlock abort.)
// - A receiver killed before release() loses nothing: the ring's tail moves only on release(), so
//   the next receiver that attaches gets the same message again, with the same sequence number.
// - Liveness: each end records its process identity (pid and the kernel's start time of that
//   process, which a recycled pid cannot share) in the segment. A blocked call sleeps on a futex
//   in the segment in slices of at most `liveness_interval` (20 ms) and looks at its peers between
//   slices, so a dead peer is reported within that interval as mapio::Error(EPIPE, "peer gone").
//   We chose identities over pidfds because they are data in the segment: every process can check
//   every other one without holding a descriptor per peer, and a pid reused by an unrelated
//   process is told apart by its start time.
//
// What a hostile or buggy peer can do: scribble over the segment. Every index and length read from
// it is checked before use (magic, version, capacity, head and tail within one capacity of each
// other, the tail the receiver left, records inside the ring and no larger than the largest
// message), so
// corruption becomes mapio::Error(EPROTO), never an access outside the segment. A named channel lives in a tmpfs file that cannot be sealed: a peer
// may truncate it, so every access to a named channel runs under mapio's SIGBUS guard and a
// truncation becomes mapio::Error(EFAULT), never a signal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mapio/core/shared_memory.hpp"

namespace mapio::ipc {
namespace detail {
struct Segment;
class Watcher;
}

/// How often a blocked call checks that its peers are alive: the bound on noticing a dead peer.
inline constexpr std::chrono::milliseconds liveness_interval{20};

/// A process attached to a channel, and whether it is still running.
struct Peer {
  int pid = 0;
  bool alive = false;
};

/// A channel's state as its segment tells it (`mapio chan stat`).
struct ChannelStatus {
  std::size_t capacity = 0;
  std::uint64_t head = 0;       ///< bytes ever published
  std::uint64_t tail = 0;       ///< bytes ever released
  std::uint64_t used = 0;       ///< head - tail: bytes waiting in the ring
  std::uint64_t next_sequence = 0;
  bool receiver_attached_once = false;
  bool senders_attached_once = false;
  std::optional<Peer> receiver;  ///< the receiver's slot, when it holds one
  std::vector<Peer> senders;     ///< the senders' slots that hold one
};

/// The shared segment of a channel. Create it once, then attach a Sender or a Receiver to it in
/// each process (a process may hold both ends, e.g. to test).
///
///     auto channel = mapio::ipc::Channel::create("/mapio-jobs", 1 << 20);   // mode 0600
///     auto same = mapio::ipc::Channel::open("/mapio-jobs");                 // another process
class Channel {
 public:
  /// A channel in a new memfd, sealed against shrinking and growing. `capacity` is the ring's size
  /// in bytes, rounded up to a power of two (at least 4 KiB); a message may be up to half of it.
  static Channel create_memfd(const std::string& name, std::size_t capacity);
  /// A channel in a new named POSIX shared memory object (O_EXCL: EEXIST if it exists), mode 0600
  /// unless told otherwise. The name is checked: '/' then up to 200 characters, no other '/', no "..".
  static Channel create(const std::string& name, std::size_t capacity, unsigned mode = 0600);
  /// Opens a named channel; its header is validated.
  static Channel open(const std::string& name);
  /// A channel whose segment descriptor came from elsewhere (a memfd over a UNIX socket); mapio
  /// keeps its own duplicate. Its header is validated.
  static Channel from_descriptor(int fd);
  /// Removes a named channel's name (shm_unlink); attached ends keep working.
  static void unlink(const std::string& name);

  Channel(Channel&&) noexcept = default;
  Channel& operator=(Channel&&) noexcept = default;

  /// The segment's descriptor, to pass to another process.
  int descriptor() const noexcept { return memory_.descriptor(); }
  /// Ring bytes; the largest message is max_message_size().
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t max_message_size() const noexcept;
  /// What the segment says now: fill, indices, and which peers are attached and alive. The
  /// indices are checked as every other access checks them (EPROTO when they are corrupt).
  ChannelStatus status();
  /// True for a named channel, whose every access is guarded against truncation.
  bool named() const noexcept { return named_; }
  const std::string& description() const noexcept { return memory_.description(); }

 private:
  friend class Sender;
  friend class Receiver;
  Channel(SharedMemory memory, std::size_t capacity, bool named)
      : memory_(std::move(memory)), capacity_(capacity), named_(named) {}
  static Channel attach(SharedMemory memory, bool named);
  /// The segment as Sender, Receiver and status() touch it.
  detail::Segment segment();

  SharedMemory memory_;
  std::size_t capacity_ = 0;
  bool named_ = false;
};

/// A message as the receiver sees it: its bytes in the ring (valid until release()) and the
/// sequence number the channel gave it, counted from 0 in send order across all senders (a sender
/// killed inside commit() may leave one number unused: numbers grow, with no duplicates).
struct MessageView {
  std::span<const std::byte> bytes;
  std::uint64_t sequence = 0;
};

/// What receive(buffer) copied: how many bytes and the message's sequence number.
struct Received {
  std::size_t size = 0;
  std::uint64_t sequence = 0;
};

/// The sending end. Any number of Senders, in any processes, may share a channel.
///
///     mapio::ipc::Sender tx(std::move(channel));
///     auto slot = tx.reserve(64, std::chrono::milliseconds(100));  // zero-copy: write in place
///     std::memcpy(slot.data(), record, 64);
///     tx.commit(64);                                               // now the receiver sees it
class Sender {
 public:
  explicit Sender(Channel channel);
  Sender(Sender&&) noexcept;
  Sender& operator=(Sender&&) = delete;
  ~Sender();

  /// Waits up to `timeout` for room for a message of `size` bytes and returns that room, to be
  /// filled and then published by commit() (or dropped by abort()). Holds the senders' lock until
  /// then: keep it short. EMSGSIZE if `size` exceeds max_message_size(); ETIMEDOUT when no room
  /// came in time; EPIPE when the receiver that was attached has died or left and the ring is full.
  std::span<std::byte> reserve(std::size_t size, std::chrono::milliseconds timeout);
  /// Publishes the reserved message, cut to `size` bytes (at most what was reserved), and returns
  /// its sequence number. Once commit() returns, the message is delivered even if this process dies.
  std::uint64_t commit(std::size_t size);
  /// Publishes the whole reserved message.
  std::uint64_t commit() { return commit(claim_size_); }
  /// Drops the reservation; nothing is published.
  void abort() noexcept;

  /// reserve + copy + commit. Returns the message's sequence number.
  std::uint64_t send(std::span<const std::byte> message, std::chrono::milliseconds timeout = std::chrono::hours(24));
  /// As send(), but never waits: std::nullopt when there is no room now.
  std::optional<std::uint64_t> try_send(std::span<const std::byte> message);

  std::size_t max_message_size() const noexcept { return channel_.max_message_size(); }

  /// Before sleeping on a full ring, look again for up to `spin` (0 by default: no busy waiting),
  /// with the CPU's pause instruction between looks. In a stream the receiver frees room a message
  /// at a time: without a spin a sender that outruns it sleeps and is woken once per message (a
  /// system call on each side), with one it takes the room as it comes. As Receiver::set_spin, it
  /// pays only when both processes have a core.
  void set_spin(std::chrono::microseconds spin) noexcept { spin_ = spin; }

 private:
  std::span<std::byte> claim(std::size_t size, std::chrono::milliseconds timeout, bool wait);
  bool lock(const detail::Segment& segment, std::chrono::steady_clock::time_point deadline, bool wait);
  void unlock(const detail::Segment& segment) noexcept;
  void finish_dead_commit(const detail::Segment& segment) noexcept;
  std::uint64_t fill_and_commit(std::span<std::byte> room, std::span<const std::byte> message);
  void detach() noexcept;

  Channel channel_;
  int slot_ = -1;                 // this sender's entry in the segment's table of senders
  bool holding_ = false;          // reserve() succeeded and neither commit() nor abort() followed
  std::uint64_t claim_at_ = 0;    // ring position of the reserved record
  std::size_t claim_size_ = 0;
  std::uint64_t pad_at_ = 0;      // where the padding before it goes, when it needs one
  bool padded_ = false;
  std::uint64_t me_ = 0;                 // this process's identity word: the lock holds it
  std::uint64_t checked_holder_ = 0;     // the lock's holder last checked for liveness, and when
  std::chrono::steady_clock::time_point holder_checked_at_{};
  // The ring's tail as this sender last read (and checked) it. The tail only grows, so the room it
  // shows is room there is: it is read again only when that room runs out, or after
  // tail_check_interval claims, so that a scribbled tail is still found within that many sends.
  std::uint64_t tail_seen_ = 0;
  unsigned claims_since_tail_read_ = 0;
  bool tail_known_ = false;
  std::chrono::microseconds spin_{0};
};

/// The receiving end: one per channel at a time. A receiver that dies before release() leaves the
/// message in the ring for the next one.
///
///     mapio::ipc::Receiver rx(std::move(channel));
///     while (auto message = rx.receive(std::chrono::seconds(1))) {   // nullopt: timed out
///       handle(message->bytes);
///       rx.release();
///     }
class Receiver {
 public:
  /// Attaches as the channel's receiver: EBUSY if a live process already is.
  explicit Receiver(Channel channel);
  Receiver(Receiver&&) noexcept;
  Receiver& operator=(Receiver&&) = delete;
  ~Receiver();

  /// The next message, in place, or std::nullopt when none came within `timeout`. EPIPE ("peer
  /// gone") when the ring is empty and every sender this receiver has known (alive while it
  /// waited, or the author of a message it received) has died or left — as a FIFO's reader sees
  /// its end of file. Before any sender came, it waits. The view is
  /// valid until release(), which must come before the next receive.
  std::optional<MessageView> receive(std::chrono::milliseconds timeout);
  /// As receive(), but never waits.
  std::optional<MessageView> try_receive();
  /// Frees the message returned last; only now may senders reuse its bytes.
  void release();

  /// Copies the next message into `buffer` and releases it. EMSGSIZE (the message stays in the
  /// ring) if `buffer` is too small. std::nullopt after `timeout`.
  std::optional<Received> receive(std::span<std::byte> buffer, std::chrono::milliseconds timeout);

  std::size_t max_message_size() const noexcept { return channel_.max_message_size(); }

  /// Before sleeping on an empty ring, look again for up to `spin` (0 by default: no busy
  /// waiting), with the CPU's pause instruction between looks. A few microseconds save a wake-up
  /// system call on both sides per message when messages come close together and both processes
  /// have a core; on a machine with more runnable processes than cores they only burn CPU.
  void set_spin(std::chrono::microseconds spin) noexcept { spin_ = spin; }

  /// A descriptor for poll/epoll/select that becomes readable when try_receive() has something to
  /// say: a message waits, or every sender has died or left (try_receive() then throws EPIPE, as
  /// receive() would), within one liveness_interval. Drain it with try_receive() until that
  /// returns std::nullopt, which makes the descriptor unreadable again; never read it yourself.
  /// The descriptor is an eventfd of this process, written by a thread that this call starts and
  /// the Receiver owns: the thread sleeps on the segment's futex, where a blocked receive() would.
  /// We chose it over a descriptor the senders write because it needs nothing from them: it works
  /// the same for a memfd and for a named channel between unrelated processes (an eventfd cannot
  /// be opened by name), and it notices a dead sender by the same liveness check as receive().
  /// Mix it with blocking receive() only with care: both sleep on the same futex, and a wake-up one
  /// of them misses costs up to one liveness_interval.
  ///
  ///     pollfd p{rx.wait_descriptor(), POLLIN, 0};
  ///     while (::poll(&p, 1, 1000) > 0) {
  ///       while (auto m = rx.try_receive()) { handle(m->bytes); rx.release(); }
  ///     }
  int wait_descriptor();

 private:
  std::optional<MessageView> next(std::chrono::milliseconds timeout, bool wait);
  bool senders_gone(const detail::Segment& segment);
  bool arrived(const detail::Segment& segment, std::uint64_t tail, std::uint64_t head, std::memory_order order) const noexcept;
  void detach() noexcept;

  Channel channel_;
  bool attached_ = false;
  std::uint64_t held_size_ = 0;  // ring bytes of the message receive() returned, 0 when none
  std::uint64_t held_sequence_ = 0;
  std::chrono::microseconds spin_{0};
  bool seen_sender_ = false;  // a sender was alive, or a message came, since this receiver attached
  // The stamp of the message received last: the next one carries a larger one, which the receiver
  // looks for in the record's own line at the tail instead of reading the head.
  std::uint64_t last_sequence_ = 0;
  bool sequence_known_ = false;
  // The tail this receiver published: only the receiver moves it, so any other value is a scribble.
  std::uint64_t tail_mine_ = 0;
  bool tail_known_ = false;
  std::unique_ptr<detail::Watcher> watcher_;  // behind wait_descriptor(), started by its first call
};

}  // namespace mapio::ipc

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "ipc/endpoint.hpp"
#include "ipc/futex.hpp"
#include "ipc/process_identity.hpp"
#include "mapio/ipc/channel.hpp"

namespace mapio::ipc {

using detail::record_bytes;
using detail::RecordHeader;
using detail::shared;

Sender::Sender(Channel channel) : channel_(std::move(channel)) {
  const auto s = channel_.segment();
  const std::uint64_t me = me_ = detail::self_identity().word();
  // Take a free slot, or the slot of a sender that died without leaving: one compare-and-swap
  // against the word seen, so two processes never take the same slot.
  for (std::size_t i = 0; i < detail::max_senders && slot_ < 0; ++i) {
    std::uint64_t seen = 0;
    s.touch("attach sender", [&] { seen = shared(s.header->senders[i]).load(std::memory_order_acquire); });
    if (seen != 0 && detail::alive(detail::Identity::from_word(seen))) continue;
    bool won = false;
    s.touch("attach sender", [&] {
      won = shared(s.header->senders[i]).compare_exchange_strong(seen, me, std::memory_order_acq_rel);
      if (won) shared(s.header->senders_ever).store(1, std::memory_order_release);
    });
    if (won) slot_ = static_cast<int>(i);
  }
  if (slot_ < 0) {
    throw Error("attach sender", channel_.description(), EBUSY,
                fmt::format("all {} sender slots are held by live processes", detail::max_senders));
  }
}

Sender::Sender(Sender&& other) noexcept
    : channel_(std::move(other.channel_)),
      slot_(std::exchange(other.slot_, -1)),
      holding_(std::exchange(other.holding_, false)),
      claim_at_(other.claim_at_),
      claim_size_(other.claim_size_),
      pad_at_(other.pad_at_),
      padded_(other.padded_),
      me_(other.me_),
      checked_holder_(other.checked_holder_),
      holder_checked_at_(other.holder_checked_at_),
      tail_seen_(other.tail_seen_),
      claims_since_tail_read_(other.claims_since_tail_read_),
      tail_known_(other.tail_known_),
      spin_(other.spin_) {}

Sender::~Sender() { detach(); }

void Sender::detach() noexcept {
  if (slot_ < 0) return;
  abort();
  auto s = channel_.segment();
  auto step = [&] {
    shared(s.header->senders[slot_]).store(0, std::memory_order_release);
    // Wake a receiver that sleeps, so that it sees at once when its last sender has left.
    shared(s.header->data_futex).fetch_add(1, std::memory_order_seq_cst);
  };
  if (detail::run_step(s.guarded, s.base, s.length, step)) detail::futex_wake_all(&s.header->data_futex);
  slot_ = -1;
}

bool Sender::lock(const detail::Segment& s, std::chrono::steady_clock::time_point deadline, bool wait) {
  const std::uint64_t me = me_;
  // First without waiting: with one sender, or no contention, one compare-and-swap is the whole cost.
  std::uint64_t holder = 0;
  bool won = false;
  s.touch("lock channel", [&] { won = shared(s.header->send_lock).compare_exchange_strong(holder, me, std::memory_order_acquire); });
  if (won) return true;
  for (;;) {
    // A holder that died (or a word that names no live process: a peer wrote it) is replaced by
    // one compare-and-swap against the word seen, so that two senders never both take it over.
    // What the dead sender wrote was never published (head moves only on commit): it is written
    // over. Looked at once per liveness interval: reading /proc costs more than a message.
    // The check is remembered per holder, so that try_send() under contention does not read /proc
    // on every try.
    if (const auto now = std::chrono::steady_clock::now();
        holder != 0 && (holder != checked_holder_ || now - holder_checked_at_ >= liveness_interval)) {
      checked_holder_ = holder;
      holder_checked_at_ = now;
      if (!detail::alive(detail::Identity::from_word(holder))) {
        std::uint64_t seen = holder;
        s.touch("lock channel", [&] {
          won = shared(s.header->send_lock).compare_exchange_strong(seen, me, std::memory_order_acquire);
          if (won) finish_dead_commit(s);
        });
        if (won) return true;
      }
    }
    if (!wait || std::chrono::steady_clock::now() >= deadline) return false;
    std::uint32_t unlocks_seen = 0;
    s.touch("lock channel", [&] {
      shared(s.header->lock_waiters).store(1, std::memory_order_seq_cst);
      unlocks_seen = shared(s.header->lock_futex).load(std::memory_order_seq_cst);
      holder = 0;
      won = shared(s.header->send_lock).compare_exchange_strong(holder, me, std::memory_order_seq_cst);
    });
    if (won) return true;
    detail::futex_wait(&s.header->lock_futex, unlocks_seen, detail::next_slice(deadline));
    s.touch("lock channel", [&] {
      holder = 0;
      won = shared(s.header->send_lock).compare_exchange_strong(holder, me, std::memory_order_acquire);
    });
    if (won) return true;
  }
}

// A sender that died inside commit() after stamping its message, but before it moved the head,
// has published the message (the receiver may have taken it already) without the head saying so.
// The sender that takes its lock over finishes that commit: it moves the head past the message
// (and the padding before it), so that nobody writes over a delivered message and the head is
// never behind the tail. The message is the one stamped with the last number taken, at the head
// (or, behind a padding stamped with that number, at the ring's start); no other record can carry
// that number there, since a finished commit moves the head past its record. Runs inside a touch
// step, under the lock; what it reads is checked like everything else, and anything that does not
// fit is left for claim()'s checks.
void Sender::finish_dead_commit(const detail::Segment& s) noexcept {
  const std::uint64_t head = shared(s.header->head).load(std::memory_order_relaxed);
  const std::uint64_t taken = s.header->next_sequence - 1;  // the number the dead commit stamped
  if (head % detail::record_alignment != 0) return;
  const std::uint64_t mask = s.capacity - 1;
  std::uint64_t at = head;
  auto* record = reinterpret_cast<RecordHeader*>(s.ring + (at & mask));
  if (record->kind == detail::record_padding && shared(record->sequence).load(std::memory_order_acquire) == taken) {
    if (record_bytes(record->size) != s.capacity - (at & mask)) return;
    at += s.capacity - (at & mask);
    record = reinterpret_cast<RecordHeader*>(s.ring);
  }
  if (record->kind != detail::record_message || record->size > channel_.max_message_size() ||
      shared(record->sequence).load(std::memory_order_acquire) != taken) {
    return;
  }
  shared(s.header->head).store(at + record_bytes(record->size), std::memory_order_release);
}

void Sender::unlock(const detail::Segment& s) noexcept {
  bool wake = false;
  auto step = [&] {
    // A plain store gives the lock back; the fence orders it before the look at the waiters' flag
    // (a waiter sets its flag, then tries the lock: one of the two sees the other). The futex word
    // moves only when somebody waits on it, so an uncontended unlock makes no locked operation.
    shared(s.header->send_lock).store(0, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (shared(s.header->lock_waiters).load(std::memory_order_relaxed) != 0) {
      shared(s.header->lock_waiters).store(0, std::memory_order_relaxed);
      shared(s.header->lock_futex).fetch_add(1, std::memory_order_seq_cst);
      wake = true;
    }
  };
  if (detail::run_step(s.guarded, s.base, s.length, step) && wake) detail::futex_wake_all(&s.header->lock_futex);
}

namespace {
// The most claims a sender makes on the tail it read last before it reads (and checks) the tail
// again even though that tail still shows room: the bound on how many sends a scribbled tail
// goes unnoticed by a sender. A read every 64 messages costs little; one per message costs a
// cache line transfer per message while the receiver keeps up.
constexpr unsigned tail_check_interval = 64;
}  // namespace

std::span<std::byte> Sender::claim(std::size_t size, std::chrono::milliseconds timeout, bool wait) {
  if (holding_) {
    throw Error("reserve", channel_.description(), EINVAL, "the previous reserve() was neither committed nor aborted");
  }
  if (size > channel_.max_message_size()) {
    throw Error("reserve", channel_.description(), EMSGSIZE,
                fmt::format("a message of {} bytes is larger than this channel's largest, {} bytes", size,
                            channel_.max_message_size()));
  }
  const auto s = channel_.segment();
  // The clock is read only when something must be waited for: first the lock is tried as it is.
  auto deadline = std::chrono::steady_clock::time_point::max();
  if (!lock(s, deadline, false)) {
    if (!wait) return {};
    deadline = detail::deadline_after(timeout);
    if (!lock(s, deadline, true)) {
      throw Error("send", channel_.description(), ETIMEDOUT, "another sender held the channel for the whole timeout");
    }
  }
  bool waited = false;
  const std::uint64_t need = record_bytes(size);
  const std::uint64_t mask = s.capacity - 1;
  // As in Receiver::next: the receiver's liveness is looked at once per interval of waiting.
  std::chrono::steady_clock::time_point next_liveness_check{};
  // A full ring, or a tail not seen for a while, makes the next look read the tail again.
  bool read_tail = !tail_known_ || ++claims_since_tail_read_ >= tail_check_interval;
  for (;;) {
    // Under the lock only this process moves head; the receiver moves tail at any time. The head
    // is read and checked on every claim. The tail is read only when the tail seen last leaves
    // too little room (or every tail_check_interval claims): reading it while the receiver
    // releases costs a cache line taken from the receiver's core, per message.
    std::uint64_t head = 0, tail = tail_seen_;
    std::uint32_t space_seen = 0;
    auto look = [&](bool with_tail) {
      s.touch("send", [&] {
        head = shared(s.header->head).load(std::memory_order_relaxed);
        if (with_tail) {
          // The futex word before the tail: a release after this look wakes a sleep on it.
          space_seen = shared(s.header->space_futex).load(std::memory_order_acquire);
          tail = shared(s.header->tail).load(std::memory_order_acquire);
        }
      });
    };
    look(read_tail);
    const auto fits = [&] { return head - tail <= s.capacity && head % detail::record_alignment == 0 &&
                                   tail % detail::record_alignment == 0; };
    if (!read_tail && !fits()) {
      read_tail = true;  // the head moved past what the old tail allows: look at both again
      look(true);
    }
    if (!fits()) {
      unlock(s);
      tail_known_ = false;
      s.corrupt("send", fmt::format("head {} and tail {} are not within one ring of {} bytes", head, tail, s.capacity));
    }
    if (read_tail) {
      tail_seen_ = tail;
      tail_known_ = true;
      claims_since_tail_read_ = 0;
    }
    const std::uint64_t at = head & mask;
    const std::uint64_t to_end = s.capacity - at;
    // One record header more than the record (and its padding): commit() clears the stamp where
    // the next record's header goes, so that whatever bytes lay there (a longer message's payload
    // from an earlier lap, a reservation cut short) never pass for a stamp, and that slot must
    // hold nothing unreleased.
    const std::uint64_t total = (need <= to_end ? need : to_end + need) + sizeof(RecordHeader);
    if (s.capacity - (head - tail) < total && !read_tail) {
      read_tail = true;  // full by the tail seen last: the receiver may have released since
      continue;
    }
    if (s.capacity - (head - tail) >= total) {
      // Not enough room before the ring's end: a padding record, written and stamped by commit()
      // after the message itself, sends the receiver to the ring's start.
      padded_ = need > to_end;
      pad_at_ = head;
      claim_at_ = padded_ ? head + to_end : head;
      claim_size_ = size;
      holding_ = true;
      return {s.ring + (claim_at_ & mask) + sizeof(RecordHeader), size};
    }
    // Full. A receiver that attached once and is gone now will never make room.
    if (const auto now = std::chrono::steady_clock::now(); wait && now >= next_liveness_check) {
      std::uint64_t receiver = 0;
      std::uint32_t receiver_ever = 0;
      s.touch("send", [&] {
        receiver = shared(s.header->receiver).load(std::memory_order_acquire);
        receiver_ever = shared(s.header->receiver_ever).load(std::memory_order_acquire);
      });
      if (receiver_ever != 0 && !detail::alive(detail::Identity::from_word(receiver))) {
        unlock(s);
        throw Error("send", channel_.description(), EPIPE,
                    receiver == 0 ? "peer gone: the receiver left and the ring is full"
                                  : fmt::format("peer gone: the receiver (pid {}) died and the ring is full",
                                                detail::Identity::from_word(receiver).pid));
      }
      next_liveness_check = now + liveness_interval;
    }
    if (!wait) {
      unlock(s);
      return {};
    }
    if (!waited) {
      waited = true;
      if (deadline == std::chrono::steady_clock::time_point::max()) deadline = detail::deadline_after(timeout);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      unlock(s);
      throw Error("send", channel_.description(), ETIMEDOUT,
                  fmt::format("no room for {} bytes: the receiver did not release enough in time", size));
    }
    // As the receiver does on an empty ring: look at the tail again for a while before sleeping.
    // The lock stays held, as it does while the sender sleeps: the room is claimed in ring order.
    if (spin_.count() > 0 &&
        s.spin_until("send", std::min(deadline, std::chrono::steady_clock::now() + spin_),
                     [&] { return shared(s.header->tail).load(std::memory_order_acquire) != tail; })) {
      read_tail = true;
      continue;
    }
    bool room_came = false;
    s.touch("send", [&] {
      shared(s.header->senders_sleeping).store(1, std::memory_order_seq_cst);
      room_came = shared(s.header->tail).load(std::memory_order_seq_cst) != tail;
    });
    if (!room_came) detail::futex_wait(&s.header->space_futex, space_seen, detail::next_slice(deadline));
    s.touch("send", [&] { shared(s.header->senders_sleeping).store(0, std::memory_order_relaxed); });
  }
}

std::span<std::byte> Sender::reserve(std::size_t size, std::chrono::milliseconds timeout) {
  return claim(size, timeout, true);
}

std::uint64_t Sender::commit(std::size_t size) {
  if (!holding_) throw Error("commit", channel_.description(), EINVAL, "nothing was reserved");
  if (size > claim_size_) {
    throw Error("commit", channel_.description(), EINVAL,
                fmt::format("{} bytes committed, only {} reserved", size, claim_size_));
  }
  const auto s = channel_.segment();
  std::uint64_t sequence = 0;
  bool wake_receiver = false, wake_senders = false;
  s.touch("commit", [&] {
    // The sequence number is taken first: a sender that dies after this leaves a gap in the
    // numbers, never one number on two messages (the receiver wants each stamp larger than the
    // last, not the next one).
    sequence = s.header->next_sequence;
    s.header->next_sequence = sequence + 1;
    auto* record = reinterpret_cast<RecordHeader*>(s.ring + (claim_at_ & (s.capacity - 1)));
    auto* after = reinterpret_cast<RecordHeader*>(s.ring + ((claim_at_ + record_bytes(size)) & (s.capacity - 1)));
    shared(after->sequence).store(0, std::memory_order_relaxed);  // no stamp: ordered before this record's
    record->size = static_cast<std::uint32_t>(size);
    record->kind = detail::record_message;
    // The stamp publishes the message to the receiver, which watches the record's own line rather
    // than the head's: one store, after every byte of it, so a message is whole or not there.
    shared(record->sequence).store(sequence, std::memory_order_release);
    if (padded_) {
      // The padding last: a receiver that passes it finds the message stamped already.
      auto* pad = reinterpret_cast<RecordHeader*>(s.ring + (pad_at_ & (s.capacity - 1)));
      pad->size = static_cast<std::uint32_t>(claim_at_ - pad_at_ - sizeof(RecordHeader));
      pad->kind = detail::record_padding;
      shared(pad->sequence).store(sequence, std::memory_order_release);
    }
    // The head follows, for the senders that come next and for a receiver that has not stamped
    // a message yet; then the lock given back: plain stores (release), so that a sender alone makes
    // no locked operation here.
    shared(s.header->head).store(claim_at_ + record_bytes(size), std::memory_order_release);
    shared(s.header->send_lock).store(0, std::memory_order_release);
    // One fence orders both stores before the looks at the sleepers' flags: a sleeper sets its
    // flag and then looks again (at the head, or at the lock), so one of the two sides sees the
    // other and no wake-up is lost.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // The futex word moves, and the receiver is woken, only when it announced that it sleeps;
    // taking its flag makes that one wake-up for all the messages sent before it runs again.
    if (shared(s.header->receiver_sleeping).load(std::memory_order_relaxed) != 0 &&
        shared(s.header->receiver_sleeping).exchange(0, std::memory_order_seq_cst) != 0) {
      shared(s.header->data_futex).fetch_add(1, std::memory_order_seq_cst);
      wake_receiver = true;
    }
    if (shared(s.header->lock_waiters).load(std::memory_order_relaxed) != 0) {
      shared(s.header->lock_waiters).store(0, std::memory_order_relaxed);
      shared(s.header->lock_futex).fetch_add(1, std::memory_order_seq_cst);
      wake_senders = true;
    }
  });
  holding_ = false;
  // The next record goes right after this one: its lines are asked for now, for writing, so that
  // the next send finds them in this core's cache. Only lines of room the tail seen last frees
  // (never one the receiver may still be reading); a prefetch never faults.
  const std::uint64_t next = claim_at_ + record_bytes(size);
  if (next + 128 - tail_seen_ <= s.capacity) {
    __builtin_prefetch(s.ring + (next & (s.capacity - 1)), 1);
    __builtin_prefetch(s.ring + ((next + 64) & (s.capacity - 1)), 1);
  }
  if (wake_receiver) detail::futex_wake_all(&s.header->data_futex);
  if (wake_senders) detail::futex_wake_all(&s.header->lock_futex);
  return sequence;
}

void Sender::abort() noexcept {
  if (!holding_) return;
  holding_ = false;
  unlock(channel_.segment());
}

// Copies `message` into the room a claim returned and publishes it; a segment truncated under the
// copy drops the reservation instead of publishing half a message.
std::uint64_t Sender::fill_and_commit(std::span<std::byte> room, std::span<const std::byte> message) {
  const auto s = channel_.segment();
  try {
    s.touch("send", [&] { if (!message.empty()) std::memcpy(room.data(), message.data(), message.size()); });
  } catch (...) {
    abort();
    throw;
  }
  return commit(message.size());
}

std::uint64_t Sender::send(std::span<const std::byte> message, std::chrono::milliseconds timeout) {
  return fill_and_commit(claim(message.size(), timeout, true), message);
}

std::optional<std::uint64_t> Sender::try_send(std::span<const std::byte> message) {
  auto room = claim(message.size(), std::chrono::milliseconds(0), false);
  if (!holding_) return std::nullopt;
  return fill_and_commit(room, message);
}

}  // namespace mapio::ipc

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ipc/endpoint.hpp"
#include "ipc/futex.hpp"
#include "ipc/process_identity.hpp"
#include "ipc/watcher.hpp"
#include "mapio/ipc/channel.hpp"

namespace mapio::ipc {

using detail::record_bytes;
using detail::RecordHeader;
using detail::shared;

namespace {

// Moves the tail (frees ring bytes) and tells whether a sender announced that it sleeps for room;
// that sender is woken by the caller, once: the flag is taken, so the releases that follow before
// it runs make no system call. Runs inside a touch step.
bool publish_tail(const detail::Segment& s, std::uint64_t tail) noexcept {
  // A plain store and a fence (not an exchange): the fence orders the store before the look at
  // the flag, as a sleeping sender sets the flag and then looks at the tail again.
  shared(s.header->tail).store(tail, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (shared(s.header->senders_sleeping).load(std::memory_order_relaxed) == 0) return false;
  if (shared(s.header->senders_sleeping).exchange(0, std::memory_order_seq_cst) == 0) return false;
  shared(s.header->space_futex).fetch_add(1, std::memory_order_seq_cst);
  return true;
}

}  // namespace

Receiver::Receiver(Channel channel) : channel_(std::move(channel)) {
  const auto s = channel_.segment();
  const std::uint64_t me = detail::self_identity().word();
  std::uint64_t seen = 0;
  s.touch("attach receiver", [&] { seen = shared(s.header->receiver).load(std::memory_order_acquire); });
  if (seen != 0 && seen != me && detail::alive(detail::Identity::from_word(seen))) {
    throw Error("attach receiver", channel_.description(), EBUSY,
                fmt::format("process {} is this channel's receiver and is alive", detail::Identity::from_word(seen).pid));
  }
  bool won = false;
  s.touch("attach receiver", [&] {
    won = shared(s.header->receiver).compare_exchange_strong(seen, me, std::memory_order_acq_rel);
    if (won) shared(s.header->receiver_ever).store(1, std::memory_order_release);
  });
  if (!won) {
    throw Error("attach receiver", channel_.description(), EBUSY, "another process attached as the receiver first");
  }
  attached_ = true;
}

Receiver::Receiver(Receiver&& other) noexcept
    : channel_(std::move(other.channel_)),
      attached_(std::exchange(other.attached_, false)),
      held_size_(std::exchange(other.held_size_, 0)),
      spin_(other.spin_),
      seen_sender_(other.seen_sender_),
      last_sequence_(other.last_sequence_),
      sequence_known_(other.sequence_known_),
      tail_mine_(other.tail_mine_),
      tail_known_(other.tail_known_),
      watcher_(std::move(other.watcher_)) {}

Receiver::~Receiver() {
  watcher_.reset();  // its thread reads the segment: stop it first
  detach();
}

int Receiver::wait_descriptor() {
  if (!attached_) throw Error("wait descriptor", channel_.description(), EBADF, "this receiver was moved from");
  if (!watcher_) {
    const auto s = channel_.segment();
    watcher_ = std::make_unique<detail::Watcher>(s.header, s.guarded, s.base, s.length, seen_sender_);
  }
  return watcher_->descriptor();
}

void Receiver::detach() noexcept {
  if (!attached_) return;
  attached_ = false;
  auto s = channel_.segment();
  // A held message stays in the ring: the next receiver gets it again.
  auto step = [&] {
    shared(s.header->receiver).store(0, std::memory_order_release);
    shared(s.header->space_futex).fetch_add(1, std::memory_order_seq_cst);
  };
  if (detail::run_step(s.guarded, s.base, s.length, step)) detail::futex_wake_all(&s.header->space_futex);
}

// Whether something came since a look that found the ring empty at `tail`, with the head at
// `head`: a record stamped after the last message, or (before any message) a head that moved.
// Runs inside a touch step.
bool Receiver::arrived(const detail::Segment& s, std::uint64_t tail, std::uint64_t head, std::memory_order order) const noexcept {
  if (sequence_known_) {
    auto* at = reinterpret_cast<RecordHeader*>(s.ring + (tail & (s.capacity - 1)));
    return shared(at->sequence).load(order) > last_sequence_;
  }
  return shared(s.header->head).load(order) != head;
}

bool Receiver::senders_gone(const detail::Segment& s) {
  std::uint64_t words[detail::max_senders];
  s.touch("receive", [&] {
    for (std::size_t i = 0; i < detail::max_senders; ++i) {
      words[i] = shared(s.header->senders[i]).load(std::memory_order_acquire);
    }
  });
  for (const std::uint64_t word : words) {
    if (word != 0 && detail::alive(detail::Identity::from_word(word))) {
      seen_sender_ = true;
      return false;
    }
  }
  // Like a FIFO's reader: gone only once a sender was there for this receiver (alive when it
  // looked, or the author of a message it received), never before any came.
  return seen_sender_;
}

std::optional<MessageView> Receiver::next(std::chrono::milliseconds timeout, bool wait) {
  if (!attached_) throw Error("receive", channel_.description(), EBADF, "this receiver was moved from");
  if (held_size_ != 0) {
    throw Error("receive", channel_.description(), EINVAL, "the previous message was not released");
  }
  const auto s = channel_.segment();
  const std::uint64_t mask = s.capacity - 1;
  // The clock is read only once the ring is found empty: a message that is there costs no clock.
  std::chrono::steady_clock::time_point deadline{}, next_liveness_check{};
  bool waited = false;
  bool rearmed = false;  // with a wait descriptor: it was made unreadable, the ring is looked at once more
  bool watcher_gone = false;
  for (;;) {
    // Everything read from the segment is checked before it is used: a peer may have written
    // anything there. Once a message came, the next one is found by its stamp in the record at the
    // tail (a sequence number larger than the last), in the line the message's bytes come in
    // anyway: the head, which senders write, is read only when there is no such record, so that
    // while messages flow the receiver takes no cache line from the senders but the records.
    std::uint64_t head = 0, tail = 0;
    std::uint32_t data_seen = 0;
    bool stamped = false, looked_at_head = false;
    RecordHeader record{};
    s.touch("receive", [&] {
      tail = shared(s.header->tail).load(std::memory_order_relaxed);
      auto* at = reinterpret_cast<RecordHeader*>(s.ring + (tail & mask));
      if (sequence_known_ && tail % detail::record_alignment == 0) {
        const std::uint64_t stamp = shared(at->sequence).load(std::memory_order_acquire);
        if (stamp > last_sequence_) {
          record = RecordHeader{at->size, at->kind, stamp};
          stamped = true;
        }
      }
      if (!stamped) {
        // The futex word before the head, so that a publish after this look wakes a sleep on it.
        looked_at_head = true;
        data_seen = shared(s.header->data_futex).load(std::memory_order_acquire);
        head = shared(s.header->head).load(std::memory_order_acquire);
        if (head != tail && head - tail <= s.capacity && tail % detail::record_alignment == 0) {
          // Published by the head: the stamp came before it, so it is read again after it.
          record = RecordHeader{at->size, at->kind, shared(at->sequence).load(std::memory_order_acquire)};
          stamped = true;
        }
      }
      // The record's next line is asked for now, while the header's line comes: the two
      // transfers from the sender's core overlap instead of following each other.
      if (stamped && record.size > 48) __builtin_prefetch(s.ring + ((tail + 64) & mask));
    });
    if (tail_known_ && tail != tail_mine_) {
      s.corrupt("receive", fmt::format("the tail is {}, this receiver left it at {}", tail, tail_mine_));
    }
    tail_mine_ = tail;
    tail_known_ = true;
    if (tail % detail::record_alignment != 0) s.corrupt("receive", fmt::format("the tail {} is not on a record boundary", tail));
    if (looked_at_head && head != tail) {
      // A head behind the tail by less than a ring is a sender that died between its stamp and
      // its head (the next sender moves the head on): nothing to receive yet. Anything else that
      // is not within one ring ahead is corrupt.
      const bool lagging = tail - head <= s.capacity && head % detail::record_alignment == 0;
      if (!lagging && (head - tail > s.capacity || head % detail::record_alignment != 0)) {
        s.corrupt("receive", fmt::format("head {} and tail {} are not within one ring of {} bytes", head, tail, s.capacity));
      }
    }
    if (stamped) {
      const std::uint64_t at = tail & mask;
      const std::uint64_t size = record_bytes(record.size);
      // A message no sender could have written (over the largest size) is as corrupt as one that
      // runs off the ring, or one published by the head whose stamp is not newer than the last.
      if ((record.kind != detail::record_message && record.kind != detail::record_padding) || size > s.capacity - at ||
          (looked_at_head && size > head - tail) ||
          (record.kind == detail::record_message && record.size > channel_.max_message_size()) ||
          (sequence_known_ && record.sequence <= last_sequence_)) {
        s.corrupt("receive", fmt::format("the record at {} (kind {:#x}, {} bytes) does not fit the published ring", tail,
                                         record.kind, record.size));
      }
      if (record.kind == detail::record_padding) {
        bool wake = false;
        s.touch("receive", [&] { wake = publish_tail(s, tail + size); });
        tail_mine_ = tail + size;
        if (wake) detail::futex_wake_all(&s.header->space_futex);
        continue;
      }
      held_size_ = size;
      held_sequence_ = record.sequence;
      seen_sender_ = true;
      return MessageView{{s.ring + at + sizeof(RecordHeader), record.size}, record.sequence};
    }
    if (!wait) {
      if (!watcher_) return std::nullopt;
      // Empty: the descriptor stops being readable, then one more look closes the window in which
      // a message came between the first look and that.
      if (!rearmed) {
        rearmed = true;
        watcher_gone = watcher_->rearm();
        continue;
      }
      if (watcher_gone) {
        seen_sender_ = true;  // the watcher knew a sender: its absence is the end, as for receive()
        if (senders_gone(s)) throw Error("receive", channel_.description(), EPIPE, "peer gone: every sender has died or left");
      }
      return std::nullopt;
    }
    auto now = std::chrono::steady_clock::now();
    if (!waited) {
      // Peers are looked at once per liveness interval of waiting, not on every empty look:
      // reading /proc costs more than a whole message.
      waited = true;
      deadline = detail::deadline_after(timeout);
      next_liveness_check = now + liveness_interval;
    }
    if (now >= next_liveness_check) {
      if (senders_gone(s)) {
        throw Error("receive", channel_.description(), EPIPE, "peer gone: every sender has died or left");
      }
      next_liveness_check = now + liveness_interval;
    }
    if (now >= deadline) return std::nullopt;
    if (spin_.count() > 0 &&
        s.spin_until("receive", std::min(deadline, now + spin_),
                     [&] { return arrived(s, tail, head, std::memory_order_acquire); })) {
      continue;
    }
    bool data_came = false;
    s.touch("receive", [&] {
      shared(s.header->receiver_sleeping).store(1, std::memory_order_seq_cst);
      data_came = arrived(s, tail, head, std::memory_order_seq_cst);
    });
    if (!data_came) detail::futex_wait(&s.header->data_futex, data_seen, detail::next_slice(deadline));
    s.touch("receive", [&] { shared(s.header->receiver_sleeping).store(0, std::memory_order_relaxed); });
  }
}

std::optional<MessageView> Receiver::receive(std::chrono::milliseconds timeout) { return next(timeout, true); }

std::optional<MessageView> Receiver::try_receive() { return next(std::chrono::milliseconds(0), false); }

void Receiver::release() {
  if (held_size_ == 0) throw Error("release", channel_.description(), EINVAL, "no message is held");
  const auto s = channel_.segment();
  bool wake = false, scribbled = false;
  std::uint64_t tail = 0;
  s.touch("release", [&] {
    tail = shared(s.header->tail).load(std::memory_order_relaxed);
    scribbled = tail != tail_mine_;
    if (!scribbled) wake = publish_tail(s, tail + held_size_);
  });
  if (scribbled) {
    held_size_ = 0;
    s.corrupt("release", fmt::format("the tail is {}, this receiver left it at {}", tail, tail_mine_));
  }
  tail_mine_ += held_size_;
  last_sequence_ = held_sequence_;
  sequence_known_ = true;
  held_size_ = 0;
  if (wake) detail::futex_wake_all(&s.header->space_futex);
}

std::optional<Received> Receiver::receive(std::span<std::byte> buffer, std::chrono::milliseconds timeout) {
  auto message = next(timeout, true);
  if (!message) return std::nullopt;
  if (message->bytes.size() > buffer.size()) {
    held_size_ = 0;  // not released: the message stays first in the ring
    throw Error("receive", channel_.description(), EMSGSIZE,
                fmt::format("the next message has {} bytes, the buffer only {}", message->bytes.size(), buffer.size()));
  }
  const auto s = channel_.segment();
  s.touch("receive", [&] {
    if (!message->bytes.empty()) std::memcpy(buffer.data(), message->bytes.data(), message->bytes.size());
  });
  const Received got{message->bytes.size(), message->sequence};
  release();
  return got;
}

}  // namespace mapio::ipc

// The watcher behind Receiver::wait_descriptor(): a thread that sleeps on the channel's futex as a
// blocked receive() would, and turns what it sees into an eventfd an event loop can poll.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "ipc/segment.hpp"
#include "mapio/core/eventfd.hpp"

namespace mapio::ipc::detail {

class Watcher {
 public:
  /// Starts watching the segment [base, base + length), whose header is `header`. `seen_sender`:
  /// the receiver already knew a sender, so that their absence now means they are gone.
  Watcher(SegmentHeader* header, bool guarded, const void* base, std::size_t length, bool seen_sender);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  int descriptor() const noexcept { return event_.fd(); }
  /// Called by the receiver when it found the ring empty: the descriptor stops being readable
  /// until something new happens. True when every sender is gone (or the segment was lost).
  bool rearm();

 private:
  void run() noexcept;
  void notify();
  bool senders_gone();

  SegmentHeader* header_;
  bool guarded_;
  const void* base_;
  std::size_t length_;
  bool seen_sender_;  // the watcher thread's own; the receiver's is not shared with it
  EventFd event_;
  std::mutex signal_lock_;  // orders notify() and rearm(): the eventfd is never read while empty
  bool signalled_ = false;
  std::atomic<bool> gone_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mapio::ipc::detail

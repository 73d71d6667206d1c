#include "ipc/watcher.hpp"

#include "ipc/endpoint.hpp"
#include "ipc/futex.hpp"
#include "ipc/guarded_step.hpp"
#include "ipc/process_identity.hpp"

namespace mapio::ipc::detail {

Watcher::Watcher(SegmentHeader* header, bool guarded, const void* base, std::size_t length, bool seen_sender)
    : header_(header),
      guarded_(guarded),
      base_(base),
      length_(length),
      seen_sender_(seen_sender),
      event_(EventFd::create()),
      thread_([this] { run(); }) {}

Watcher::~Watcher() {
  stop_.store(true, std::memory_order_release);
  futex_wake_all(&header_->data_futex);  // at worst one liveness interval later it sees stop_ anyway
  thread_.join();
}

void Watcher::notify() {
  const std::lock_guard hold(signal_lock_);
  if (signalled_) return;
  signalled_ = true;
  event_.signal();
}

bool Watcher::rearm() {
  {
    const std::lock_guard hold(signal_lock_);
    if (signalled_) {
      signalled_ = false;
      event_.wait();  // the counter is not zero: this read only resets it
    }
  }
  return gone_.load(std::memory_order_acquire);
}

bool Watcher::senders_gone() {
  std::uint64_t words[max_senders];
  auto step = [&] {
    for (std::size_t i = 0; i < max_senders; ++i) words[i] = shared(header_->senders[i]).load(std::memory_order_acquire);
  };
  if (!run_step(guarded_, base_, length_, step)) return true;
  for (const std::uint64_t word : words) {
    if (word != 0 && alive(Identity::from_word(word))) {
      seen_sender_ = true;
      return false;
    }
  }
  return seen_sender_;
}

void Watcher::run() noexcept {
  auto next_liveness_check = std::chrono::steady_clock::now();
  while (!stop_.load(std::memory_order_acquire)) {
    std::uint64_t head = 0, tail = 0;
    std::uint32_t data_seen = 0;
    auto look = [&] {
      // Ask senders for a wake-up (the watcher sleeps where a blocked receive() would) before
      // looking at the head: a sender publishes, then looks at the flag, so either this look sees
      // its message or the sender sees the flag and moves the futex word read here first.
      data_seen = shared(header_->data_futex).load(std::memory_order_acquire);
      shared(header_->receiver_sleeping).store(1, std::memory_order_seq_cst);
      tail = shared(header_->tail).load(std::memory_order_acquire);
      head = shared(header_->head).load(std::memory_order_seq_cst);
    };
    if (!run_step(guarded_, base_, length_, look)) {
      // The segment was truncated: receive() will say so; the descriptor must wake it to.
      gone_.store(true, std::memory_order_release);
      try {
        notify();
      } catch (...) {
      }
      return;
    }
    try {
      // A message waits (or the indices are damaged, which receive() will report).
      if (head != tail) notify();
      if (const auto now = std::chrono::steady_clock::now(); now >= next_liveness_check) {
        if (senders_gone()) {
          gone_.store(true, std::memory_order_release);
          notify();
        } else {
          gone_.store(false, std::memory_order_release);  // a new sender came
        }
        next_liveness_check = now + liveness_interval;
      }
    } catch (...) {
      // An eventfd that cannot be written: nothing better to do than to keep watching.
    }
    futex_wait(&header_->data_futex, data_seen, liveness_interval);
  }
}

}  // namespace mapio::ipc::detail

// What a Sender and a Receiver share: a view of the segment, guarded access to it, identities
// and waiting.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <fmt/format.h>

#include "ipc/guarded_step.hpp"
#include "ipc/segment.hpp"
#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"

namespace mapio::ipc::detail {

/// Tells the CPU that this is a spin loop (less power, no penalty for the loop's exit).
inline void cpu_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

struct Segment {
  SegmentHeader* header;
  std::byte* ring;
  std::uint64_t capacity;
  bool guarded;
  const void* base;
  std::size_t length;
  const std::string* description;

  /// Runs `step` on the segment; a truncated named segment becomes mapio::Error(EFAULT).
  template <class Step>
  void touch(const char* operation, Step&& step) const {
    if (!run_step(guarded, base, length, step)) {
      throw Error(operation, *description, EFAULT,
                  "the channel's segment was truncated by another process: no message can be trusted any more");
    }
  }

  [[noreturn]] void corrupt(const char* operation, const std::string& what) const {
    throw Error(operation, *description, EPROTO, "the channel's header is corrupt (" + what + ")");
  }

  /// Runs `look` (a touch step returning true once what it waits for came) again and again until
  /// it says so or `until` passes, with the pause instruction between looks: the spin of a
  /// receiver on an empty ring and of a sender on a full one, before they sleep on the futex. Not
  /// yielding: on a busy machine a yield can lose the CPU for a whole scheduling period, while a
  /// sleeper woken by the futex is scheduled soon. The clock is read every 32 looks, not after
  /// each: a look and a pause are what the other side waits for, and a clock read would add to it.
  template <class Look>
  bool spin_until(const char* operation, std::chrono::steady_clock::time_point until, Look&& look) const {
    for (unsigned looks = 1;; ++looks) {
      bool came = false;
      touch(operation, [&] { came = look(); });
      if (came) return true;
      if (looks % 32 == 0 && std::chrono::steady_clock::now() >= until) return false;
      cpu_pause();
    }
  }
};

/// The time left until `deadline`, at most one liveness interval: the longest a blocked call
/// sleeps before it looks at its peers again.
inline std::chrono::nanoseconds next_slice(std::chrono::steady_clock::time_point deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  return std::min<std::chrono::nanoseconds>(left, liveness_interval);
}

inline std::chrono::steady_clock::time_point deadline_after(std::chrono::milliseconds timeout) {
  const auto now = std::chrono::steady_clock::now();
  // A timeout of "forever" must not overflow the clock.
  if (timeout > std::chrono::hours(24 * 365)) return std::chrono::steady_clock::time_point::max();
  return now + timeout;
}

}  // namespace mapio::ipc::detail

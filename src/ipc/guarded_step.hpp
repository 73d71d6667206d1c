// Runs a piece of code that touches a channel's segment, under the SIGBUS guard when the segment
// can be truncated by a peer (a named channel: tmpfs files cannot be sealed).
#pragma once

#include <cstddef>

#include "core/fault_guard.hpp"

namespace mapio::ipc::detail {

/// Runs `step()` and returns true, or returns false when the segment [base, base + length) lost
/// pages under it (SIGBUS) and `guarded` was asked for. `step` must not throw or own anything with
/// a destructor: recovery is a siglongjmp. Memfd segments are sealed against shrinking and run
/// unguarded, at no cost.
template <class Step>
bool run_step(bool guarded, const void* base, std::size_t length, Step& step) {
  if (!guarded) {
    step();
    return true;
  }
  const void* fault = mapio::detail::run_guarded(
      base, length, [](void* context) { (*static_cast<Step*>(context))(); }, &step);
  return fault == nullptr;
}

}  // namespace mapio::ipc::detail

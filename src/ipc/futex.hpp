// The futex calls a channel sleeps and wakes with, on words in memory shared between processes
// (so never FUTEX_PRIVATE_FLAG).
#pragma once

#include <chrono>
#include <cstdint>

namespace mapio::ipc::detail {

/// Sleeps while `*word == expected`, at most `timeout`. Returns on a wake-up, a timeout, a signal
/// or a changed word alike: callers re-check their condition. EFAULT (a truncated segment) is
/// reported as false so the caller can look at the segment under its guard.
bool futex_wait(std::uint32_t* word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept;
/// Wakes every process sleeping on `word`.
void futex_wake_all(std::uint32_t* word) noexcept;

}  // namespace mapio::ipc::detail

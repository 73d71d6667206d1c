// Who a process is, in a way that survives pid reuse: its pid and its start time.
#pragma once

#include "ipc/segment.hpp"

namespace mapio::ipc::detail {

/// The calling process's identity (its pid and /proc/self/stat start time).
Identity self_identity();
/// True while the process `who` names is running (not gone, not a zombie, not a newer process
/// that was given the same pid). An empty identity (pid 0) is not alive.
bool alive(const Identity& who) noexcept;

}  // namespace mapio::ipc::detail

// The SIGBUS guard behind Mapping::read_safely and scan_safely.
//
// A process-wide SIGBUS handler is installed once (thread-safely). A thread arms a thread-local
// recovery point around a guarded routine, naming the address range it reads; a fault whose
// address lies in that range jumps back to the recovery point. Every other SIGBUS — another thread,
// another address, no guard armed — goes to the handler that was there before, or, if that was the
// default, kills the process exactly as it would have without mapio. If the signal was ignored
// before, a SIGBUS sent by kill() stays ignored, while a real fault still kills (no process can
// ignore one: the access would only repeat).
#pragma once

#include <cstddef>

namespace mapio::detail {

/// Runs `routine(context)` with the guard armed over [begin, begin + length). Returns nullptr when
/// it completed, or the faulting address when a SIGBUS inside the range cut it short.
/// `routine` must not leave objects with destructors on its stack (recovery is a siglongjmp).
const void* run_guarded(const void* begin, std::size_t length, void (*routine)(void*), void* context);

/// Installs the handler now (it is otherwise installed on first use). Idempotent, thread-safe.
void install_fault_handler();

}  // namespace mapio::detail

#include "core/fault_guard.hpp"

#include <csetjmp>
#include <csignal>
#include <mutex>

namespace mapio::detail {
namespace {

struct Guard {
  sigjmp_buf recovery;
  const char* begin;
  const char* end;
  const void* volatile fault_address;
};

// One armed guard per thread at most; a nested guard saves and restores the outer one.
thread_local Guard* volatile armed_guard = nullptr;
struct sigaction previous_action;
std::once_flag install_once;

void forward_to_previous(int signal, siginfo_t* info, void* ucontext) {
  if (previous_action.sa_flags & SA_SIGINFO) {
    if (previous_action.sa_sigaction) {
      previous_action.sa_sigaction(signal, info, ucontext);
      return;
    }
  } else if (previous_action.sa_handler == SIG_IGN) {
    // A SIGBUS sent by kill() or raise() (si_code <= 0) was being ignored: keep ignoring it. A real
    // fault cannot be ignored (returning would re-execute the access forever, and the kernel itself
    // resets an ignored SIGBUS to the default when it forces one): it falls through and dies.
    if (info == nullptr || info->si_code <= 0) return;
  } else if (previous_action.sa_handler != SIG_DFL) {
    previous_action.sa_handler(signal);
    return;
  }
  // The default action: restore it. A fault re-executes the instruction on return and dies of it
  // with the signal's own status; a signal sent by kill() is raised again.
  ::signal(signal, SIG_DFL);
  if (info == nullptr || info->si_code <= 0) ::raise(signal);
}

void on_sigbus(int signal, siginfo_t* info, void* ucontext) {
  Guard* guard = armed_guard;
  if (guard != nullptr && info != nullptr && info->si_code > 0) {
    const char* address = static_cast<const char*>(info->si_addr);
    if (address >= guard->begin && address < guard->end) {
      guard->fault_address = address;
      armed_guard = nullptr;
      // SA_NODEFER leaves SIGBUS unblocked, so no signal mask needs restoring on the way out.
      siglongjmp(guard->recovery, 1);
    }
  }
  forward_to_previous(signal, info, ucontext);
}

}  // namespace

void install_fault_handler() {
  std::call_once(install_once, [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &previous_action);
  });
}

const void* run_guarded(const void* begin, std::size_t length, void (*routine)(void*), void* context) {
  install_fault_handler();
  Guard guard;
  guard.begin = static_cast<const char*>(begin);
  guard.end = guard.begin + length;
  guard.fault_address = nullptr;
  Guard* const outer = armed_guard;
  // sigsetjmp(…, 0): no signal-mask syscall per call; see SA_NODEFER above.
  if (sigsetjmp(guard.recovery, 0) == 0) {
    armed_guard = &guard;
    routine(context);
  }
  armed_guard = outer;
  return guard.fault_address;
}

}  // namespace mapio::detail

// `mapio tour` steps about memory: anonymous memory shared with a child process, and guard pages.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/guarded.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/syscall.hpp"
#include "tour_step.hpp"

namespace mapio::cli::tour {
namespace {

/// Runs `body` in a forked child (which then _exits 0) and returns its wait status.
int in_child(const std::function<void()>& body) {
  std::fflush(stdout);
  const pid_t child = ::fork();
  if (child < 0) throw_errno("fork", "tour child");
  if (child == 0) {
    body();
    ::_exit(0);  // never return into the parent's code (or run its destructors) in the child
  }
  int status = 0;
  if (sys::retry_interrupted([&] { return ::waitpid(child, &status, 0); }) < 0) {
    throw_errno("waitpid", std::to_string(child));
  }
  return status;
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return signal == SIGSEGV ? "died of SIGSEGV" : fmt::format("died of signal {} ({})", signal, ::strsignal(signal));
  }
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

StepRegistration fork_shared{
    30, "Memory shared with a child process",
    "Mapping::anonymous(n, Sharing::shared) is MAP_SHARED|MAP_ANONYMOUS: fork() does not copy it,\n"
    "so parent and child use the same pages. Private memory (what malloc gives) is copied on write.",
    [](Context& tour) {
      for (const auto sharing : {Sharing::shared, Sharing::copy_on_write}) {
        auto memory = Mapping::anonymous(sizeof(int), sharing);
        int& value = memory.writable_object<int>(0);
        const int status = in_child([&] { value = 42; });
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          throw Error("fork", "tour child", ECHILD, "the child " + describe(status));
        }
        tour.say("{} mapping: the child set it to 42, the parent reads {}",
                 sharing == Sharing::shared ? "shared " : "private", value);
      }
    }};

StepRegistration guard_pages{
    40, "Guard pages catch overruns",
    "GuardedBuffer puts an inaccessible page (PROT_NONE) right after the last usable byte, so an\n"
    "off-by-one write stops at the bug instead of corrupting a neighbour. A child tries it for us.",
    [](Context& tour) {
      GuardedBuffer buffer(100);
      std::memset(buffer.data(), 'A', buffer.size());
      tour.say("wrote all {} bytes of a GuardedBuffer; its guard page starts {} bytes after data()", buffer.size(),
               buffer.back_guard() - buffer.data());
      const int status = in_child([&] {
        ::signal(SIGSEGV, SIG_DFL);       // the default action, whatever handler a tool installed
        const rlimit no_core{0, 0};       // and no core file for a crash made on purpose
        ::setrlimit(RLIMIT_CORE, &no_core);
        *static_cast<volatile std::byte*>(buffer.data() + buffer.size()) = std::byte{'B'};
      });
      tour.say("the child wrote byte {} (one past the end) and {}", buffer.size(), describe(status));
      if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV) {
        throw Error("guard", "GuardedBuffer", EFAULT, "the write past the end was not caught");
      }
    }};

}  // namespace
}  // namespace mapio::cli::tour

// guard_page: a buffer fenced by PROT_NONE pages, so an overrun faults at the first wrong byte.
//
// GuardedBuffer places the usable bytes so that their end touches an inaccessible guard page
// (mprotect(2) PROT_NONE). An off-by-one write then stops the program with SIGSEGV right at the
// bug, instead of silently corrupting whatever lies next in memory. To show that without dying
// ourselves, a forked child does the bad write and the parent reports how the child ended.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "mapio/core/error.hpp"
#include "mapio/core/guarded.hpp"

int main() {
  try {
    mapio::GuardedBuffer buffer(100);
    std::memset(buffer.data(), 'A', buffer.size());  // all 100 usable bytes: fine
    std::printf("wrote %zu bytes to the buffer OK\n", buffer.size());
    std::printf("the guard page starts right after the last byte: %s\n",
                buffer.data() + buffer.size() == buffer.back_guard() ? "yes" : "no");

    std::fflush(stdout);  // so the child does not inherit (and repeat) unwritten output
    const pid_t child = ::fork();
    if (child < 0) {
      std::perror("fork");
      return 1;
    }
    if (child == 0) {
      // The default action for SIGSEGV (a sanitizer or debugger may have installed its own handler),
      // and no core file for a crash we cause on purpose.
      ::signal(SIGSEGV, SIG_DFL);
      const rlimit no_core{0, 0};
      ::setrlimit(RLIMIT_CORE, &no_core);
      // One byte past the end: the classic off-by-one. volatile so the compiler keeps the store.
      volatile std::byte* past_end = buffer.data() + buffer.size();
      *past_end = std::byte{'B'};
      ::_exit(0);  // not reached
    }
    std::printf("child writes one byte past the end...\n");
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) {
      std::printf("child died of %s: the guard page caught the overrun\n",
                  WTERMSIG(status) == SIGSEGV ? "SIGSEGV" : strsignal(WTERMSIG(status)));
      return WTERMSIG(status) == SIGSEGV ? 0 : 1;
    }
    std::printf("child exited normally: the overrun went unnoticed\n");
    return 1;
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "guard_page: %s\n", e.what());
    return 1;
  }
}

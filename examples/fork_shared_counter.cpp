// fork_shared_counter: anonymous shared memory between a parent and its child.
//
// Mapping::anonymous(..., Sharing::shared) is MAP_SHARED | MAP_ANONYMOUS: memory with no file behind
// it that fork(2) does NOT copy — parent and child keep the very same pages. A private mapping (the
// default, and what malloc gives you) would be copied on write, and the parent would still read 0.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"

int main() {
  try {
    auto shared = mapio::Mapping::anonymous(sizeof(int) * 2, mapio::Sharing::shared);
    int& value = shared.writable_object<int>(0);
    int& counter = shared.writable_object<int>(sizeof(int));

    // Flush stdout before fork(): otherwise the child inherits unwritten output and prints it twice.
    std::fflush(stdout);
    const pid_t child = ::fork();
    if (child < 0) {
      std::perror("fork");
      return 1;
    }
    constexpr int increments = 100000;
    if (child == 0) {
      value = 42;
      std::printf("child set *shared = %d\n", value);
      // Both processes add to one counter at once: the increments must be atomic to not get lost.
      std::atomic_ref<int> shared_counter(counter);
      for (int i = 0; i < increments; ++i) shared_counter.fetch_add(1, std::memory_order_relaxed);
      std::fflush(stdout);
      ::_exit(0);  // _exit: the child must not run the parent's destructors (they unmap, close, ...)
    }
    std::atomic_ref<int> shared_counter(counter);
    for (int i = 0; i < increments; ++i) shared_counter.fetch_add(1, std::memory_order_relaxed);

    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "fork_shared_counter: the child failed\n");
      return 1;
    }
    std::printf("parent reads *shared = %d\n", value);
    std::printf("counter after %d increments in each process = %d\n", increments, shared_counter.load());
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "fork_shared_counter: %s\n", e.what());
    return 1;
  }
  return 0;
}

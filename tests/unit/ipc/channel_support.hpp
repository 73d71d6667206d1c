// Processes for the channel tests: start a child that runs a function, wait for one.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>

namespace mapio::test {

/// The status waitpid() gives for `pid`.
inline int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

/// Forks a child that runs `body` and exits with what it returns (99 if it throws).
template <class Body>
pid_t child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      code = 99;
    }
    ::_exit(code);
  }
  return pid;
}

}  // namespace mapio::test

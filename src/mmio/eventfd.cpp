#include "mapio/mmio/eventfd.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "mapio/error.hpp"

namespace mapio::mmio {

EventFd EventFd::create() {
  int fd = ::eventfd(0, EFD_CLOEXEC);
  if (fd < 0) throw_errno("eventfd", "");
  return EventFd(FileDescriptor(fd, fmt::format("eventfd {}", fd)));
}

std::uint64_t EventFd::wait() const {
  std::uint64_t count = 0;
  for (;;) {
    ssize_t n = ::read(fd_.get(), &count, sizeof count);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof count)) throw_errno("read", fd_.description());
    return count;
  }
}

std::uint64_t EventFd::wait(std::chrono::milliseconds timeout) const {
  pollfd entry{fd_.get(), POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Rounded up, and re-checked on wake-up: poll(2) may return a little before its timeout.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int ready = ::poll(&entry, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw_errno("poll", fd_.description());
    if (ready == 0 && std::chrono::steady_clock::now() < deadline) continue;
    if (ready == 0) {
      throw_errno("wait for event", fd_.description(), ETIMEDOUT,
                  fmt::format("nothing signalled within {} ms", timeout.count()));
    }
    return wait();
  }
}

void EventFd::signal(std::uint64_t value) const {
  ssize_t n;
  do {
    n = ::write(fd_.get(), &value, sizeof value);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof value)) throw_errno("write", fd_.description());
}

}  // namespace mapio::mmio

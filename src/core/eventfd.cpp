#include "mapio/core/eventfd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio {

EventFd EventFd::create() {
  int fd = ::eventfd(0, EFD_CLOEXEC);
  if (fd < 0) throw_errno("eventfd", "");
  return EventFd(FileDescriptor(fd, fmt::format("eventfd {}", fd)));
}

std::uint64_t EventFd::wait() const {
  std::uint64_t count = 0;
  const ssize_t n = sys::read(fd_.get(), std::as_writable_bytes(std::span(&count, 1)));
  if (n != static_cast<ssize_t>(sizeof count)) throw_errno("read", fd_.description());
  return count;
}

std::uint64_t EventFd::wait(std::chrono::milliseconds timeout) const {
  if (!fd_.wait_readable(timeout)) {
    throw_errno("wait for event", fd_.description(), ETIMEDOUT, fmt::format("nothing signalled within {} ms", timeout.count()));
  }
  return wait();
}

void EventFd::signal(std::uint64_t value) const {
  const ssize_t n = sys::write(fd_.get(), std::as_bytes(std::span(&value, 1)));
  if (n != static_cast<ssize_t>(sizeof value)) throw_errno("write", fd_.description());
}

}  // namespace mapio

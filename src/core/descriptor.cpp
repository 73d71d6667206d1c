#include "mapio/core/descriptor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "mapio/core/error.hpp"

namespace mapio {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    description_ = std::move(other.description_);
  }
  return *this;
}

FileDescriptor FileDescriptor::open(const std::filesystem::path& path, int flags, unsigned mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw_errno("open", path.string());
  return FileDescriptor(fd, path.string());
}

FileDescriptor FileDescriptor::duplicate(int fd, std::string description) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw_errno("dup", description.empty() ? fmt::format("fd {}", fd) : description);
  return FileDescriptor(copy, std::move(description));
}

FileDescriptor FileDescriptor::duplicate_read_only(int fd, std::string description) {
  if (description.empty()) description = fmt::format("fd {}", fd);
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) throw_errno("fcntl(F_GETFL)", description);
  if ((flags & O_ACCMODE) == O_RDONLY) return duplicate(fd, std::move(description));
  if ((flags & O_ACCMODE) == O_WRONLY) {
    // Reopening for reading would grant an access the descriptor never had.
    throw Error("reopen read-only", description, EACCES, "the descriptor was opened write-only (O_WRONLY)");
  }
  // A duplicate shares the open file description, write access included. The magic link opens the
  // same object anew (even one that is unlinked, like a memfd), with only the access asked for.
  // O_NONBLOCK so that a FIFO given by mistake cannot block the open; it is cleared again below.
  const std::string link = fmt::format("/proc/self/fd/{}", fd);
  FileDescriptor reopened;
  try {
    reopened = open(link, O_RDONLY | O_NONBLOCK);
  } catch (const Error& e) {
    throw Error("reopen read-only", description, e.errno_value(),
                fmt::format("the descriptor has write access, which a read-only holder must not keep, and "
                            "reopening it read-only through {} failed{}; pass a descriptor opened O_RDONLY",
                            link,
                            e.errno_value() == ENXIO ? " (a socket or an anonymous inode cannot be reopened)" : ""));
  }
  if (const int now = ::fcntl(reopened.get(), F_GETFL); now >= 0) ::fcntl(reopened.get(), F_SETFL, now & ~O_NONBLOCK);
  reopened.description_ = std::move(description);
  return reopened;
}

std::string FileDescriptor::read_all() const {
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read", description_);
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

bool FileDescriptor::wait_readable(std::chrono::milliseconds timeout) const {
  pollfd entry{fd_, POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Rounded up, and re-checked on wake-up: poll(2) may return a little before its timeout.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int ready = ::poll(&entry, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw_errno("poll", description_);
    if (ready > 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

void FileDescriptor::reset() noexcept {
  // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace mapio

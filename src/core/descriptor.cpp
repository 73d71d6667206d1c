#include "mapio/core/descriptor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

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
  const int fd = sys::open(path, flags, mode);
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
    const ssize_t n = sys::read(fd_, std::as_writable_bytes(std::span(buffer)));
    if (n < 0) throw_errno("read", description_);
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

std::string FileDescriptor::read_all(std::size_t limit) const {
  std::string text;
  char buffer[16384];
  for (;;) {
    // One byte past the limit is enough to know the file is longer.
    const std::size_t room = limit - text.size() + 1;
    const ssize_t n = sys::read(fd_, std::as_writable_bytes(std::span(buffer, std::min(sizeof buffer, room))));
    if (n < 0) throw_errno("read", description_);
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > limit) {
      throw Error("read", description_, EFBIG,
                  fmt::format("longer than {} bytes, the most mapio reads from it", limit));
    }
  }
}

bool FileDescriptor::wait_readable(std::chrono::milliseconds timeout) const {
  const int ready = sys::wait_readable(fd_, timeout);
  if (ready < 0) throw_errno("poll", description_);
  return ready > 0;
}

void FileDescriptor::reset() noexcept {
  // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace mapio

#include "mapio/core/descriptor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
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

std::string FileDescriptor::read_all(std::size_t limit) const {
  std::string text;
  char buffer[16384];
  for (;;) {
    // One byte past the limit is enough to know the file is longer.
    const std::size_t room = limit - text.size() + 1;
    const ssize_t n = ::read(fd_, buffer, std::min(sizeof buffer, room));
    if (n < 0 && errno == EINTR) continue;
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

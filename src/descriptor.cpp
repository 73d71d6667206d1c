#include "mapio/descriptor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "mapio/error.hpp"

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

void FileDescriptor::reset() noexcept {
  // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace mapio

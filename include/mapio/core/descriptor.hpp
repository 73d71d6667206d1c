// FileDescriptor: an owned file descriptor (RAII, move-only, closed exactly once).
//
// Every descriptor mapio opens — files, /dev/mem, sysfs resources, UIO, VFIO, eventfds — lives in
// one of these, so an error path can never leak one.
//
//     auto fd = mapio::FileDescriptor::open("/dev/mem", O_RDWR | O_SYNC);   // throws mapio::Error
//     ::read(fd.get(), buf, n);
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>

namespace mapio {

class FileDescriptor {
 public:
  FileDescriptor() noexcept = default;
  /// Takes ownership of `fd`; `description` names it in errors (usually the path).
  explicit FileDescriptor(int fd, std::string description = {}) noexcept
      : fd_(fd), description_(std::move(description)) {}
  FileDescriptor(FileDescriptor&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), description_(std::move(other.description_)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  /// open(2) with O_CLOEXEC added; throws mapio::Error("open", path, errno).
  static FileDescriptor open(const std::filesystem::path& path, int flags, unsigned mode = 0644);
  /// A close-on-exec duplicate of a descriptor the caller keeps owning (fcntl F_DUPFD_CLOEXEC).
  static FileDescriptor duplicate(int fd, std::string description);
  /// A close-on-exec, read-only (O_RDONLY) descriptor for the object behind `fd`, for a holder that
  /// asked for read-only access: a duplicate when `fd` is read-only already, else a fresh open of
  /// /proc/self/fd/N, since a duplicate would share `fd`'s write access. Throws mapio::Error
  /// (EACCES from a descriptor opened O_WRONLY, or the reopen's errno: ENXIO for a socket or an
  /// anonymous inode, ENOENT without /proc) with a sentence saying why.
  ///
  ///     auto reader = mapio::FileDescriptor::duplicate_read_only(memfd, "memfd:blob");
  ///     ::pwrite(reader.get(), "x", 1, 0);                    // -1, EBADF: no write access
  static FileDescriptor duplicate_read_only(int fd, std::string description);

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  const std::string& description() const noexcept { return description_; }
  /// Reads from the current offset to the end (EINTR retried). For /proc and /sys files, whose size
  /// reads as 0, and for anything else small. Throws mapio::Error("read", description).
  std::string read_all() const;
  /// As read_all(), for text from outside (a kernel table, a file a user named): more than `limit`
  /// bytes is mapio::Error("read", description, EFBIG) naming the limit, after reading at most
  /// limit + 1 bytes, so /dev/zero or a runaway pipe cannot fill memory.
  std::string read_all(std::size_t limit) const;

  /// Waits until the descriptor is readable (poll(2) POLLIN): true when it is, false when `timeout`
  /// passed first. Survives EINTR and early wake-ups; throws mapio::Error when poll fails.
  bool wait_readable(std::chrono::milliseconds timeout) const;

  int release() noexcept { return std::exchange(fd_, -1); }
  void reset() noexcept;

 private:
  int fd_ = -1;
  std::string description_;
};

}  // namespace mapio

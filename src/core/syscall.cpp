// The system-call layer (include/mapio/core/syscall.hpp). EINTR is retried here and nowhere else.
#include "mapio/core/syscall.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

namespace mapio::sys {
namespace {

// Moves all of a buffer through `step(done)`, one system call per step, until it is all moved,
// the file ends or takes no more (a step of 0 bytes), or a step fails.
template <class Step>
Transfer transfer_all(std::size_t size, Step&& step) noexcept {
  Transfer t;
  while (t.done < size) {
    const ssize_t n = retry_interrupted([&] { return step(t.done); });
    if (n < 0) {
      t.error = errno;
      break;
    }
    if (n == 0) break;
    t.done += static_cast<std::size_t>(n);
  }
  return t;
}

}  // namespace

int open(const std::filesystem::path& path, int flags, unsigned mode) noexcept {
  return retry_interrupted([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); });
}

int ioctl(int fd, unsigned long request, void* argument) noexcept {
  return retry_interrupted([&] { return ::ioctl(fd, request, argument); });
}

int ioctl(int fd, unsigned long request, unsigned long argument) noexcept {
  return retry_interrupted([&] { return ::ioctl(fd, request, argument); });
}

ssize_t read(int fd, std::span<std::byte> out) noexcept {
  return retry_interrupted([&] { return ::read(fd, out.data(), out.size()); });
}

ssize_t write(int fd, std::span<const std::byte> in) noexcept {
  return retry_interrupted([&] { return ::write(fd, in.data(), in.size()); });
}

ssize_t pread(int fd, std::span<std::byte> out, std::uint64_t offset) noexcept {
  return retry_interrupted([&] { return ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset)); });
}

ssize_t pwrite(int fd, std::span<const std::byte> in, std::uint64_t offset) noexcept {
  return retry_interrupted([&] { return ::pwrite(fd, in.data(), in.size(), static_cast<off_t>(offset)); });
}

Transfer pread_exact(int fd, std::span<std::byte> out, std::uint64_t offset) noexcept {
  return transfer_all(out.size(), [&](std::size_t done) {
    return ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
  });
}

Transfer pwrite_exact(int fd, std::span<const std::byte> in, std::uint64_t offset) noexcept {
  return transfer_all(in.size(), [&](std::size_t done) {
    return ::pwrite(fd, in.data() + done, in.size() - done, static_cast<off_t>(offset + done));
  });
}

Transfer write_exact(int fd, std::span<const std::byte> in) noexcept {
  return transfer_all(in.size(), [&](std::size_t done) { return ::write(fd, in.data() + done, in.size() - done); });
}

int wait_readable(int fd, std::chrono::milliseconds timeout) noexcept {
  pollfd entry{fd, POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Rounded up, and re-checked on wake-up: poll(2) may return a little before its timeout.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const int ready = ::poll(&entry, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready != 0) return ready < 0 ? -1 : 1;
    if (std::chrono::steady_clock::now() >= deadline) return 0;
  }
}

}  // namespace mapio::sys

// The system-call layer: the one place mapio makes the calls that can be interrupted or that take
// a request code, and the one place it retries EINTR.
//
// These are thin: each returns what the system call returns (-1 with errno set on failure), so a
// caller explains a failure in its own words — the operation, the path or address, the reason —
// as a mapio::Error. What they add is the part every caller would otherwise write by hand: EINTR
// retried, O_CLOEXEC on every descriptor, and a whole buffer moved despite short transfers.
// Mappings are the other half of the layer: mmap, madvise, mprotect and mincore are Mapping's.
//
//     std::array<std::byte, 64> header;
//     const auto got = mapio::sys::pread_exact(fd, header, 0);
//     if (got.error != 0) throw mapio::Error("read", path, got.error);
//     if (got.done < header.size()) throw mapio::Error("read", path, EIO, "the file is shorter than its header");
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace mapio::sys {

/// Calls `call()` again for as long as it fails with EINTR, and returns what it returned last.
/// `call` follows the C library's convention: -1 with errno set on failure.
///
///     const pid_t done = sys::retry_interrupted([&] { return ::waitpid(child, &status, 0); });
template <class Call>
auto retry_interrupted(Call&& call) -> decltype(call()) {
  for (;;) {
    auto result = call();
    if (result != -1 || errno != EINTR) return result;
  }
}

/// open(2) with O_CLOEXEC added: a descriptor, or -1 with errno set. Most code wants
/// FileDescriptor::open, which owns the descriptor and throws; this is for code that turns a
/// failure into an answer (a /proc entry another process closed meanwhile).
int open(const std::filesystem::path& path, int flags, unsigned mode = 0644) noexcept;

/// ioctl(2): the result (>= 0), or -1 with errno set. The argument is a pointer to the request's
/// structure, or a plain number for requests that take one.
int ioctl(int fd, unsigned long request, void* argument) noexcept;
int ioctl(int fd, unsigned long request, unsigned long argument) noexcept;

/// One read(2), write(2), pread(2) or pwrite(2): the bytes moved (0 at the end of a file), or -1
/// with errno set. Short transfers are the caller's to handle; the *_exact calls handle them.
ssize_t read(int fd, std::span<std::byte> out) noexcept;
ssize_t write(int fd, std::span<const std::byte> in) noexcept;
ssize_t pread(int fd, std::span<std::byte> out, std::uint64_t offset) noexcept;
ssize_t pwrite(int fd, std::span<const std::byte> in, std::uint64_t offset) noexcept;

/// What a whole-buffer transfer did: `done` bytes moved before `error` (an errno) stopped it. With
/// no error, `done` is the whole buffer unless the file ended first (or took no more bytes).
struct Transfer {
  std::size_t done = 0;
  int error = 0;
};

/// Reads all of `out` from `offset`, pread(2) after pread(2), stopping only at the end of the file
/// or at an error.
Transfer pread_exact(int fd, std::span<std::byte> out, std::uint64_t offset) noexcept;
/// Writes all of `in` at `offset`, stopping only when the file takes no more bytes or at an error.
Transfer pwrite_exact(int fd, std::span<const std::byte> in, std::uint64_t offset) noexcept;
/// Writes all of `in` at the current offset (a file, a pipe, a socket), the same way.
Transfer write_exact(int fd, std::span<const std::byte> in) noexcept;

/// Waits until `fd` is readable (poll(2) POLLIN): 1 when it is, 0 when `timeout` passed first, -1
/// with errno set. An interruption or an early wake-up waits on for the time that is left.
int wait_readable(int fd, std::chrono::milliseconds timeout) noexcept;

}  // namespace mapio::sys

// Standard output for the scanning verbs (wc, count, grep, cache), written the way GNU's tools are
// relied on to write it:
// - Whole lines. Output collects in a buffer that goes out with write(2) only at a line end, so the
//   output of programs run side by side on one pipe (`xargs -P4 mapio wc`) never breaks inside a
//   line; a line longer than the buffer is the only one written in more than one write.
// - Checked. A failed write (a full disk, /dev/full, a closed descriptor) is a WriteError at once,
//   and the last flush is checked too, so that no verb ends with status 0 having lost its output.
//   A broken pipe ends the program by SIGPIPE, as with GNU's tools.
//
//     LineOutput out;
//     out.line(fmt::format("{} {}", count, name));  // appends "\n"
//     out.flush();                                  // at the end; throws WriteError on failure
#pragma once

#include "mapio/core/syscall.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mapio::cli {

/// Output could not be written. errno_value() is the write's errno (0 when it wrote nothing, as a
/// write that returns 0 does).
class WriteError : public std::runtime_error {
 public:
  explicit WriteError(int error) : std::runtime_error("write error"), errno_(error) {}
  int errno_value() const noexcept { return errno_; }

 private:
  int errno_;
};

class LineOutput {
 public:
  /// `lines_at_once`: false writes each line at once (wc and count, whose lines are few, and
  /// whose errors on stderr must come in order with them); true lets whole lines collect up to
  /// `capacity` bytes first (grep's matching lines).
  explicit LineOutput(bool lines_at_once = false, std::size_t capacity = std::size_t{64} << 10, int fd = STDOUT_FILENO)
      : batched_(lines_at_once), capacity_(capacity), fd_(fd) {}
  LineOutput(const LineOutput&) = delete;
  LineOutput& operator=(const LineOutput&) = delete;

  /// Appends bytes of a line that is not finished yet.
  void add(std::string_view text) { buffer_.append(text); }
  /// Ends the line (appends "\n"); writes out what has collected unless batching has room left.
  void end_line() {
    buffer_ += '\n';
    if (!batched_ || buffer_.size() >= capacity_) flush();
  }
  /// A whole line: add(text), end_line().
  void line(std::string_view text) {
    add(text);
    end_line();
  }
  /// Writes out everything collected. Throws WriteError.
  void flush() {
    const auto put = sys::write_exact(fd_, std::as_bytes(std::span(buffer_.data(), buffer_.size())));
    if (put.done < buffer_.size()) {
      buffer_.clear();
      throw WriteError(put.error);
    }
    buffer_.clear();
  }

 private:
  bool batched_;
  std::size_t capacity_;
  int fd_;
  std::string buffer_;
};

/// Flushes stdio's stdout and says whether everything written through it got out (for output
/// printed with fmt::print, as `mapio cache` does). Throws WriteError otherwise.
inline void check_stdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) throw WriteError(errno);
}

}  // namespace mapio::cli

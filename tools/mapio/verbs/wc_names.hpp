// The file names of `mapio wc --files0-from=F`: NUL-separated names (a last one may lack its NUL),
// read as GNU wc reads them. A regular file is read whole first (its names are then known before
// any is counted, and set the column width); anything else (a pipe, a terminal) is read a name at a
// time, so that a producer that never ends is counted as it goes.
//
//     auto list = NameList::open("names");   // "-": standard input
//     std::string name;
//     while (list.next(name)) count(name);     // throws mapio::Error on a read error
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"
#include "mapio/scan/input.hpp"

namespace mapio::cli {

class NameList {
 public:
  /// A list read whole holds at most this much (more is an error, EFBIG).
  static constexpr std::size_t max_whole = std::size_t{1} << 30;
  /// A name read from a stream is kept up to this long; the rest of a longer one is dropped, and
  /// opening what was kept fails (ENAMETOOLONG: the kernel takes 4096 bytes at most).
  static constexpr std::size_t max_name = std::size_t{1} << 16;

  /// Opens `path` ("-": standard input). Throws mapio::Error when it cannot be opened. A standard
  /// input that is closed opens, and fails at the first read, as GNU wc's does.
  static NameList open(const std::string& path) {
    if (path == "-") {
      try {
        return NameList(Input::standard_input(), path);
      } catch (const Error& e) {
        NameList broken(std::nullopt, path);
        broken.pending_error_ = e.code().value();
        return broken;
      }
    }
    return NameList(Input::open(path), path);
  }

  /// The names of a list read whole (a regular file), before any is taken; nullptr for a stream.
  /// Throws mapio::Error when the list could not be read whole.
  const std::vector<std::string>* all() {
    if (!checked_) {
      checked_ = true;
      struct stat st {};
      if (input_ && ::fstat(input_->descriptor(), &st) == 0 && S_ISREG(st.st_mode)) read_whole();
    }
    return whole_ ? &*whole_ : nullptr;
  }

  /// The next name into `name`; false at the end. Throws mapio::Error (operation "read") when the
  /// list cannot be read.
  bool next(std::string& name) {
    all();
    if (whole_) {
      if (taken_ >= whole_->size()) return false;
      name = (*whole_)[taken_++];
      return true;
    }
    return next_from_stream(name);
  }

 private:
  NameList(std::optional<Input> input, std::string path) : input_(std::move(input)), path_(std::move(path)) {}

  // Reads a chunk into buffer_; false at the end of the input.
  bool fill() {
    if (pending_error_ != 0) throw Error("read", path_, pending_error_);
    buffer_.resize(std::size_t{64} << 10);
    const ssize_t got = sys::read(input_->descriptor(), buffer_);
    if (got < 0) throw Error("read", path_, errno);
    buffer_.resize(static_cast<std::size_t>(got));
    at_ = 0;
    return got > 0;
  }

  void read_whole() {
    std::vector<std::string> names;
    std::string name;
    std::size_t total = 0;
    while (next_from_stream(name)) {
      total += name.size() + 1;
      if (total > max_whole) throw Error("read", path_, EFBIG, "the list of names is too long");
      names.push_back(std::move(name));
    }
    whole_ = std::move(names);
  }

  bool next_from_stream(std::string& name) {
    name.clear();
    bool any = false;
    while (true) {
      if (at_ == buffer_.size()) {
        if (ended_ || !fill()) {
          ended_ = true;
          return any;  // a last name without its NUL
        }
      }
      any = true;
      const auto* begin = reinterpret_cast<const char*>(buffer_.data()) + at_;
      const auto* end = reinterpret_cast<const char*>(buffer_.data()) + buffer_.size();
      const auto* nul = static_cast<const char*>(std::memchr(begin, '\0', static_cast<std::size_t>(end - begin)));
      const auto* stop = nul != nullptr ? nul : end;
      const auto keep = std::min(static_cast<std::size_t>(stop - begin), max_name - std::min(max_name, name.size()));
      name.append(begin, keep);
      at_ = static_cast<std::size_t>(stop - reinterpret_cast<const char*>(buffer_.data()));
      if (nul != nullptr) {
        ++at_;
        return true;
      }
    }
  }

  std::optional<Input> input_;
  std::string path_;
  int pending_error_ = 0;
  bool checked_ = false;
  bool ended_ = false;
  std::optional<std::vector<std::string>> whole_;
  std::size_t taken_ = 0;
  std::vector<std::byte> buffer_;
  std::size_t at_ = 0;
};

}  // namespace mapio::cli

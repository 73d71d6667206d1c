// mapio's one error model: every failure throws mapio::Error.
//
// An Error is a std::system_error (so `catch (const std::system_error&)` and `e.code()` work as
// usual) that also names the operation that failed and what it was applied to: a path, a device
// or an address. `what()` reads as one sentence a person can act on:
//
//     map /data/log.bin [offset 4096, length 8192]: No such file or directory (ENOENT)
//     devmem 0x1000: Operation not permitted (EPERM): 0x1000 is System RAM; CONFIG_STRICT_DEVMEM ...
//
// Example:
//
//     try {
//       auto file = mapio::MappedFile::open("/missing");
//     } catch (const mapio::Error& e) {
//       if (e.errno_value() == ENOENT) { /* create it */ }
//       std::cerr << e.what() << '\n';
//     }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace mapio {

class Error : public std::system_error {
 public:
  /// `operation` is a verb ("map", "open", "msync"), `subject` the path or address it was applied to,
  /// `errno_value` the errno the kernel gave (or the one that best names a refusal of mapio's own),
  /// `explanation` an optional sentence on why and what to do about it.
  Error(std::string operation, std::string subject, int errno_value, std::string explanation = {});

  const std::string& operation() const noexcept { return operation_; }
  const std::string& subject() const noexcept { return subject_; }
  const std::string& explanation() const noexcept { return explanation_; }
  int errno_value() const noexcept { return code().value(); }
  /// The whole sentence (std::system_error would append the errno text a second time).
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
  std::string operation_;
  std::string subject_;
  std::string explanation_;
};

/// Throws mapio::Error for the calling thread's current errno (or `errno_value` when given).
[[noreturn]] void throw_errno(std::string_view operation, std::string_view subject);
[[noreturn]] void throw_errno(std::string_view operation, std::string_view subject, int errno_value,
                              std::string_view explanation = {});

/// "0x1f000": how mapio names an address or offset in a subject.
std::string hex(std::uint64_t value);

}  // namespace mapio

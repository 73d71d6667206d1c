#include "mapio/core/error.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mapio {
namespace {

std::string describe(const std::string& operation, const std::string& subject, int errno_value,
                     const std::string& explanation) {
  // strerrorname_np gives the symbolic name ("ENOENT") that people grep man pages for.
  const char* name = ::strerrorname_np(errno_value);
  std::string text = subject.empty() ? operation : fmt::format("{} {}", operation, subject);
  text += fmt::format(": {} ({})", std::strerror(errno_value), name ? name : fmt::format("errno {}", errno_value));
  if (!explanation.empty()) text += fmt::format(": {}", explanation);
  return text;
}

}  // namespace

Error::Error(std::string operation, std::string subject, int errno_value, std::string explanation)
    : std::system_error(errno_value, std::generic_category()),
      message_(describe(operation, subject, errno_value, explanation)),
      operation_(std::move(operation)),
      subject_(std::move(subject)),
      explanation_(std::move(explanation)) {}

void throw_errno(std::string_view operation, std::string_view subject) {
  throw_errno(operation, subject, errno);
}

void throw_errno(std::string_view operation, std::string_view subject, int errno_value,
                 std::string_view explanation) {
  throw Error(std::string(operation), std::string(subject), errno_value, std::string(explanation));
}

std::string hex(std::uint64_t value) { return fmt::format("{:#x}", value); }

}  // namespace mapio

// The out-of-line part of typed registers: the text of a poll timeout.
#include "mapio/mmio/registers.hpp"

#include <cerrno>

#include <fmt/format.h>

namespace mapio::mmio {
namespace {

std::string format_duration(std::chrono::nanoseconds duration) {
  const auto ns = duration.count();
  if (ns % 1'000'000 == 0) return fmt::format("{} ms", ns / 1'000'000);
  if (ns % 1'000 == 0) return fmt::format("{} us", ns / 1'000);
  return fmt::format("{} ns", ns);
}

}  // namespace

void throw_poll_timeout(std::string_view subject, std::chrono::nanoseconds timeout,
                        std::optional<std::uint64_t> last_value, unsigned width) {
  std::string explanation = fmt::format("condition not met within {}", format_duration(timeout));
  if (last_value) explanation += fmt::format("; last value read {:#0{}x}", *last_value, width / 4 + 2);
  throw Error("poll", std::string(subject), ETIMEDOUT, std::move(explanation));
}

}  // namespace mapio::mmio

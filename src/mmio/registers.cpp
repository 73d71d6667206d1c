// The out-of-line part of typed registers: the text of a poll timeout and of a field value that
// does not fit.
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

namespace detail {

void value_does_not_fit_in_field(std::string_view register_name, std::string_view field_name, unsigned shift,
                                 unsigned width, std::uint64_t value) {
  const std::string bits_text =
      width == 1 ? fmt::format("bit {}", shift) : fmt::format("bits {}-{}", shift, shift + width - 1);
  const std::string subject = field_name.empty() ? fmt::format("{} {}", register_name, bits_text)
                                                 : fmt::format("{}.{} ({})", register_name, field_name, bits_text);
  const std::uint64_t largest = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  throw Error("set", subject, EOVERFLOW,
              fmt::format("{:#x} does not fit in {} bit{} (the largest value is {:#x}); the field's unchecked() "
                          "keeps only the low bits, where that is meant",
                          value, width, width == 1 ? "" : "s", largest));
}

}  // namespace detail
}  // namespace mapio::mmio

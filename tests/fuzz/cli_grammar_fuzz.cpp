// The CLI's argument grammar (tools/mapio/support/arguments.hpp): numbers in C notation, sizes with
// K/M/G, access widths, values that must fit a width, durations in seconds. Any text is a value or
// an ArgumentError (never a crash or a wrapped result), and a value printed in the grammar's own
// notations parses back to itself.
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "arguments.hpp"
#include "fuzz_support.hpp"

namespace {

using mapio::cli::ArgumentError;
using mapio::fuzz::require;

template <class F>
void tolerate(F&& f) {
  try {
    f();
  } catch (const ArgumentError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cli = mapio::cli;
  const auto text = mapio::fuzz::text_of(data, size);
  tolerate([&] {
    const std::uint64_t value = cli::parse_number(text, "number");
    require(cli::parse_number(fmt::format("{:#x}", value), "number") == value, "0x hex round trip");
    require(cli::parse_number(fmt::format("{}", value), "number") == value, "decimal round trip");
    if (value != 0) require(cli::parse_number(fmt::format("0{:o}", value), "number") == value, "octal round trip");
    require(cli::parse_number(cli::devmem_hex(value, 64), "number") == value, "devmem's output parses back");
  });
  tolerate([&] {
    const std::uint64_t bytes = cli::parse_size(text);
    require(cli::parse_size(fmt::format("{}", bytes)) == bytes, "a size in bytes parses back");
    if (bytes % (1u << 20) == 0) require(cli::parse_size(fmt::format("{}M", bytes >> 20)) == bytes, "M round trip");
    (void)cli::human_size(bytes);
  });
  tolerate([&] {
    const unsigned width = cli::parse_width(text);
    require(width == 8 || width == 16 || width == 32 || width == 64, "a width is 8, 16, 32 or 64");
    require(cli::parse_width(fmt::format("{}", width)) == width, "a width parses back");
  });
  for (unsigned width : {8u, 16u, 32u, 64u}) {
    tolerate([&] {
      const std::uint64_t value = cli::parse_value(text, width);
      require(value <= cli::width_mask(width), "a value fits its width");
      require(cli::parse_value(cli::devmem_hex(value, width), width) == value, "devmem_hex() parses back");
    });
  }
  tolerate([&] {
    const std::int64_t ms = cli::parse_milliseconds(text, "timeout");
    require(ms >= 0 && ms <= 2147483647, "a duration fits poll()'s int of milliseconds");
    require(cli::parse_milliseconds(fmt::format("{}.{:03}", ms / 1000, ms % 1000), "timeout") == ms,
            "seconds with three decimals parse back");
  });
  tolerate([&] {
    const auto address = cli::parse_pci_address(text);
    require(cli::parse_pci_address(address.to_string()) == address, "a PCI address parses back");
  });
  return 0;
}

// Command-line argument grammar shared by the verbs that take addresses, offsets, widths and values
// (`mapio devmem`, `mapio bar`, ...). Header-only so that unit tests can include it directly.
//
// Numbers are written in C notation, as strtoull(3) with base 0 reads them — `0x` hexadecimal, a
// leading `0` octal, anything else decimal — but strictly: no sign, no spaces, no trailing junk, no
// silent wrap-around. A bad argument throws ArgumentError whose message names the argument:
//
//     auto address = mapio::cli::parse_number(words[0], "address");   // "0xfea00000" -> 0xfea00000
//     auto width = mapio::cli::parse_width(words[1]);                   // "32" or "w" -> 32
//     auto value = mapio::cli::parse_value(words[2], width);            // must fit in `width` bits
//
//     bad address 'zz': not a number (write decimal, 0x hexadecimal or 0 octal)
//     bad width '12': use 8, 16, 32, 64 or b, h, w, l
//
// Arguments whose grammar is the library's (a PCI address, a shared memory name) are read by the
// library's own parser, and its refusal becomes an ArgumentError in the same words:
//
//     auto device = mapio::cli::parse_pci_address(words[0]);           // "00:04.0"
//
//     bad device 'zz': expected [DOMAIN:]BUS:DEVICE.FUNCTION in hex, e.g. 0000:00:04.0 or 00:04.0 (...)
//
// An ArgumentError that leaves a verb is printed as "mapio <verb>: <message>" and ends the program
// with status 2 (a usage error; tools/mapio/main.cpp), so a verb reads its arguments before it
// touches any file or device.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/mmio/pci.hpp"

namespace mapio::cli {

/// A command-line argument that does not follow the grammar. what() is the whole message.
class ArgumentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Exit status for usage errors (bad arguments), as opposed to 1 for failures while running.
inline constexpr int usage_error_status = 2;

namespace detail {
inline int digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}
}  // namespace detail

/// Parses an unsigned 64-bit number in C notation. `what` names the argument in the message
/// ("address", "value", "offset").
inline std::uint64_t parse_number(std::string_view text, std::string_view what) {
  auto fail = [&](std::string_view reason) -> ArgumentError {
    return ArgumentError(fmt::format("bad {} '{}': {}", what, text, reason));
  };
  if (text.empty()) throw fail("empty");
  if (text.front() == '-') throw fail("negative numbers are not allowed");
  unsigned base = 10;
  std::string_view digits = text;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
    if (digits.empty()) throw fail("no hexadecimal digits after 0x");
  } else if (text.size() >= 2 && text[0] == '0') {
    base = 8;
    digits.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : digits) {
    const int digit = detail::digit_value(c);
    if (digit >= static_cast<int>(base)) {
      if (base == 8 && digit < 10) {
        throw fail(fmt::format("'{}' is not an octal digit (a leading 0 means octal)", c));
      }
      throw fail("not a number (write decimal, 0x hexadecimal or 0 octal)");
    }
    constexpr auto largest = std::numeric_limits<std::uint64_t>::max();
    if (value > (largest - static_cast<unsigned>(digit)) / base) {
      throw fail("too large (the largest is 0xffffffffffffffff)");
    }
    value = value * base + static_cast<unsigned>(digit);
  }
  return value;
}

/// An access width in bits, as busybox devmem takes it: 8, 16, 32 or 64 in decimal, or one letter
/// b (byte, 8), h (half word, 16), w (word, 32), l (long, 64), upper or lower case.
inline unsigned parse_width(std::string_view text) {
  const auto bad = [&] {
    return ArgumentError(fmt::format("bad width '{}': use 8, 16, 32, 64 or b, h, w, l", text));
  };
  if (text.size() == 1) {
    switch (text[0]) {
      case 'b': case 'B': return 8;
      case 'h': case 'H': return 16;
      case 'w': case 'W': return 32;
      case 'l': case 'L': return 64;
      default: break;
    }
  }
  // Decimal only, as busybox reads it (so "032" is 32, not octal 26).
  if (text.empty() || text.size() > 4) throw bad();
  unsigned width = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw bad();
    width = width * 10 + static_cast<unsigned>(c - '0');
  }
  if (width != 8 && width != 16 && width != 32 && width != 64) throw bad();
  return width;
}

/// The largest value a `width`-bit access holds.
constexpr std::uint64_t width_mask(unsigned width) noexcept {
  return width >= 64 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << width) - 1;
}

/// A value to write with a `width`-bit access. Unlike busybox, which silently drops the high bits,
/// a value that does not fit is an error.
inline std::uint64_t parse_value(std::string_view text, unsigned width) {
  const std::uint64_t value = parse_number(text, "value");
  if (value > width_mask(width)) {
    throw ArgumentError(fmt::format("bad value '{}': does not fit in {} bits (the largest is {:#x})", text,
                                    width, width_mask(width)));
  }
  return value;
}

/// "0x010000ED": a value read with a `width`-bit access, the way busybox devmem prints it
/// (upper-case hex, zero-padded to width/4 digits, lower-case 0x).
inline std::string devmem_hex(std::uint64_t value, unsigned width) {
  return fmt::format("0x{:0{}X}", value, width / 4);
}

/// A size: a number as parse_number reads it, optionally followed by K, M or G (powers of 1024),
/// "4096", "64K", "1M", "0x1000".
inline std::uint64_t parse_size(std::string_view text) {
  std::uint64_t scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K': case 'k': scale = std::uint64_t{1} << 10; break;
      case 'M': case 'm': scale = std::uint64_t{1} << 20; break;
      case 'G': case 'g': scale = std::uint64_t{1} << 30; break;
      default: break;
    }
  }
  const std::string_view digits = scale == 1 ? text : text.substr(0, text.size() - 1);
  const std::uint64_t value = parse_number(digits, "size");
  if (value > std::numeric_limits<std::uint64_t>::max() / scale) {
    throw ArgumentError(fmt::format("bad size '{}': too large", text));
  }
  return value * scale;
}

/// A duration in seconds, decimal with at most three decimals ("2", "0.5", "0.001"), as
/// milliseconds. poll(2) counts in an int of milliseconds, so the largest is 2147483.647 seconds.
/// `what` names the argument ("timeout").
inline std::int64_t parse_milliseconds(std::string_view text, std::string_view what) {
  auto fail = [&](std::string_view reason) {
    return ArgumentError(fmt::format("bad {} '{}': {}", what, text, reason));
  };
  if (text.empty()) throw fail("empty");
  if (text.front() == '-') throw fail("negative numbers are not allowed");
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const auto all_digits = [](std::string_view digits) {
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction) || (dot != std::string_view::npos && fraction.empty())) {
    throw fail("not a number of seconds (write e.g. 2 or 0.5)");
  }
  if (fraction.size() > 3) throw fail("at most three decimals (a millisecond is the finest step)");
  constexpr std::int64_t largest = std::numeric_limits<int>::max();
  std::int64_t ms = 0;
  for (char c : whole) {
    ms = ms * 10 + (c - '0');
    if (ms * 1000 > largest) throw fail("too large (the largest is 2147483.647 seconds)");
  }
  std::int64_t thousandths = 0;
  for (std::size_t i = 0; i < 3; ++i) thousandths = thousandths * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  ms = ms * 1000 + thousandths;
  if (ms > largest) throw fail("too large (the largest is 2147483.647 seconds)");
  return ms;
}

/// Reads an argument with the library's parser `parse` (a callable that throws mapio::Error) and
/// turns its refusal into an ArgumentError naming the argument, "bad <what> '<text>': <why>", so that
/// the grammar and its explanation are written once, in the library.
template <class Parse>
decltype(auto) parse_with(std::string_view what, std::string_view text, Parse&& parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw ArgumentError(fmt::format("bad {} '{}': {}", what, text, e.explanation()));
  }
}

/// A PCI function's address as typed: [DOMAIN:]BUS:DEVICE.FUNCTION in hex ("0000:00:04.0", "00:04.0").
inline mmio::PciAddress parse_pci_address(std::string_view text) {
  return parse_with("device", text, [&] { return mmio::PciAddress::parse(text); });
}

/// "1 MiB", "635 KiB", "18.0 MiB", "4 bytes": a size for people. Exact multiples of a unit print as
/// integers; anything else with one decimal, so that "18.0 MiB" means "about".
inline std::string human_size(std::uint64_t bytes) {
  static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} {}", bytes, bytes == 1 ? "byte" : "bytes");
  int unit = 0;
  std::uint64_t scale = 1024;
  while (unit < 5 && bytes / scale >= 1024) {
    scale *= 1024;
    ++unit;
  }
  if (bytes % scale == 0) return fmt::format("{} {}", bytes / scale, units[unit]);
  return fmt::format("{:.1f} {}", static_cast<double>(bytes) / static_cast<double>(scale), units[unit]);
}

}  // namespace mapio::cli

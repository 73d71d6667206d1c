// The grammar of `mapio devmem ADDRESS [WIDTH [VALUE]]` (busybox devmem's), kept apart from the verb
// so that the fuzz target reads words exactly as the verb does.
//
//     auto r = mapio::cli::parse_devmem_request("0xfea00000", "w", std::nullopt, {});  // read 32 bits
//     auto w = mapio::cli::parse_devmem_request("0x1000", "8", "0x12", {});            // write one byte
//
// Every refusal is an ArgumentError (status 2): an unknown option or a word too many, a missing
// ADDRESS, a number or width outside the grammar, a VALUE wider than WIDTH, an ADDRESS that is not a
// multiple of WIDTH/8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arguments.hpp"

namespace mapio::cli {

/// One devmem access: where, how wide, and the value when it is a write.
struct DevmemRequest {
  std::uint64_t address = 0;
  unsigned width = 32;  // busybox's default: the width of an int
  std::optional<std::uint64_t> value;
};

inline constexpr const char* devmem_usage = "usage: mapio devmem ADDRESS [WIDTH [VALUE]]";

/// Reads devmem's words: the three positionals as given (nullopt when absent) and the words left
/// over after them.
inline DevmemRequest parse_devmem_request(const std::optional<std::string>& address,
                                          const std::optional<std::string>& width,
                                          const std::optional<std::string>& value,
                                          const std::vector<std::string>& extra) {
  for (const auto& word : extra) {
    if (word.size() > 1 && word[0] == '-' && !(word[1] >= '0' && word[1] <= '9')) {
      throw ArgumentError(fmt::format("unknown option '{}' ({})", word, devmem_usage));
    }
  }
  if (!extra.empty()) throw ArgumentError(fmt::format("too many arguments: '{}' ({})", extra.front(), devmem_usage));
  if (!address) throw ArgumentError(fmt::format("missing ADDRESS ({})", devmem_usage));
  DevmemRequest r;
  r.address = parse_number(*address, "address");
  if (width) r.width = parse_width(*width);
  if (value) r.value = parse_value(*value, r.width);
  const unsigned bytes = r.width / 8;
  if (r.address % bytes != 0) {
    throw ArgumentError(fmt::format("bad address '{}': a {}-bit access needs an address that is a multiple of {}",
                                    *address, r.width, bytes));
  }
  return r;
}

}  // namespace mapio::cli

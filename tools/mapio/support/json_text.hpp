// JSON output of the CLI's verbs. JSON strings are Unicode, and names from outside (file names,
// shared-memory names, kernel strings) need not be UTF-8: nlohmann's dump() throws on such a
// name, which turned `mapio cache --json` of a Latin-1 file name into an error. Here each byte
// that is not part of valid UTF-8 becomes U+FFFD instead, as the JSON output's documented rule;
// the text output shows such names exactly (escaped, never altered).
//
//     fmt::print("{}", json_text(report));   // two-space indent, a final newline
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mapio::cli {

template <typename Json>
std::string json_text(const Json& value) {
  return value.dump(2, ' ', false, nlohmann::detail::error_handler_t::replace) + "\n";
}

}  // namespace mapio::cli

// `mapio devmem ADDRESS [WIDTH [VALUE]]`'s words (parse_devmem_request), one word per line: any words are a request or
// an ArgumentError, and a request is always an aligned access of a real width whose value fits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "devmem_request.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mapio::fuzz::require;
  // One word per line, as the shell would hand them over: "0xfea00000\nw\n0x12".
  std::vector<std::string> words;
  const auto text = mapio::fuzz::text_of(data, size);
  for (std::size_t at = 0; at < text.size() && words.size() < 8;) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    words.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  const auto word = [&](std::size_t i) { return i < words.size() ? std::optional(words[i]) : std::nullopt; };
  const std::vector<std::string> extra(words.begin() + std::min<std::ptrdiff_t>(3, std::ssize(words)), words.end());
  try {
    const auto r = mapio::cli::parse_devmem_request(word(0), word(1), word(2), extra);
    require(r.width == 8 || r.width == 16 || r.width == 32 || r.width == 64, "a real width");
    require(r.address % (r.width / 8) == 0, "an aligned address");
    require(!r.value || *r.value <= mapio::cli::width_mask(r.width), "a value that fits the width");
    require(extra.empty() && !words.empty(), "no request from no words or too many");
  } catch (const mapio::cli::ArgumentError&) {
  }
  return 0;
}

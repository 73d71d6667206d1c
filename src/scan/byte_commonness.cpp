// Which bytes of a fixed string to look for: a ranking of how common each byte is in the text that
// is searched most (English prose, source code, logs), and the choice of a pattern's two rarest
// bytes from it. A search compares those two at every position, so the rarer they are the fewer
// candidates it verifies: "zebrafish" is looked for by its z and b, not by z and h.
#include <array>
#include <string_view>

#include "scan/scan_kernels.hpp"

namespace mapio::detail {
namespace {

// Lower-case letters from the most to the least common in English text.
constexpr std::string_view letters_by_use = "etaoinsrhldcumfpgwybvkxjqz";

constexpr std::array<std::uint8_t, 256> make_ranking() {
  std::array<std::uint8_t, 256> rank{};
  for (unsigned b = 0; b < 256; ++b) {
    std::uint8_t r = 2;  // control bytes and DEL: rare in text
    if (b >= 0x80) r = b < 0xc0 ? 70 : 55;  // UTF-8: continuation bytes come more often than leads
    if (b >= 0x21 && b < 0x7f) r = 60;      // punctuation not named below
    rank[b] = r;
  }
  for (std::size_t i = 0; i < letters_by_use.size(); ++i) {
    const auto lower = static_cast<unsigned char>(letters_by_use[i]);
    rank[lower] = static_cast<std::uint8_t>(250 - 6 * i);                    // e 250 ... z 100
    rank[lower - 32] = static_cast<std::uint8_t>(115 - 3 * i);               // E 115 ... Z 40
  }
  for (unsigned char d = '0'; d <= '9'; ++d) rank[d] = d <= '2' ? 125 : 105;
  rank[' '] = 255;
  rank['\n'] = 200;
  rank['\t'] = 90;
  for (const char c : std::string_view(".,")) rank[static_cast<unsigned char>(c)] = 150;
  for (const char c : std::string_view("-_()\"'/:;=")) rank[static_cast<unsigned char>(c)] = 100;
  for (const char c : std::string_view("*#<>[]{}")) rank[static_cast<unsigned char>(c)] = 80;
  return rank;
}

constexpr std::array<std::uint8_t, 256> ranking = make_ranking();

}  // namespace

std::uint8_t byte_commonness(std::byte value) noexcept { return ranking[static_cast<unsigned char>(value)]; }

PatternProbe make_probe(const std::byte* bytes, std::size_t length) noexcept {
  PatternProbe probe{bytes, length, 0, 0};
  if (length == 0) return probe;
  // The rarest byte (the first of equals), then the rarest one of another value; a pattern of one
  // byte value repeated (at least two long) compares its first and last.
  for (std::size_t i = 1; i < length; ++i) {
    if (ranking[static_cast<unsigned char>(bytes[i])] < ranking[static_cast<unsigned char>(bytes[probe.at_a])]) {
      probe.at_a = i;
    }
  }
  bool other = false;
  for (std::size_t i = 0; i < length; ++i) {
    if (bytes[i] == bytes[probe.at_a]) continue;
    if (!other || ranking[static_cast<unsigned char>(bytes[i])] < ranking[static_cast<unsigned char>(bytes[probe.at_b])]) {
      probe.at_b = i;
      other = true;
    }
  }
  if (!other) {
    probe.at_a = 0;
    probe.at_b = length - 1;
  }
  return probe;
}

}  // namespace mapio::detail

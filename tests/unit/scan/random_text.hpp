// Random text for the scanning tests' comparisons with a reference: fragments drawn from a list
// the test chooses (characters of each class, invalid and cut sequences), with now and then a
// byte of any value between them.
#pragma once

#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace mapio::test {

/// `fragments` draws: one in 16 is a random byte, the rest a random piece.
///
///     std::mt19937 rng(7);
///     std::string text = random_text(rng, 500, pieces);
inline std::string random_text(std::mt19937& rng, std::size_t fragments, std::span<const std::string_view> pieces) {
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> any_byte(0, 255);
  std::string text;
  for (std::size_t i = 0; i < fragments; ++i) {
    if (rng() % 16 == 0) {
      text += static_cast<char>(any_byte(rng));
    } else {
      text += pieces[pick(rng)];
    }
  }
  return text;
}

}  // namespace mapio::test

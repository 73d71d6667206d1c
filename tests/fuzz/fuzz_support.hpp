// Helpers shared by the fuzz targets: a property check that stops the run with a message (libFuzzer
// then saves the input that broke it), and the bytes of an input as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace mapio::fuzz {

/// Aborts with `what` when a property does not hold: libFuzzer reports a crash and keeps the input.
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "property broken: %s\n", what);
    std::abort();
  }
}

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace mapio::fuzz

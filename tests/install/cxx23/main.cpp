// A C++23 program built against mapio-core through pkg-config: the flags pkg-config gives must leave
// its -std=c++23 standing (a -std=c++20 among them would come later and win), and a program that
// maps files needs neither libpci nor {fmt}.
#include <cstdio>
#include <expected>

#include <mapio/core.hpp>

static_assert(__cplusplus > 202002L, "compiled as C++20 or older: something overrode -std=c++23");

namespace {
// std::expected is C++23 only: one more sign that the consumer's standard held.
std::expected<std::size_t, int> mapped_size(const char* path) {
  try {
    return mapio::MappedFile::open(path).size();
  } catch (const mapio::Error& e) {
    return std::unexpected(e.code().value());
  }
}
}  // namespace

int main(int, char** argv) {
  auto size = mapped_size(argv[0]);
  auto missing = mapped_size("/nonexistent/mapio-cxx23");
  std::printf("c++23 consumer mapped %zu bytes; a missing file is errno %d\n", size.value_or(0),
              missing ? 0 : missing.error());
  return size && *size > 0 && !missing ? 0 : 1;
}

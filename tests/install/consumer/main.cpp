// A program outside the mapio tree, built with find_package(mapio) and mapio::mapio: it includes the
// umbrella header, maps itself, and prints the version it was compiled against and the one it runs
// with, proving the headers, the libraries and mapio/version.hpp are installed and agree.
#include <cstdio>
#include <cstring>

#include <mapio/mapio.hpp>

static_assert(MAPIO_VERSION_MAJOR >= 0 && MAPIO_VERSION_MINOR >= 0 && MAPIO_VERSION_PATCH >= 0);

int main(int, char** argv) {
  auto self = mapio::MappedFile::open(argv[0]);
  auto lines = mapio::count_lines(self.bytes());
  std::printf("consumer mapped %zu bytes (%llu newlines) with mapio %s (headers %s)\n", self.size(),
              static_cast<unsigned long long>(lines), mapio::version(), MAPIO_VERSION);
  return self.size() > 0 && std::strcmp(mapio::version(), MAPIO_VERSION) == 0 ? 0 : 1;
}

// A program outside the mapio tree: maps itself and prints its own size, proving headers and library link.
#include <cstdio>

#include <mapio/core/file.hpp>

int main(int, char** argv) {
  auto self = mapio::MappedFile::open(argv[0]);
  std::printf("consumer mapped %zu bytes\n", self.size());
  return self.size() > 0 ? 0 : 1;
}

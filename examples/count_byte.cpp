// count_byte: count one byte value in a large file, reading it front to back.
//
//     count_byte [FILE [CHAR]]     (default CHAR 'e'; without FILE, a 64 MiB sample is generated)
//
// Advice::sequential (madvise(MADV_SEQUENTIAL)) tells the kernel to read ahead aggressively and that
// pages behind us will not be needed again. scan_safely() hands the file over in 1 MiB chunks with a
// SIGBUS guard armed: if someone truncates the file mid-scan, we get a mapio::Error, not a crash.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"

namespace {

// A sample of repeated 64-byte lines of text; the test counts its bytes independently (tr | wc).
void generate_sample(const std::filesystem::path& path, std::size_t size) {
  auto file = mapio::MappedFile::create(path, size);
  auto bytes = file.writable_bytes();
  constexpr char line[] = "a mapping is the page cache: each page comes in at first touch.\n";
  static_assert(sizeof line - 1 == 64);
  for (std::size_t i = 0; i < size; i += 64) std::memcpy(bytes.data() + i, line, std::min<std::size_t>(64, size - i));
}

}  // namespace

int main(int argc, char** argv) {
  const bool generated = argc < 2;
  const std::filesystem::path path =
      generated ? std::filesystem::temp_directory_path() / ("mapio-count-" + std::to_string(::getpid()) + ".txt")
                : std::filesystem::path(argv[1]);
  const unsigned char target = argc >= 3 && argv[2][0] != '\0' ? static_cast<unsigned char>(argv[2][0]) : 'e';
  int status = 0;
  try {
    if (generated) generate_sample(path, std::size_t{64} << 20);
    auto file = mapio::MappedFile::open(path);
    // An empty file gives an empty mapping: advise and scan are then no-ops, no special case needed.
    file.advise(mapio::Advice::sequential);

    std::size_t count = 0;
    file.scan_safely([&](std::span<const std::byte> chunk) {
      count += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), std::byte{target}));
    });
    std::printf("'%c' appears %zu times in %s (%zu bytes)\n", target, count,
                generated ? "the generated sample" : path.c_str(), file.size());
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "count_byte: %s\n", e.what());
    status = 1;
  }
  if (generated) std::filesystem::remove(path);
  return status;
}

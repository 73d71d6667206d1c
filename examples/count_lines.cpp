// count_lines: map a file and count its lines — mmap's "hello world".
//
//     count_lines /etc/passwd
//
// Mapping a file makes its bytes an ordinary array: no read() loop, no buffer to size. mapio maps
// exactly the file's bytes, and an empty file gives an empty mapping (mmap(2) itself would refuse a
// zero length with EINVAL), so there is no special case for it below.
#include <algorithm>
#include <cstddef>
#include <cstdio>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  try {
    // Read-only and shared by default: the pages are the page cache's own, nothing is copied.
    const auto file = mapio::MappedFile::open(argv[1]);
    const auto bytes = file.bytes();
    std::printf("file size: %zu bytes\n", bytes.size());

    // A preview of the first 80 bytes, printed as they are (fwrite, not %s: there is no '\0').
    const std::size_t preview = std::min<std::size_t>(80, bytes.size());
    std::printf("first %zu bytes:\n", preview);
    std::fwrite(bytes.data(), 1, preview, stdout);
    std::printf("\n");

    const auto lines = std::count(bytes.begin(), bytes.end(), std::byte{'\n'});
    std::printf("total lines: %td\n", lines);
  } catch (const mapio::Error& e) {
    // One error model: the message names the operation, the path and the reason.
    std::fprintf(stderr, "count_lines: %s\n", e.what());
    return 1;
  }
  return 0;
}

// pick_lines: print chosen lines of a file, in the order asked — an index built once, then a batch
// of lookups that a mapping serves faster than pread because it can prefetch the next ones.
//
//     pick_lines FILE LINE...      (lines numbered from 1, as sed and editors number them)
//
// One pass over the mapping finds where every line starts (find_byte, SIMD). The requested lines
// become Extents of the mapping, and visit_extents hands each one over while the lines of the
// next are already on their way from memory (mapio/core/prefetch.hpp).
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/prefetch.hpp"
#include "mapio/scan/scan.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: pick_lines FILE LINE...\n");
    return 2;
  }
  try {
    auto file = mapio::MappedFile::open(argv[1]);
    const auto bytes = file.bytes();

    // starts[i] is where line i+1 begins; a last line without '\n' still counts as a line.
    std::vector<std::size_t> starts;
    for (std::size_t at = 0; at < bytes.size();) {
      starts.push_back(at);
      const std::size_t newline = mapio::find_byte(bytes, std::byte{'\n'}, at);
      at = newline == mapio::not_found ? bytes.size() : newline + 1;
    }
    const auto line_end = [&](std::size_t index) { return index + 1 < starts.size() ? starts[index + 1] : bytes.size(); };

    std::vector<mapio::Extent> wanted;
    for (int i = 2; i < argc; ++i) {
      char* end = nullptr;
      const unsigned long long number = std::strtoull(argv[i], &end, 10);
      if (*argv[i] == '\0' || *end != '\0' || number == 0 || number > starts.size()) {
        std::fprintf(stderr, "pick_lines: line %s: %s has lines 1 to %zu\n", argv[i], argv[1], starts.size());
        return 1;
      }
      const std::size_t index = static_cast<std::size_t>(number - 1);
      wanted.push_back({starts[index], line_end(index) - starts[index]});
    }

    mapio::visit_extents(bytes, wanted, [](std::span<const std::byte> line) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      if (line.empty() || line.back() != std::byte{'\n'}) std::fputc('\n', stdout);
    });
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "pick_lines: %s\n", e.what());
    return 1;
  }
  return 0;
}

#include "core/smaps.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace mapio::detail {

std::size_t huge_page_bytes(std::string_view smaps, std::uintptr_t first, std::uintptr_t last) {
  // Each region is a "start-end perms ..." header line, then "Name:   N kB" lines.
  bool inside = false;
  std::size_t bytes = 0;
  for (std::size_t at = 0; at < smaps.size();) {
    const std::size_t end = std::min(smaps.find('\n', at), smaps.size());
    const std::string_view line(smaps.data() + at, end - at);
    at = end + 1;
    unsigned long long start = 0, stop = 0;
    if (std::sscanf(std::string(line.substr(0, 40)).c_str(), "%llx-%llx ", &start, &stop) == 2 &&
        line.find(' ') > line.find('-')) {
      if (start >= last) break;  // regions are listed in address order
      inside = stop > first;
      continue;
    }
    if (!inside) continue;
    for (const std::string_view name : {"AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:"}) {
      if (line.substr(0, name.size()) == name) {
        bytes += static_cast<std::size_t>(std::strtoull(std::string(line.substr(name.size())).c_str(), nullptr, 10)) * 1024;
      }
    }
  }
  return bytes;
}

}  // namespace mapio::detail

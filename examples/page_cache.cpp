// page_cache: where a file is in memory — all of it after writing, none after evicting it, and
// exactly the pages touched through a mapping afterwards.
//
//     page_cache [FILE]      (without FILE, a 4 MiB sample is written and removed afterwards)
//
// Mapping::residency() asks mincore(2) which pages under the mapping are in the page cache;
// evict_from_page_cache() writes dirty pages back and drops the file's pages (what vmtouch -e
// does). With Advice::random the kernel reads no pages ahead, so touching 16 pages of the middle
// brings in those 16 and no others. On tmpfs a file lives in the page cache and cannot leave it.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/page.hpp"

namespace {

std::size_t resident(const mapio::Mapping& map) {
  const auto pages = map.residency();
  return static_cast<std::size_t>(std::count(pages.begin(), pages.end(), true));
}

}  // namespace

int main(int argc, char** argv) {
  const bool generated = argc < 2;
  const std::filesystem::path path =
      generated ? std::filesystem::temp_directory_path() / ("mapio-page-cache-" + std::to_string(::getpid()) + ".bin")
                : std::filesystem::path(argv[1]);
  int status = 0;
  try {
    if (generated) {
      auto sample = mapio::MappedFile::create(path, std::size_t{4} << 20);
      std::fill(sample.writable_bytes().begin(), sample.writable_bytes().end(), std::byte{'m'});
    }
    const std::size_t page = mapio::page_size();
    {
      auto file = mapio::MappedFile::open(path);
      std::printf("%s: %zu pages, %zu in the page cache\n", generated ? "the sample" : path.c_str(),
                  file.residency().size(), resident(file));
    }
    // Evict while nothing maps the file: the kernel keeps pages that some process has mapped.
    mapio::evict_from_page_cache(path);
    auto file = mapio::MappedFile::open(path);
    std::printf("after evict_from_page_cache: %zu in the page cache\n", resident(file));

    file.advise(mapio::Advice::random);  // no readahead: a fault reads its own page only
    const std::size_t pages = file.residency().size();
    const std::size_t first = pages / 2, count = std::min<std::size_t>(16, pages - first);
    unsigned sum = 0;
    for (std::size_t i = first; i < first + count; ++i) sum += static_cast<unsigned>(file.bytes()[i * page]);
    std::printf("after touching %zu pages from page %zu: %zu in the page cache (byte sum %u)\n", count, first,
                resident(file), sum);
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "page_cache: %s\n", e.what());
    status = 1;
  }
  if (generated) std::filesystem::remove(path);
  return status;
}

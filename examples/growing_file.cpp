// growing_file: append records to a mapped file, growing it as it fills — the right way.
//
//     growing_file [FILE]      (default: a file in $TMPDIR, removed afterwards)
//
// A mapping covers a fixed range of a file, and writing past the end of the file cannot extend it
// (the store lands on a page with no file behind it: SIGBUS, or SIGSEGV past the mapping). To grow,
// the file must first be made longer (ftruncate(2)) and the mapping widened (mremap(2)).
// MappedFile::resize() does both, in the safe order. data() may move, so take pointers afresh.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"

int main(int argc, char** argv) {
  const bool temporary = argc < 2;
  const std::filesystem::path path =
      temporary ? std::filesystem::temp_directory_path() / ("mapio-grow-" + std::to_string(::getpid()) + ".log")
                : std::filesystem::path(argv[1]);
  int status = 0;
  try {
    // Start empty: an empty file is an empty mapping, and resize() maps it once it has bytes.
    auto log = mapio::MappedFile::create(path, 0);
    std::printf("created with %zu bytes\n", log.size());

    std::size_t used = 0;
    int grows = 0;
    for (int i = 1; i <= 1000; ++i) {
      char record[64];
      const int n = std::snprintf(record, sizeof record, "record %04d\n", i);
      const auto length = static_cast<std::size_t>(n);
      if (used + length > log.size()) {
        // Double the capacity (at least one page) so that appends cost O(1) system calls on average.
        log.resize(std::max<std::size_t>(4096, log.size() * 2));
        ++grows;
      }
      std::memcpy(log.writable_data() + used, record, length);
      used += length;
    }
    std::printf("appended 1000 records (%zu bytes), growing %d times to %zu bytes\n", used, grows, log.size());

    // Give back the unused tail so the file holds exactly the records.
    log.resize(used);
    log.flush();

    struct stat st {};
    ::stat(path.c_str(), &st);
    std::printf("after trimming: file is %lld bytes, last record: %.*s", static_cast<long long>(st.st_size), 12,
                reinterpret_cast<const char*>(log.data()) + used - 12);
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "growing_file: %s\n", e.what());
    status = 1;
  }
  if (temporary) std::filesystem::remove(path);
  return status;
}

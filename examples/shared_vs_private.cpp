// shared_vs_private: the same write through a copy-on-write mapping and through a shared one.
//
//     shared_vs_private [FILE]     (default: a file in $TMPDIR, removed afterwards)
//
// Access::copy_on_write (MAP_PRIVATE) gives this process its own copy of each page it writes: the
// file and every other mapping of it keep the old bytes. Access::read_write (MAP_SHARED) writes into
// the page cache itself, so the file changes. After each write we read the file with read(2).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"

namespace {

std::string read_back(const std::filesystem::path& path) {
  std::string contents;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "(open failed)";
  char buffer[256];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) contents.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return contents;
}

void show(const char* who, std::span<const std::byte> bytes) {
  std::printf("%-8s %.*s\n", who, static_cast<int>(bytes.size()), reinterpret_cast<const char*>(bytes.data()));
}

void show(const char* who, const std::string& text) {
  std::printf("%-8s %s\n", who, text.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const bool temporary = argc < 2;
  const std::filesystem::path path =
      temporary ? std::filesystem::temp_directory_path() / ("mapio-cow-" + std::to_string(::getpid()) + ".txt")
                : std::filesystem::path(argv[1]);
  int status = 0;
  try {
    constexpr std::string_view original = "original";
    auto created = mapio::MappedFile::create(path, original.size());
    std::memcpy(created.writable_data(), original.data(), original.size());
    created.flush();
    created.unmap();

    auto private_map = mapio::MappedFile::open(path, mapio::FileOptions().access(mapio::Access::copy_on_write));
    auto shared_map = mapio::MappedFile::open(path, mapio::FileOptions().access(mapio::Access::read_write));

    std::printf("1. write \"PRIVATE!\" through the copy-on-write mapping\n");
    std::memcpy(private_map.writable_data(), "PRIVATE!", 8);
    show("private:", private_map.bytes());
    show("shared:", shared_map.bytes());
    show("file:", read_back(path));

    std::printf("2. write \"SHARED!!\" through the shared mapping\n");
    std::memcpy(shared_map.writable_data(), "SHARED!!", 8);
    show("private:", private_map.bytes());  // its written page is its own copy: unchanged
    show("shared:", shared_map.bytes());
    show("file:", read_back(path));
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "shared_vs_private: %s\n", e.what());
    status = 1;
  }
  if (temporary) std::filesystem::remove(path);
  return status;
}

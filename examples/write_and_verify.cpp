// write_and_verify: change a file through a shared mapping, flush it, and read it back with read(2).
//
//     write_and_verify [FILE]      (default: a file in $TMPDIR, removed afterwards)
//
// A read-write mapping is MAP_SHARED: a store into it is a store into the page cache, so every
// reader of the file sees it at once. flush() (msync(2) with MS_SYNC) is what makes it durable —
// without it the kernel writes the page back whenever it likes.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"

namespace {

// The verification deliberately does not use mapio: plain open(2) + read(2), as any other program would.
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

std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

int main(int argc, char** argv) {
  const bool temporary = argc < 2;
  const std::filesystem::path path =
      temporary ? std::filesystem::temp_directory_path() / ("mapio-write-" + std::to_string(::getpid()) + ".txt")
                : std::filesystem::path(argv[1]);
  int status = 0;
  try {
    constexpr std::string_view initial = "Hello, World! This is memory-mapped.\n";
    // create() sizes the file before mapping it: a mapping can never make a file longer.
    auto file = mapio::MappedFile::create(path, initial.size());
    auto bytes = file.writable_bytes();
    std::memcpy(bytes.data(), initial.data(), initial.size());
    std::printf("before: %.*s", static_cast<int>(bytes.size()), as_text(bytes).data());

    std::memcpy(bytes.data(), "HOWDY", 5);
    std::printf("after:  %.*s", static_cast<int>(bytes.size()), as_text(bytes).data());

    file.flush();  // msync(MS_SYNC): the bytes are on their way to disk when this returns
    const std::string verify = read_back(path);
    std::printf("verify: %s", verify.c_str());
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "write_and_verify: %s\n", e.what());
    status = 1;
  }
  if (temporary) std::filesystem::remove(path);
  return status;
}

// tail_log: follow a log that another process appends to, through a read-only mapping.
//
//     tail_log            a writer process appends five lines to a fresh log while this one follows it
//     tail_log FILE       follows FILE as `tail -f` does: prints what is appended, until killed
//
// A mapping covers the file as it was when mapped: bytes appended later lie past its end, and
// reading there would fault. MappedFile::refresh() maps the file again to its current size (an
// mremap, which keeps the pages already mapped), so a reader remembers how far it has read and
// prints from there after each refresh. A file cut shorter (log rotation by truncation) shrinks
// the mapping with it: start again from its new end.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"

namespace {

using namespace std::chrono_literals;

// Prints what the file gained since `seen` bytes; returns the new count.
std::size_t print_new(const mapio::MappedFile& log, std::size_t seen, const char* prefix) {
  if (log.size() < seen) return log.size();  // cut shorter: follow from its new end
  const auto fresh = log.bytes().subspan(seen);
  std::string_view text(reinterpret_cast<const char*>(fresh.data()), fresh.size());
  // Whole lines only: a line the writer has not finished yet waits for the next look.
  const std::size_t end = text.rfind('\n');
  if (end == std::string_view::npos) return seen;
  text = text.substr(0, end + 1);
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t nl = text.find('\n', at);
    std::printf("%s%.*s\n", prefix, static_cast<int>(nl - at), text.data() + at);
    at = nl + 1;
  }
  std::fflush(stdout);
  return seen + text.size();
}

[[noreturn]] void follow_forever(const std::filesystem::path& path) {
  auto log = mapio::MappedFile::open(path);
  std::size_t seen = log.size();  // like tail -f -n 0: only what comes from now on
  for (;;) {
    std::this_thread::sleep_for(200ms);
    log.refresh();
    seen = print_new(log, seen, "");
  }
}

int demo() {
  const auto path = std::filesystem::temp_directory_path() / ("mapio-tail-" + std::to_string(::getpid()) + ".log");
  int status = 0;
  try {
    auto log = mapio::MappedFile::create_new(path, 0);  // empty: nothing mapped yet
    std::printf("following an empty log (%zu bytes mapped)\n", log.size());
    std::fflush(stdout);
    const pid_t writer = ::fork();
    if (writer == 0) {
      // The other process: appends with write(2), as a logger does, a line every 20 ms.
      const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      for (int i = 1; i <= 5 && fd >= 0; ++i) {
        std::this_thread::sleep_for(20ms);
        char line[64];
        const int n = std::snprintf(line, sizeof line, "event %d from the writer\n", i);
        if (::write(fd, line, static_cast<std::size_t>(n)) != n) ::_exit(1);
      }
      ::_exit(fd >= 0 ? 0 : 1);
    }
    std::size_t seen = 0;
    int lines = 0;
    for (int looks = 0; lines < 5 && looks < 1000; ++looks) {
      std::this_thread::sleep_for(5ms);
      log.refresh();
      const std::size_t before = seen;
      seen = print_new(log, seen, "  ");
      for (std::size_t i = before; i < seen; ++i) lines += log.bytes()[i] == std::byte{'\n'} ? 1 : 0;
    }
    int writer_status = 0;
    ::waitpid(writer, &writer_status, 0);
    std::printf("followed %d lines, %zu bytes mapped\n", lines, log.size());
    status = lines == 5 && WIFEXITED(writer_status) && WEXITSTATUS(writer_status) == 0 ? 0 : 1;
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "tail_log: %s\n", e.what());
    status = 1;
  }
  std::filesystem::remove(path);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return demo();
  try {
    follow_forever(argv[1]);
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "tail_log: %s\n", e.what());
    return 1;
  }
}

// `mapio tour` steps about files: mapping and counting, any offset, copy-on-write vs shared writes,
// growing a file, and reads that survive a truncated file.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/page.hpp"
#include "tour_step.hpp"

namespace mapio::cli::tour {
namespace {

/// Bytes as a short quoted string, newlines shown as \n.
std::string shown(std::span<const std::byte> bytes) {
  std::string text = "\"";
  for (auto b : bytes) {
    const char c = static_cast<char>(b);
    text += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return text + "\"";
}

std::string shown(const std::string& text) {
  return shown(std::as_bytes(std::span(text.data(), text.size())));
}

/// The file's bytes as an ordinary reader sees them (ifstream), to compare with what a mapping shows.
std::string read_plainly(const std::filesystem::path& path, std::uint64_t offset, std::size_t length) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string text(length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::string as_string(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

StepRegistration map_and_count{
    10, "Map a file and count its lines",
    "A mapping makes the file an array in memory: no read() loop, no buffer to size. mapio maps\n"
    "exactly the bytes you ask for, at any offset, and an empty file is just an empty mapping.",
    [](Context& tour) {
      const auto file = MappedFile::open(tour.sample);
      const auto lines = std::count(file.bytes().begin(), file.bytes().end(), std::byte{'\n'});
      tour.say("mapped {}: {} bytes, counted {} lines (it was written with {})", tour.name(tour.sample),
               file.size(), lines, tour.sample_lines);

      // mmap(2) itself only takes page-aligned offsets; mapio maps from the page below.
      const std::uint64_t offset = page_size() + 1;
      const auto part = MappedFile::open(tour.sample, FileOptions().offset(offset).length(20));
      const bool same = as_string(part.bytes()) == read_plainly(tour.sample, offset, 20);
      tour.say("20 bytes at offset {} (not a page boundary): {}, {}", offset, shown(part.bytes()),
               same ? "the same as read() gives" : "DIFFERENT from what read() gives");

      const auto empty_path = tour.directory / "empty.txt";
      std::ofstream{empty_path};
      const auto empty = MappedFile::open(empty_path);
      tour.say("an empty file maps to {} bytes, no error (mmap(2) alone refuses length 0)", empty.size());
    }};

StepRegistration private_and_shared{
    20, "Copy-on-write vs shared writes",
    "Access::copy_on_write (MAP_PRIVATE) gives this process its own copy of each page it writes;\n"
    "Access::read_write (MAP_SHARED) writes into the file's pages, so every reader sees the change.",
    [](Context& tour) {
      const auto path = tour.directory / "note.txt";
      std::ofstream(path, std::ios::binary) << "original";
      auto mine = MappedFile::open(path, FileOptions().access(Access::copy_on_write));
      auto ours = MappedFile::open(path, FileOptions().access(Access::read_write));

      std::memcpy(mine.writable_data(), "PRIVATE!", 8);
      tour.say("copy-on-write mapping wrote {}; the file still reads {}", shown(mine.bytes()),
               shown(read_plainly(path, 0, 8)));
      std::memcpy(ours.writable_data(), "SHARED!!", 8);
      tour.say("shared mapping wrote {}; the file now reads {}; the private copy keeps {}", shown(ours.bytes()),
               shown(read_plainly(path, 0, 8)), shown(mine.bytes()));
    }};

StepRegistration growing{
    50, "Grow a file the right way",
    "Writing past the end of a mapping cannot make the file longer (that store would fault).\n"
    "MappedFile::resize() extends the file (ftruncate) and then the mapping (mremap), in that order.",
    [](Context& tour) {
      const auto path = tour.directory / "journal.log";
      auto journal = MappedFile::create(path, 0);
      tour.say("created {} with {} bytes", tour.name(path), journal.size());
      std::size_t used = 0;
      int grows = 0;
      constexpr int records = 500;
      for (int i = 1; i <= records; ++i) {
        const std::string record = fmt::format("record {:04}\n", i);
        if (used + record.size() > journal.size()) {
          journal.resize(std::max<std::size_t>(page_size(), journal.size() * 2));  // double: few system calls
          ++grows;
        }
        std::memcpy(journal.writable_data() + used, record.data(), record.size());
        used += record.size();
      }
      tour.say("appended {} records ({} bytes), growing {} times to {} bytes", records, used, grows, journal.size());
      journal.resize(used);
      journal.flush();
      tour.say("trimmed to {} bytes: the file on disk is {} bytes, its last line {}", journal.size(),
               std::filesystem::file_size(path), shown(read_plainly(path, used - 12, 12)));
    }};

StepRegistration truncation{
    60, "Reads that survive a truncated file",
    "If another program shrinks a file you have mapped, touching the lost pages raises SIGBUS and\n"
    "kills the process. read_safely() and scan_safely() turn that into a mapio::Error instead.",
    [](Context& tour) {
      const auto path = tour.directory / "shrinking.bin";
      const std::size_t page = page_size();
      std::ofstream(path, std::ios::binary) << std::string(3 * page, 'x');
      const auto file = MappedFile::open(path);
      std::filesystem::resize_file(path, page);  // as another process might, behind our back
      tour.say("mapped {} bytes of {}, then truncated the file to {} bytes", file.size(), tour.name(path), page);

      std::string first(8, '\0');
      file.read_safely(0, std::as_writable_bytes(std::span(first.data(), first.size())));
      tour.say("read_safely at offset 0: {} (that page is still there)", shown(first));
      std::string lost(8, '\0');
      try {
        file.read_safely(2 * page, std::as_writable_bytes(std::span(lost.data(), lost.size())));
        tour.say("read_safely at offset {}: {} (expected an error!)", 2 * page, shown(lost));
      } catch (const Error& e) {
        tour.say("read_safely at offset {}: mapio::Error ({}), and the process lives on:", 2 * page,
                 e.errno_value() == EFAULT ? "EFAULT" : std::strerror(e.errno_value()));
        tour.say("{}", e.explanation());
      }
    }};

}  // namespace
}  // namespace mapio::cli::tour

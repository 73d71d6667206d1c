// mapio cache FILE...: how much of each file is in the page cache, and moving it in or out — what
// vmtouch and fincore do, on mapio's mappings.
//
//   mapio cache big.log              resident pages per file (mincore on a mapping)
//   mapio cache -t big.log           read it in first (MADV_POPULATE_READ), like vmtouch -t
//   mapio cache -e big.log           drop it first (POSIX_FADV_DONTNEED), like vmtouch -e
//   mapio cache -l --hold 60 db.bin  lock it in memory (mlock) and keep it there for 60 s
//   mapio cache -v big.log           also a line of 60 cells: O all resident, o some, . none
//
// Each file is a line: resident share, resident/total pages, size, name; a total line follows when
// there are several; a name is escaped as fincore escapes it (\xHH), so that it stays one line. In
// --json output a byte of a name that is not UTF-8 becomes U+FFFD. A file that cannot be mapped is an error on stderr and the rest go on (exit 1).
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <clocale>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "json_text.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/syscall.hpp"
#include "output.hpp"
#include "quote.hpp"

namespace mapio::cli {
namespace {

struct CacheArgs {
  std::vector<std::string> files;
  bool touch = false;
  bool evict = false;
  bool lock = false;
  std::string hold;  // seconds as typed; empty: until SIGINT or SIGTERM
  bool verbose = false;
  bool json = false;
};

struct FileReport {
  std::string name;
  std::uint64_t size = 0;
  std::size_t pages = 0;
  std::size_t resident = 0;
  std::string cells;  // the -v line
};

double share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

// 60 cells, each standing for an equal share of the pages.
std::string residency_cells(const std::vector<bool>& pages) {
  constexpr std::size_t width = 60;
  if (pages.empty()) return {};
  const std::size_t cells = std::min(width, pages.size());
  std::string out;
  for (std::size_t c = 0; c < cells; ++c) {
    const std::size_t from = pages.size() * c / cells;
    const std::size_t to = pages.size() * (c + 1) / cells;
    const auto in = static_cast<std::size_t>(std::count(pages.begin() + static_cast<std::ptrdiff_t>(from),
                                                        pages.begin() + static_cast<std::ptrdiff_t>(to), true));
    out += in == to - from ? 'O' : in == 0 ? '.' : 'o';
  }
  return out;
}

std::string report_line(const std::string& percent, std::size_t resident, std::size_t pages, std::uint64_t size,
                        const std::string& name) {
  return fmt::format("{:>7} {:>21} {:>10}  {}\n", percent, fmt::format("{}/{}", resident, pages), human_size(size),
                     escape_name_as_fincore(name));
}

// Blocks SIGINT and SIGTERM and waits for one, or for `ms` milliseconds when not negative. Blocking
// first means a signal that arrives early is kept pending rather than killing the process with its
// pages still locked and nothing said.
void hold_until_signal(std::int64_t ms) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  if (ms < 0) {
    int which = 0;
    sigwait(&stop, &which);
    return;
  }
  timespec limit{};
  limit.tv_sec = static_cast<time_t>(ms / 1000);
  limit.tv_nsec = static_cast<long>(ms % 1000 * 1000000);
  // EAGAIN is the time running out; any other failure must not pass for a completed hold.
  if (sys::retry_interrupted([&] { return ::sigtimedwait(&stop, nullptr, &limit); }) < 0 && errno != EAGAIN) {
    throw_errno("sigtimedwait", "--hold");
  }
}

int run_cache(const CacheArgs& args) {
  // Which characters of a name are printable is the locale's question, as it is fincore's.
  std::setlocale(LC_CTYPE, "");
  // Read before any work, so that a bad one is a usage error (status 2) with nothing locked.
  const std::int64_t hold_ms = args.hold.empty() ? -1 : parse_milliseconds(args.hold, "hold");
  if (args.lock) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  }

  int status = 0;
  std::vector<FileReport> reports;
  std::vector<MappedFile> locked;  // kept mapped (and locked) until the hold ends
  for (const auto& name : args.files) {
    try {
      // As util-linux fincore: a directory is passed over without a word, and a file of no bytes
      // (an empty file, /dev/null, most of /proc) has no pages to be resident — reported as such,
      // without a mapping that could not be made.
      struct stat st {};
      if (::stat(name.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) continue;
        if (st.st_size == 0) {
          reports.push_back({name, 0, 0, 0, std::string{}});
          continue;
        }
      }
      if (args.evict) evict_from_page_cache(name);
      auto file = MappedFile::open(name);
      if (args.touch) file.populate();
      if (args.lock) file.lock();
      const auto pages = file.residency();
      reports.push_back({name, file.size(), pages.size(),
                         static_cast<std::size_t>(std::count(pages.begin(), pages.end(), true)),
                         args.verbose ? residency_cells(pages) : std::string{}});
      if (args.lock) locked.push_back(std::move(file));
    } catch (const Error& e) {
      std::fflush(stdout);
      fmt::print(stderr, "mapio cache: {}\n", e.what());
      status = 1;
    }
  }

  std::size_t pages = 0, resident = 0;
  std::uint64_t size = 0;
  for (const auto& r : reports) {
    pages += r.pages;
    resident += r.resident;
    size += r.size;
  }
  if (args.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : reports) {
      nlohmann::ordered_json one = {{"file", r.name}, {"size", r.size}, {"pages", r.pages}, {"resident_pages", r.resident}};
      if (args.verbose) one["cells"] = r.cells;
      out.push_back(one);
    }
    fmt::print("{}", json_text(out));
  } else if (!reports.empty()) {
    std::string text = fmt::format("{:>7} {:>21} {:>10}  {}\n", "in RAM", "pages", "size", "file");
    for (const auto& r : reports) {
      text += report_line(fmt::format("{:.1f}%", share(r.resident, r.pages)), r.resident, r.pages, r.size, r.name);
      if (args.verbose && !r.cells.empty()) text += fmt::format("{:>7} [{}]\n", "", r.cells);
    }
    if (reports.size() > 1) text += report_line(fmt::format("{:.1f}%", share(resident, pages)), resident, pages, size, "total");
    fmt::print("{}", text);
  }

  if (args.lock && !locked.empty()) {
    if (!args.json) {
      fmt::print("locked {} pages of {} file{} into memory; {}\n", pages, locked.size(), locked.size() == 1 ? "" : "s",
                 hold_ms < 0 ? "holding until interrupted (Ctrl-C or SIGTERM)" : fmt::format("holding for {} s", args.hold));
    }
    check_stdout();
    hold_until_signal(hold_ms);
  }
  check_stdout();
  return status;
}

// Output that could not be written fails the verb (status 1), as fincore's does.
int run_cache_checked(const CacheArgs& args) {
  try {
    return run_cache(args);
  } catch (const WriteError& e) {
    fmt::print(stderr, "mapio cache: write error{}\n",
               e.errno_value() != 0 ? fmt::format(": {}", std::strerror(e.errno_value())) : "");
    return 1;
  }
}

Registration cache{"cache", "Show how much of files is in the page cache; read in, evict or lock them (like vmtouch)",
                   [](CLI::App& app) {
                     auto args = std::make_shared<CacheArgs>();
                     app.add_option("FILE", args->files, "Files to look at")->required();
                     auto* touch = app.add_flag("-t,--touch", args->touch,
                                                "Read the files into the page cache first (MADV_POPULATE_READ)");
                     app.add_flag("-e,--evict", args->evict,
                                  "Write back and drop the files' unmapped pages from the page cache first "
                                  "(fdatasync, POSIX_FADV_DONTNEED)")
                         ->excludes(touch);
                     auto* lock = app.add_flag("-l,--lock", args->lock,
                                               "Lock the files into memory (mlock) and hold them until interrupted or "
                                               "--hold ends");
                     app.add_option("--hold", args->hold, "With --lock: seconds to hold the lock (e.g. 60 or 0.5)")
                         ->needs(lock);
                     app.add_flag("-v,--verbose", args->verbose, "Also show where the resident pages are (60 cells)");
                     app.add_flag("--json", args->json, "JSON instead of the table");
                     return [args] { return run_cache_checked(*args); };
                   },
                   1};  // usage errors exit 1, as fincore's

}  // namespace
}  // namespace mapio::cli

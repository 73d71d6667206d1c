// mapio wc [-l] [-w] [-c] [FILE...]: lines, words and bytes, in GNU wc's format, at the speed of
// memory. Large files are mapped and counted by all CPUs; small files and pipes are read. Words are
// counted as GNU wc counts them in the locale it runs in (LC_ALL, LC_CTYPE, LANG): the C/POSIX
// locale and UTF-8 locales; other encodings are refused for -w.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/locale.hpp"
#include "mapio/scan/scan.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "quote.hpp"

namespace mapio::cli {
namespace {

struct WcArgs {
  bool lines = false;
  bool words = false;
  bool bytes = false;
  std::vector<std::string> files;
  ScanFlags scan;
};

// GNU wc's column width: the digits of the total size of the regular files named, at least 7 when
// one of them is not a regular file (its size is unknown); 1 when a single count of a single input
// is printed. Inputs that cannot be stat()ed do not count.
int column_width(const WcArgs& args, int counts) {
  if (args.files.empty() ? true : (args.files.size() == 1 && counts == 1)) {
    if (args.files.empty() && counts > 1) {
      struct stat st {};
      if (::fstat(STDIN_FILENO, &st) != 0) return 1;
      if (!S_ISREG(st.st_mode)) return 7;
      return static_cast<int>(fmt::formatted_size("{}", st.st_size));
    }
    return 1;
  }
  std::uint64_t regular = 0;
  int minimum = 1;
  for (const auto& file : args.files) {
    struct stat st {};
    const int failed = file == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(file.c_str(), &st);
    if (failed != 0) continue;
    if (S_ISREG(st.st_mode)) {
      regular += static_cast<std::uint64_t>(st.st_size);
    } else {
      minimum = 7;
    }
  }
  return std::max(minimum, static_cast<int>(fmt::formatted_size("{}", regular)));
}

// The name as GNU wc 9.1 prints it after the counts: quoted only when it holds a newline.
std::string shown_name(const std::string& name) {
  return name.find('\n') != std::string::npos ? quote_file_name(name) : name;
}

void print_counts(LineOutput& out, const WcArgs& args, int width, const TextCounter::Summary& s,
                  const std::string* name) {
  std::string line;
  auto put = [&](std::uint64_t value) {
    if (!line.empty()) line += ' ';
    line += fmt::format("{:>{}}", value, width);
  };
  if (args.lines) put(s.lines);
  if (args.words) put(s.words.words);
  if (args.bytes) put(s.bytes);
  if (name != nullptr) line += " " + shown_name(*name);
  out.line(line);
}

// Bytes only, without reading what need not be read, as GNU wc 9.1 does: a regular file whose size
// is not a multiple of the page size is as long as it says. One whose size is a multiple of it
// (sysfs and procfs files say 4096 or 0 and hold a few bytes) is trusted only up to the last
// block-and-a-byte before its end, and the rest is read: a file that holds less than it says is
// then read whole.
bool count_bytes_by_size(Input& input, Scanner& scanner, TextCounter::Summary& s) {
  struct stat st {};
  if (::fstat(input.descriptor(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const off_t here = ::lseek(input.descriptor(), 0, SEEK_CUR);
  const off_t end = st.st_size;
  if (end % static_cast<off_t>(::sysconf(_SC_PAGESIZE)) != 0) {
    if (here < 0 || here >= end || ::lseek(input.descriptor(), end, SEEK_SET) < 0) return false;
    s.bytes = static_cast<std::uint64_t>(end - here);
    return true;
  }
  const off_t last = end - end % (static_cast<off_t>(st.st_blksize) + 1);
  s.bytes = 0;
  if (here >= 0 && here < last && ::lseek(input.descriptor(), last, SEEK_SET) >= 0) {
    s.bytes = static_cast<std::uint64_t>(last - here);
  }
  const TextCounter bytes_only(false, false);
  TextCounter::Summary rest;
  try {
    rest = scanner.scan(input, bytes_only, &rest);
  } catch (const Error&) {
    s.bytes += rest.bytes;  // what was read before the error, as GNU wc prints it
    throw;
  }
  s.bytes += rest.bytes;
  return true;
}

int run_wc(WcArgs& args) {
  // As GNU wc does: LC_ALL, LC_CTYPE or LANG, all categories at once, so that a locale that cannot be
  // loaded in any category leaves both programs in the C locale alike.
  std::setlocale(LC_ALL, "");
  if (!args.lines && !args.words && !args.bytes) args.lines = args.words = args.bytes = true;
  const TextEncoding encoding = args.words ? locale_encoding() : TextEncoding::c;
  const int counts = int{args.lines} + int{args.words} + int{args.bytes};
  const int width = column_width(args, counts);
  ProgressBar progress(!args.scan.quiet, regular_total(args.files));
  Scanner scanner(args.scan.options(progress.counter()));
  const TextCounter counter(args.lines, args.words, encoding);
  LineOutput out;

  int status = 0;
  bool read_stdin = false;
  TextCounter::Summary total;
  auto complain = [&](const std::string& message) {
    fmt::print(stderr, "mapio wc: {}\n", message);
    std::fflush(stderr);
    status = 1;
  };
  auto one = [&](const std::string* name) {
    // GNU wc calls standard input 'standard input' when no file was named, - when - was.
    const std::string shown = name == nullptr ? "standard input" : *name;
    const bool is_stdin = name == nullptr || *name == "-";
    read_stdin = read_stdin || is_stdin;
    TextCounter::Summary s;
    std::optional<Input> input;
    try {
      input.emplace(is_stdin ? Input::standard_input() : Input::open(*name));
    } catch (const Error& e) {
      complain(file_error(shown, e));
      // A file that cannot be opened gets no line; standard input that is not there (closed)
      // gets its line of zeros, as in GNU wc, whose descriptor 0 is "opened" already.
      if (!is_stdin) return;
      print_counts(out, args, width, s, name);
      return;
    }
    try {
      if (input->is_directory()) {
        // GNU wc reports the directory and still prints its (zero) counts.
        complain(fmt::format("{}: {}", quote_file_name(shown), std::strerror(EISDIR)));
      } else if (args.lines || args.words || !count_bytes_by_size(*input, scanner, s)) {
        s = scanner.scan(*input, counter, &s);
      }
    } catch (const Error& e) {
      // Like GNU wc: the error, then the counts of what was read before it. Except for a file
      // that shrank or lost pages during the scan (the scan explains those errors): its count
      // would be a smaller count of a file that changed, and mapio prints none.
      complain(file_error(shown, e));
      if (!e.explanation().empty()) return;
      // GNU wc 9.1 counts lines (alone or with bytes) in a loop of its own that returns nothing
      // when a read fails: it prints 0 lines and 0 bytes, whatever it read before the error.
      if (args.lines && !args.words) s = TextCounter::Summary{};
    }
    // Files are counted apart: a word does not run on from one file into the next.
    total.lines += s.lines;
    total.words.words += s.words.words;
    total.bytes += s.bytes;
    print_counts(out, args, width, s, name);
  };
  try {
    if (args.files.empty()) {
      one(nullptr);
    } else {
      for (const auto& file : args.files) one(&file);
    }
    if (args.files.size() > 1) {
      const std::string name = "total";
      print_counts(out, args, width, total, &name);
    }
    out.flush();
  } catch (const WriteError&) {
    // GNU wc 9.1's words, without the errno's (it learns of the failure when stdout is closed).
    complain("write error");
    return 1;
  }
  // GNU wc closes standard input when it read it, and reports a descriptor 0 that was not open.
  if (read_stdin && ::fcntl(STDIN_FILENO, F_GETFD) < 0) complain(fmt::format("-: {}", std::strerror(errno)));
  return status;
}

// Usage errors exit 1, as GNU wc's do.
Registration wc{"wc",
                "Count lines, words and bytes: GNU wc's output (coreutils 9.1); usage errors exit 1 as GNU "
                "wc's; messages are GNU wc's after the word mapio",
                [](CLI::App& app) {
                  auto args = std::make_shared<WcArgs>();
                  app.add_flag("-l,--lines", args->lines, "Print the newline count");
                  app.add_flag("-w,--words", args->words,
                               "Print the word count, by the word rule of GNU wc 9.1-9.4 (9.5 changed it) in the C "
                               "and UTF-8 locales (POSIXLY_CORRECT: no-break spaces do not separate words)");
                  app.add_flag("-c,--bytes", args->bytes, "Print the byte count");
                  app.add_option("FILE", args->files, "Files to count; - or none is standard input");
                  args->scan.add_to(app);
                  return [args] { return run_wc(*args); };
                },
                1};

}  // namespace
}  // namespace mapio::cli

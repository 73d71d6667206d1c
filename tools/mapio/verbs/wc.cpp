// mapio wc [-lwmcL] [--files0-from=F] [--total=WHEN] [FILE...]: lines, words, characters, bytes and
// the widest line, in GNU wc's format, at the speed of memory. Large files are mapped and counted by
// all CPUs; small files and pipes are read. Words, characters and widths are counted as GNU wc
// counts them in the locale it runs in (LC_ALL, LC_CTYPE, LANG): the C/POSIX locale and UTF-8
// locales; other encodings are refused for -w, -m and -L.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/version.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/locale.hpp"
#include "mapio/scan/scan.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "quote.hpp"
#include "wc_names.hpp"

namespace mapio::cli {
namespace {

struct WcArgs {
  bool lines = false;
  bool words = false;
  bool chars = false;
  bool bytes = false;
  bool max_line = false;
  std::vector<std::string> files;
  std::string files0_from;
  CLI::Option* files0_option = nullptr;
  std::string total = "auto";
  ScanFlags scan;
};

// `name` quoted even where it needs no quotes, as GNU's quoteaf() quotes it: 'missing'.
std::string quote_always(const std::string& name) {
  std::string quoted = quote_file_name(name);
  return quoted == name ? "'" + name + "'" : quoted;
}

// When the total line is printed (--total, coreutils 9.2's option).
enum class TotalMode { automatic, always, only, never };

// GNU's argmatch: a WHEN names the one value it is a prefix of.
std::optional<TotalMode> parse_total(const std::string& when, std::string& complaint) {
  static const std::pair<const char*, TotalMode> values[] = {
      {"auto", TotalMode::automatic}, {"always", TotalMode::always}, {"only", TotalMode::only}, {"never", TotalMode::never}};
  std::optional<TotalMode> found;
  int matches = 0;
  for (const auto& [name, mode] : values) {
    const std::string_view full(name);
    if (full == when) return mode;
    if (!when.empty() && full.starts_with(when)) {
      found = mode;
      ++matches;
    }
  }
  if (matches == 1) return found;
  complaint = fmt::format("{} argument {} for '--total'\nValid arguments are:\n  - 'auto'\n  - 'always'\n  - "
                          "'only'\n  - 'never'",
                          matches > 1 ? "ambiguous" : "invalid", quote_always(when));
  return std::nullopt;
}

// GNU wc's column width: the digits of the total size of the regular files named, at least 7 when
// one of them is not a regular file (its size is unknown); 1 when a single count of a single input
// is printed. Inputs that cannot be stat()ed do not count. No names (standard input) is standard
// input's size when several counts are printed.
int column_width(const std::vector<std::string>& files, int counts) {
  if (files.empty() ? true : (files.size() == 1 && counts == 1)) {
    if (files.empty() && counts > 1) {
      struct stat st {};
      if (::fstat(STDIN_FILENO, &st) != 0) return 1;
      if (!S_ISREG(st.st_mode)) return 7;
      return static_cast<int>(fmt::formatted_size("{}", st.st_size));
    }
    return 1;
  }
  std::uint64_t regular = 0;
  int minimum = 1;
  for (const auto& file : files) {
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

// What one input (or the total) counts to, in print form.
struct Counts {
  std::uint64_t lines = 0;
  std::uint64_t words = 0;
  std::uint64_t chars = 0;
  std::uint64_t bytes = 0;
  std::uint64_t max_line = 0;

  void add(const Counts& c) {
    lines += c.lines;
    words += c.words;
    chars += c.chars;
    bytes += c.bytes;
    max_line = std::max(max_line, c.max_line);
  }
};

// In GNU wc's order: lines, words, characters, bytes, widest line.
void print_counts(LineOutput& out, const WcArgs& args, int width, const Counts& c, const std::string* name) {
  std::string line;
  auto put = [&](std::uint64_t value) {
    if (!line.empty()) line += ' ';
    line += fmt::format("{:>{}}", value, width);
  };
  if (args.lines) put(c.lines);
  if (args.words) put(c.words);
  if (args.chars) put(c.chars);
  if (args.bytes) put(c.bytes);
  if (args.max_line) put(c.max_line);
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
  const bool files0 = args.files0_option != nullptr && args.files0_option->count() > 0;
  auto usage_failure = [](const std::string& message) {
    fmt::print(stderr, "mapio wc: {}\nTry 'mapio wc --help' for more information.\n", message);
    return 1;
  };
  // GNU's usage errors for these: the message, then where to find help; status 1.
  if (files0 && !args.files.empty()) {
    return usage_failure(fmt::format("extra operand {}\nfile operands cannot be combined with --files0-from",
                                     quote_always(args.files.front())));
  }
  std::string complaint;
  const std::optional<TotalMode> total_mode = parse_total(args.total, complaint);
  if (!total_mode) return usage_failure(complaint);

  if (!args.lines && !args.words && !args.chars && !args.bytes && !args.max_line) {
    args.lines = args.words = args.bytes = true;
  }
  const bool by_locale = args.words || args.chars || args.max_line;
  const TextEncoding encoding = by_locale ? locale_encoding() : TextEncoding::c;
  // As GNU wc 9.1 chooses its loop: characters are bytes in a single-byte locale; lines alone (or
  // with bytes) have a loop of their own; bytes alone are taken from the size where it can be.
  const bool decode_chars = args.chars && encoding != TextEncoding::c;
  const bool complicated = args.words || args.max_line || decode_chars;
  const bool bytes_only = (args.bytes || args.chars) && !args.lines && !complicated;
  const bool lines_loop = args.lines && !complicated;

  std::optional<NameList> names;
  std::vector<std::string> known;  // the names known before counting: the column width's
  if (files0) {
    try {
      names.emplace(NameList::open(args.files0_from));
    } catch (const Error& e) {
      fmt::print(stderr, "mapio wc: cannot open {} for reading: {}\n", quote_always(args.files0_from),
                 std::strerror(e.code().value()));
      return 1;
    }
    try {
      if (const auto* all = names->all()) known = *all;
    } catch (const Error&) {
      fmt::print(stderr, "mapio wc: cannot read file names from {}\n", quote_always(args.files0_from));
      return 1;
    }
  } else {
    known = args.files;
  }
  const int counts = int{args.lines} + int{args.words} + int{args.chars} + int{args.bytes} + int{args.max_line};
  // coreutils 9.2: a total alone needs no columns to line up.
  const int width = *total_mode == TotalMode::only         ? 1
                    : files0 && known.empty()              ? 1
                                                           : column_width(known, counts);
  ProgressBar progress(!args.scan.quiet, regular_total(known));
  Scanner scanner(args.scan.options(progress.counter()));
  const TextCounter counter(args.lines, args.words, decode_chars || args.max_line, encoding);
  LineOutput out;

  int status = 0;
  bool read_stdin = false;
  Counts total;
  auto complain = [&](const std::string& message) {
    fmt::print(stderr, "mapio wc: {}\n", message);
    std::fflush(stderr);
    status = 1;
  };
  auto print = [&](const Counts& c, const std::string* name) {
    if (*total_mode != TotalMode::only) print_counts(out, args, width, c, name);
  };
  auto to_counts = [&](const TextCounter::Summary& s) {
    Counts c;
    c.lines = s.lines;
    c.words = s.words.words;
    c.bytes = s.bytes;
    c.chars = decode_chars ? s.characters.characters : s.bytes;
    c.max_line = args.max_line ? CharCounter::max_line_length(s.characters) : 0;
    return c;
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
      print(to_counts(s), name);
      return;
    }
    try {
      if (input->is_directory()) {
        // GNU wc reports the directory and still prints its (zero) counts.
        complain(fmt::format("{}: {}", quote_file_name(shown), std::strerror(EISDIR)));
      } else if (!bytes_only || !count_bytes_by_size(*input, scanner, s)) {
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
      if (lines_loop) s = TextCounter::Summary{};
    }
    // Files are counted apart: a word does not run on from one file into the next.
    const Counts c = to_counts(s);
    total.add(c);
    print(c, name);
  };
  std::uint64_t named = 0;  // names taken, the empty and refused ones included (GNU's argument count)
  // A name that cannot be a file: complained of, not counted.
  auto refused = [&](const std::string& name, std::uint64_t number) {
    if (files0 && args.files0_from == "-" && name == "-") {
      complain(fmt::format("when reading file names from stdin, no file name of {} allowed", quote_always(name)));
      return true;
    }
    if (!name.empty()) return false;
    complain(files0 ? fmt::format("{}:{}: invalid zero-length file name", quote_file_name(args.files0_from), number)
                    : std::string("invalid zero-length file name"));
    return true;
  };
  try {
    if (files0) {
      std::string name;
      while (true) {
        try {
          if (!names->next(name)) break;
        } catch (const Error& e) {
          complain(fmt::format("{}: read error: {}", quote_file_name(args.files0_from), std::strerror(e.code().value())));
          break;
        }
        ++named;
        if (!refused(name, named)) one(&name);
      }
    } else if (args.files.empty()) {
      one(nullptr);
    } else {
      for (const auto& file : args.files) {
        ++named;
        if (!refused(file, named)) one(&file);
      }
    }
    const bool show_total = *total_mode == TotalMode::always || *total_mode == TotalMode::only ||
                            (*total_mode == TotalMode::automatic && named > 1);
    if (show_total) {
      const std::string name = "total";
      print_counts(out, args, width, total, *total_mode == TotalMode::only ? nullptr : &name);
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
Registration wc{
    "wc",
    "Count lines, words, characters, bytes and the widest line: GNU wc's output (coreutils 9.1; --total "
    "follows coreutils 9.2); usage errors exit 1 as GNU wc's; messages are GNU wc's after the word mapio",
    [](CLI::App& app) {
      auto args = std::make_shared<WcArgs>();
      app.add_flag("-l,--lines", args->lines, "Print the newline count");
      app.add_flag("-w,--words", args->words,
                   "Print the word count, by the word rule of GNU wc 9.1-9.4 (9.5 changed it) in the C "
                   "and UTF-8 locales (POSIXLY_CORRECT: no-break spaces do not separate words)");
      app.add_flag("-m,--chars", args->chars,
                   "Print the character count, as GNU wc 9.1: bytes in the C locale; in UTF-8 the characters "
                   "the C library decodes (a byte of an invalid sequence is no character)");
      app.add_flag("-c,--bytes", args->bytes, "Print the byte count");
      app.add_flag("-L,--max-line-length", args->max_line,
                   "Print the maximum display width, as GNU wc 9.1: tabs to the next multiple of 8, "
                   "printable characters by wcwidth(); \\n, \\r and \\f end a line; \\v, control and "
                   "invalid bytes add nothing");
      args->files0_option = app.add_option("--files0-from", args->files0_from,
                                           "Count the files named in F, NUL-separated (- is standard input), "
                                           "as GNU wc 9.1; no FILE operands then")
                                ->type_name("F")
                                ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      app.add_option("--total", args->total,
                     "When to print the total line: auto (more than one input), always, only (the total "
                     "alone, without the word total), never; coreutils 9.2's option (9.1 lacks it)")
          ->type_name("WHEN")
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      app.add_option("FILE", args->files, "Files to count; - or none is standard input");
      args->scan.add_to(app);
      app.set_version_flag("--version", std::string("mapio ") + mapio::version());
      // Printed in the order GNU wc prints the counts, whatever order they were asked in.
      app.footer("Counts are printed in GNU wc's order: lines, words, characters, bytes, maximum line length.");
      return [args] { return run_wc(*args); };
    },
    1};

}  // namespace
}  // namespace mapio::cli

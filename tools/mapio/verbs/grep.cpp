// mapio grep -c PATTERN FILE...: how many lines contain a fixed string — the answer of GNU
// `grep -c -F PATTERN` (GNU grep 3.8, C and UTF-8 locales; a PATTERN of several lines is several
// patterns), with FILE:N prefixes for several files. grep's options keep grep's meanings: -q is
// quiet, -h drops the file names, -H adds them, -s silences messages about files, -e and -f give
// patterns. Exit status as grep's: 0 when some line matched, 1 when none did, 2 after an error
// (a usage error too), even when a line matched, unless -q found a match.
#include <langinfo.h>

#include <clocale>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/scan.hpp"
#include "output.hpp"
#include "progress.hpp"

namespace mapio::cli {
namespace {

struct GrepArgs {
  bool count = false;
  bool fixed = false;
  bool quiet = false;
  bool no_names = false;
  bool with_names = false;
  bool no_messages = false;
  std::vector<std::string> expressions;  // -e
  std::vector<std::string> pattern_files;  // -f
  std::vector<std::string> operands;     // PATTERN (unless -e/-f) and FILE...
  bool no_patterns = false;              // -f of empty files only: nothing can match
  ScanFlags scan;
};

// grep -F in a multibyte locale other than UTF-8 (EUC-JP, Shift-JIS, ...) must not match inside a
// character, which needs the locale's decoder for every candidate: mapio does not do that, and
// says so rather than count differently. Single-byte locales match bytes, as GNU grep -F does.
void check_locale() {
  std::setlocale(LC_ALL, "");
  const std::string_view codeset = nl_langinfo(CODESET);
  if (MB_CUR_MAX == 1 || codeset == "UTF-8") return;
  const char* name = std::setlocale(LC_CTYPE, nullptr);
  throw ArgumentError(fmt::format(
      "locale {} ({}): fixed strings are matched in single-byte and UTF-8 locales only; run with LC_ALL=C or "
      "a UTF-8 locale",
      name != nullptr ? name : "?", codeset));
}

// The patterns, as grep -F takes them: each -e and each line of each -f file, or PATTERN; a
// pattern with newlines is one pattern per line.
std::string collect_patterns(GrepArgs& args) {
  std::vector<std::string> all = args.expressions;
  for (const auto& file : args.pattern_files) {
    std::string text;
    try {
      Input input = Input::open(file);
      std::string chunk(std::size_t{64} << 10, '\0');
      for (;;) {
        const ssize_t n = sys::read(input.descriptor(), std::as_writable_bytes(std::span(chunk.data(), chunk.size())));
        if (n < 0) throw_errno("read", file);
        if (n == 0) break;
        text.append(chunk.data(), static_cast<std::size_t>(n));
      }
    } catch (const Error& e) {
      throw ArgumentError(fmt::format("{}: {}", file, std::strerror(e.code().value())));
    }
    // A file of no lines is no pattern (grep -f /dev/null matches nothing); a final newline ends
    // the last line rather than starting an empty one.
    if (text.empty()) continue;
    if (text.back() == '\n') text.pop_back();
    all.push_back(text);
  }
  if (args.expressions.empty() && args.pattern_files.empty()) {
    if (args.operands.empty()) throw ArgumentError("missing PATTERN (usage: mapio grep [OPTIONS] PATTERN [FILE...])");
    all.push_back(args.operands.front());
    args.operands.erase(args.operands.begin());
  }
  if (all.empty()) {
    // Only empty -f files: no pattern at all, which matches no line (grep -f /dev/null).
    args.no_patterns = true;
    return {};
  }
  std::string joined;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) joined += '\n';
    joined += all[i];
  }
  return joined;
}

// Lines holding any of several fixed strings of any length, counted one buffer at a time: the
// part of a line that a buffer cuts off is carried into the next. For patterns too long for
// LineMatcher's summaries (which let threads count apart), which need a single pass anyway.
class LongPatternCounter {
 public:
  explicit LongPatternCounter(const std::string& joined) {
    std::size_t from = 0;
    for (;;) {
      const auto end = joined.find('\n', from);
      patterns_.push_back(joined.substr(from, end == std::string::npos ? std::string::npos : end - from));
      if (end == std::string::npos) break;
      from = end + 1;
    }
  }

  std::uint64_t count(Input& input) const {
    std::string buffer(std::size_t{1} << 20, '\0');
    std::size_t held = 0;  // bytes of an unfinished line at the front of buffer
    std::uint64_t matched = 0;
    for (;;) {
      if (held == buffer.size()) buffer.resize(buffer.size() * 2);  // one line longer than the buffer
      const ssize_t n =
          sys::read(input.descriptor(), std::as_writable_bytes(std::span(buffer.data() + held, buffer.size() - held)));
      if (n < 0) throw_errno("read", input.name());
      const std::size_t have = held + static_cast<std::size_t>(n);
      const std::string_view data(buffer.data(), have);
      std::size_t start = 0;
      for (std::size_t i = 0; i < have; ++i) {
        if (data[i] != '\n' && data[i] != '\0') continue;
        matched += matches(data.substr(start, i - start)) ? 1 : 0;
        start = i + 1;
      }
      if (n == 0) {
        if (start < have) matched += matches(data.substr(start)) ? 1 : 0;
        return matched;
      }
      held = have - start;
      std::memmove(buffer.data(), buffer.data() + start, held);
    }
  }

 private:
  bool matches(std::string_view line) const {
    for (const auto& p : patterns_) {
      if (line.find(p) != std::string_view::npos) return true;
    }
    return false;
  }
  std::vector<std::string> patterns_;
};

int run_grep(GrepArgs& args) {
  if (!args.count && !args.quiet) {
    // A usage error, status 2 as in grep: status 1 would say "no line matched".
    throw ArgumentError("only counting is supported: use -c (grep -c -F semantics) or -q");
  }
  check_locale();
  const std::string patterns = collect_patterns(args);
  // No pattern at all (only empty -f files): GNU grep knows no line can match and reads no file.
  if (args.no_patterns) return 1;
  // Patterns LineMatcher takes are counted piecewise (in parallel on large files); longer ones
  // line by line. A NUL in a pattern is refused, as before.
  if (patterns.find('\0') != std::string::npos) throw ArgumentError("bad PATTERN: it holds a NUL byte");
  std::size_t longest = 0;
  for (std::size_t from = 0;;) {
    const auto end = patterns.find('\n', from);
    longest = std::max(longest, (end == std::string::npos ? patterns.size() : end) - from);
    if (end == std::string::npos) break;
    from = end + 1;
  }
  const bool long_patterns = longest > LineMatcher::max_pattern;
  std::unique_ptr<LineMatcher> matcher;
  if (!long_patterns) {
    try {
      matcher = std::make_unique<LineMatcher>(as_bytes(patterns));
    } catch (const Error& e) {
      throw ArgumentError(fmt::format("bad PATTERN: {}", e.explanation()));
    }
  }
  const LongPatternCounter long_counter(long_patterns ? patterns : std::string{});

  std::vector<std::string>& files = args.operands;
  ProgressBar progress(!args.scan.quiet, regular_total(files));
  Scanner scanner(args.scan.options(progress.counter()));
  if (files.empty()) files.push_back("-");
  const bool prefix = args.with_names || (files.size() > 1 && !args.no_names);
  bool matched = false;
  bool failed = false;
  LineOutput out;
  auto report = [&](const std::string& file, std::uint64_t n) {
    matched = matched || n > 0;
    if (args.quiet) return;
    const std::string shown = file == "-" ? "(standard input)" : file;
    out.line(prefix ? fmt::format("{}:{}", shown, n) : fmt::format("{}", n));
  };
  try {
    for (const auto& file : files) {
      // GNU grep names files as given, unquoted, in its messages.
      const std::string shown = file == "-" ? "(standard input)" : file;
      bool opened = false;
      LineMatcher::Summary so_far;
      try {
        Input input = Input::open(file);
        opened = true;
        if (input.is_directory()) {
          // GNU grep reports the directory and counts it as zero lines.
          if (!args.no_messages) fmt::print(stderr, "mapio grep: {}: {}\n", shown, std::strerror(EISDIR));
          failed = true;
          report(file, 0);
          continue;
        }
        report(file, long_patterns ? long_counter.count(input) : scanner.scan(input, *matcher, &so_far).matched);
      } catch (const Error& e) {
        if (!args.no_messages) {
          std::string text = fmt::format("mapio grep: {}: {}", shown, std::strerror(e.code().value()));
          if (!e.explanation().empty()) text += ": " + e.explanation();
          fmt::print(stderr, "{}\n", text);
        }
        failed = true;
        // A file that opened and then failed to read still gets its count, as in GNU grep: of
        // the lines read before the error.
        // (Not for a file that shrank or lost pages during the scan, which the scan explains:
        // that count would be of a file that changed.)
        if (opened && args.count && e.explanation().empty()) report(file, so_far.matched);
      }
      if (args.quiet && matched) return 0;  // grep -q: a match is all it takes, errors or not
    }
    out.flush();
  } catch (const WriteError& e) {
    // GNU grep's words.
    fmt::print(stderr, "mapio grep: write error{}\n", e.errno_value() != 0 ? fmt::format(": {}", std::strerror(e.errno_value())) : "");
    return 2;
  }
  return failed ? 2 : (matched ? 0 : 1);
}

Registration grep{"grep",
                  "Count lines containing fixed strings: GNU grep -c -F's answer (grep 3.8), grep's options and "
                  "exit statuses; messages are GNU grep's after the word mapio",
                  [](CLI::App& app) {
                    auto args = std::make_shared<GrepArgs>();
                    app.set_help_flag("--help", "Print this help message and exit");  // -h is grep's
                    app.add_flag("-c,--count", args->count, "Print the number of matching lines");
                    app.add_flag("-F,--fixed-strings", args->fixed, "The patterns are fixed strings (always so)");
                    app.add_flag("-q,--quiet,--silent", args->quiet,
                                 "Print nothing; exit 0 at the first match, as grep -q");
                    app.add_flag("-h,--no-filename", args->no_names, "Never prefix counts with file names");
                    app.add_flag("-H,--with-filename", args->with_names, "Always prefix counts with file names");
                    app.add_flag("-s,--no-messages", args->no_messages, "No messages about unreadable files");
                    app.add_option("-e,--regexp", args->expressions, "A pattern (repeatable); PATTERN is then a FILE")
                        ->allow_extra_args(false);
                    app.add_option("-f,--file", args->pattern_files, "Patterns from FILE, one per line")
                        ->allow_extra_args(false);
                    app.add_option("PATTERN/FILE", args->operands,
                                   "PATTERN (several, one per line, as grep -F takes them) unless -e or -f gives "
                                   "them; then the files (- or none is standard input)");
                    args->scan.add_to(app, false);
                    return [args] { return run_grep(*args); };
                  }};

}  // namespace
}  // namespace mapio::cli

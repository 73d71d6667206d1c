// mapio grep PATTERN FILE...: lines holding fixed strings, printed as GNU grep -F (3.8) prints
// them in the C and UTF-8 locales — FILE: prefixes with several files, -n, -o, -v, -i, -w, -x,
// -c, -l, -L, -q, -s, -H, -h, -m, -e, -f, -r, --color, -a and GNU's binary files. grep's options
// keep grep's meanings. Exit status as grep's: 0 when some line was selected, 1 when none was, 2
// after an error (a usage error too), even when a line was selected, unless -q found one.
// -E, -G and -P are refused: mapio greps fixed strings.
#include <dirent.h>
#include <langinfo.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <algorithm>
#include <atomic>
#include <clocale>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "grep_matcher.hpp"
#include "grep_search.hpp"
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
  bool invert = false;
  bool ignore_case = false;
  bool words = false;
  bool lines = false;
  bool only_matching = false;
  bool line_numbers = false;
  bool list_matching = false;
  bool list_other = false;
  bool recursive = false;
  bool dereference = false;
  bool text = false;
  bool extended = false, basic = false, perl = false;
  std::string color = "never";
  std::optional<std::int64_t> max_count;
  std::vector<std::string> expressions;    // -e
  std::vector<std::string> pattern_files;  // -f
  std::vector<std::string> operands;       // PATTERN (unless -e/-f) and FILE...
  ScanFlags scan;
};

// grep -F in a multibyte locale other than UTF-8 (EUC-JP, Shift-JIS, ...) must not match inside a
// character, which needs the locale's decoder for every candidate: mapio does not do that, and
// says so rather than match differently. Single-byte locales match bytes, as GNU grep -F does.
// Returns whether the locale is UTF-8.
bool check_locale() {
  std::setlocale(LC_ALL, "");
  const std::string_view codeset = nl_langinfo(CODESET);
  if (codeset == "UTF-8") return true;
  if (MB_CUR_MAX == 1) return false;
  const char* name = std::setlocale(LC_CTYPE, nullptr);
  throw ArgumentError(fmt::format(
      "locale {} ({}): fixed strings are matched in single-byte and UTF-8 locales only; run with LC_ALL=C or "
      "a UTF-8 locale",
      name != nullptr ? name : "?", codeset));
}

// The patterns, as grep -F takes them: each -e and each line of each -f file, or PATTERN; a
// pattern with newlines is one pattern per line.
std::vector<std::string> collect_patterns(GrepArgs& args) {
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
  std::vector<std::string> patterns;
  for (const auto& joined : all) {
    std::size_t from = 0;
    for (;;) {
      const auto end = joined.find('\n', from);
      patterns.push_back(joined.substr(from, end == std::string::npos ? std::string::npos : end - from));
      if (end == std::string::npos) break;
      from = end + 1;
    }
  }
  // A NUL in a pattern is refused, as before.
  for (const auto& p : patterns) {
    if (p.find('\0') != std::string::npos) throw ArgumentError("bad PATTERN: it holds a NUL byte");
  }
  return patterns;
}

// Standard output in blocks of whole lines: one write(2) per block, never a line cut between two.
class StdoutSink : public LineSink {
 public:
  static constexpr std::size_t block = std::size_t{128} << 10;
  void line_done() override {
    if (text.size() >= block) flush();
  }
  void flush() {
    if (text.empty()) return;
    const auto put = sys::write_exact(STDOUT_FILENO, std::as_bytes(std::span(text.data(), text.size())));
    const bool short_write = put.done < text.size();
    text.clear();
    if (short_write) throw WriteError(put.error);
  }
};

// A file another thread searches: its lines wait here for their turn.
class HeldSink : public LineSink {
 public:
  void line_done() override {}
  std::string messages;  // for standard error, after the lines
};

// What grep -r walks into: the files of a directory tree, in the order GNU grep (fts, unsorted)
// visits them — each directory's entries in the order readdir(3) gives them, except that fts
// sorts a directory of more than 10,000 entries by inode number (on file systems other than
// tmpfs and NFS), and subdirectories entered where they stand among their siblings.
struct WalkEntry {
  std::string path;
  std::string error;  // a directory that could not be read: its message
};

void walk(const std::string& dir, bool follow_links, std::vector<WalkEntry>& out) {
  DIR* d = opendir(dir.empty() ? "." : dir.c_str());  // "": the implicit . of grep -r, shown without "./"
  if (d == nullptr) {
    out.push_back({dir, std::strerror(errno)});
    return;
  }
  struct Item {
    std::string name;
    ino_t inode;
    unsigned char type;
  };
  std::vector<Item> items;
  while (const dirent* e = readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    items.push_back({std::string(name), e->d_ino, e->d_type});
  }
  if (items.size() > 10000) {
    struct statfs fs {};
    constexpr long tmpfs_magic = 0x01021994, nfs_magic = 0x6969;
    if (fstatfs(dirfd(d), &fs) == 0 && fs.f_type != tmpfs_magic && fs.f_type != nfs_magic) {
      std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.inode < b.inode; });
    }
  }
  closedir(d);
  const std::string prefix = dir.empty() ? std::string{} : (dir.back() == '/' ? dir : dir + "/");
  for (const auto& item : items) {
    const std::string path = prefix + item.name;
    unsigned char type = item.type;
    if (type == DT_UNKNOWN || (type == DT_LNK && follow_links)) {
      struct stat st {};
      const int r = follow_links ? stat(path.c_str(), &st) : lstat(path.c_str(), &st);
      if (r != 0) {
        out.push_back({path, std::strerror(errno)});
        continue;
      }
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      walk(path, follow_links, out);
    } else if (type == DT_REG) {
      out.push_back({path, {}});
    }
    // Symbolic links (without -R), devices, FIFOs and sockets met on the way are passed over, as
    // GNU grep passes them over by default.
  }
}

class Grep {
 public:
  Grep(GrepArgs& args, bool utf8, std::vector<std::string> patterns)
      : args_(args),
        matcher_(std::move(patterns), MatchRules{args.ignore_case, args.words, args.lines, utf8}) {
    settings_.invert = args.invert;
    settings_.only_matching = args.only_matching;
    settings_.line_numbers = args.line_numbers;
    settings_.count = args.count;
    settings_.quiet = args.quiet || args.list_matching || args.list_other;
    settings_.text = args.text;
    settings_.utf8 = utf8;
    settings_.map_large = args.scan.method != "read";
    if (args.max_count) settings_.max_count = *args.max_count < 0 ? UINT64_MAX : static_cast<std::uint64_t>(*args.max_count);
    const std::string& c = args.color;
    settings_.color = c == "always" || c == "yes" || c == "force" ||
                      ((c == "auto" || c == "tty" || c == "if-tty" || c.empty()) && isatty(STDOUT_FILENO) == 1 &&
                       std::getenv("TERM") != nullptr && std::string_view(std::getenv("TERM")) != "dumb");
  }

  int run() {
    std::vector<std::string>& files = args_.operands;
    bool implicit_dot = false;
    if (files.empty()) {
      files.push_back(args_.recursive ? "." : "-");
      implicit_dot = args_.recursive;
    }
    // Which files to search, in order; a directory given with -r becomes its files.
    std::vector<WalkEntry> todo;
    bool walked = false;
    for (const auto& file : files) {
      if (args_.recursive && file != "-") {
        struct stat st {};
        if (stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
          walked = true;
          std::vector<WalkEntry> inside;
          walk(implicit_dot ? std::string{} : file, args_.dereference, inside);
          if (implicit_dot) {
            // `grep -r PATTERN` searches "." and shows names without the "./".
            for (auto& e : inside) {
              if (e.path.empty()) e.path = ".";
            }
          }
          for (auto& e : inside) todo.push_back(std::move(e));
          continue;
        }
      }
      todo.push_back({file, {}});
    }
    settings_.with_name = args_.with_names || (!args_.no_names && (files.size() > 1 || walked));

    // Threads only for the files of a walked tree (typically many small ones): a file searched
    // ahead of its turn keeps its output in memory until then.
    const bool parallel = walked && todo.size() > 1 && !args_.quiet && hardware_threads() > 1;
    if (parallel) return run_parallel(todo);
    FileSearch search(settings_, matcher_);
    try {
      for (const auto& entry : todo) {
        one_file(search, entry, out_);
        if (args_.quiet && matched_) return 0;  // grep -q: a match is all it takes, errors or not
      }
      out_.flush();
    } catch (const WriteError& e) {
      return write_failed(e);
    }
    return status();
  }

 private:
  static unsigned hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

  int status() const { return failed_ ? 2 : (matched_ ? 0 : 1); }

  static int write_failed(const WriteError& e) {
    // GNU grep's words.
    fmt::print(stderr, "mapio grep: write error{}\n",
               e.errno_value() != 0 ? fmt::format(": {}", std::strerror(e.errno_value())) : "");
    return 2;
  }

  // A message about a file (unless -s), as GNU grep words it: the name as given, unquoted.
  void complain(LineSink& messages, const std::string& shown, const std::string& what) {
    failed_ = true;
    if (args_.no_messages) return;
    messages_to(messages, fmt::format("mapio grep: {}: {}\n", shown, what));
  }
  // Messages go to standard error in the order of the files: at once when searching in order,
  // with the file's output when another thread searched it.
  void messages_to(LineSink& sink, const std::string& text) {
    if (&sink == static_cast<LineSink*>(&out_)) {
      out_.flush();
      fmt::print(stderr, "{}", text);
    } else {
      static_cast<HeldSink&>(sink).messages += text;  // printed when the file's turn comes
    }
  }

  // Searches one file and prints what GNU grep prints for it (its lines went to `out` already).
  void one_file(FileSearch& search, const WalkEntry& entry, LineSink& out) {
    const std::string& file = entry.path;
    const std::string shown = file == "-" ? "(standard input)" : file;
    if (!entry.error.empty()) {
      complain(out, shown, entry.error);
      return;
    }
    SearchResult result;
    bool listable = true;  // a file that failed still gets its count and -L line, as in GNU grep
    try {
      Input input = Input::open(file);
      if (input.is_directory()) {
        complain(out, shown, std::strerror(EISDIR));
      } else {
        SearchResult so_far;
        try {
          result = search.run(input, shown, out, &so_far);
        } catch (const Error& e) {
          result = so_far;
          std::string text = std::strerror(e.code().value());
          if (!e.explanation().empty()) text += ": " + e.explanation();
          complain(out, shown, text);
        }
      }
    } catch (const Error& e) {
      complain(out, shown, std::strerror(e.code().value()));
      listable = false;
    }
    report(out, shown, result, listable);
  }

  void report(LineSink& out, const std::string& shown, const SearchResult& result, bool listable) {
    const bool selected = result.selected > 0;
    std::string& o = out.text;
    // The status says whether a line was selected, -L or not (GNU grep 3.5 on).
    if (selected) matched_ = true;
    if (args_.list_other) {
      if (listable && !selected) {
        name(o, shown);
        o += '\n';
        out.line_done();
      }
      return;
    }
    if (args_.quiet) return;
    if (args_.list_matching) {
      if (selected) {
        name(o, shown);
        o += '\n';
        out.line_done();
      }
      return;
    }
    if (args_.count) {
      if (!listable) return;
      if (settings_.with_name) {
        name(o, shown);
        separator(o);
      }
      o += fmt::format("{}\n", result.selected);
      out.line_done();
      return;
    }
    if (result.binary_matched) messages_to(out, fmt::format("mapio grep: {}: binary file matches\n", shown));
  }

  void name(std::string& o, const std::string& shown) const {
    if (settings_.color) {
      o.append("\33[35m\33[K").append(shown).append("\33[m\33[K");
    } else {
      o.append(shown);
    }
  }
  void separator(std::string& o) const { o.append(settings_.color ? "\33[36m\33[K:\33[m\33[K" : ":"); }

  // Many files: threads search them, each file's output kept until the files before it are out,
  // so that what is printed is what one thread prints. The calling thread is one of the searchers,
  // and whichever thread finishes a file prints every file that is ready in order: no thread only
  // waits to print, and no thread is woken once per file (with a printer of its own, three
  // threads shared two cores and each file cost two futex calls).
  int run_parallel(const std::vector<WalkEntry>& todo) {
    const std::size_t n = todo.size();
    std::vector<std::unique_ptr<HeldSink>> sinks(n);
    std::unique_ptr<std::atomic<bool>[]> done(new std::atomic<bool>[n]);
    for (std::size_t i = 0; i < n; ++i) {
      sinks[i] = std::make_unique<HeldSink>();
      done[i].store(false, std::memory_order_relaxed);
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex printing;      // held by the thread printing; guards out_, printed and result
    std::size_t printed = 0;  // the files before this one are out
    int result = -1;
    // With `printing` held: everything ready, in order; a write error stops every thread.
    auto print_ready = [&] {
      try {
        while (printed < n && result < 0 && done[printed].load(std::memory_order_acquire)) {
          auto& sink = *sinks[printed];
          out_.text.append(sink.text);
          if (!sink.messages.empty()) {
            out_.flush();
            fmt::print(stderr, "{}", sink.messages);
          } else if (out_.text.size() >= StdoutSink::block) {
            out_.flush();
          }
          sinks[printed].reset();
          ++printed;
        }
      } catch (const WriteError& e) {
        result = write_failed(e);
        stop = true;
      }
    };
    auto search_files = [&] {
      FileSearch search(settings_, matcher_);
      for (;;) {
        const std::size_t i = next.fetch_add(1);
        if (i >= n || stop.load()) return;
        one_file(search, todo[i], *sinks[i]);
        done[i].store(true, std::memory_order_release);
        // Another thread printing now will take this file too if its turn has come; if not, the
        // file before it is still being searched, and its thread prints this one after it.
        if (printing.try_lock()) {
          print_ready();
          printing.unlock();
        }
      }
    };
    const std::size_t count = std::min<std::size_t>(hardware_threads(), n);
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < count; ++t) helpers.emplace_back(search_files);
    search_files();
    for (auto& t : helpers) t.join();
    // A file finished while another thread held the lock may still be waiting: print the rest.
    print_ready();
    if (result < 0) {
      try {
        out_.flush();
      } catch (const WriteError& e) {
        result = write_failed(e);
      }
    }
    return result >= 0 ? result : status();
  }

  GrepArgs& args_;
  GrepMatcher matcher_;
  SearchSettings settings_;
  StdoutSink out_;
  std::atomic<bool> matched_{false};  // set by the threads of run_parallel too
  std::atomic<bool> failed_{false};
};

// Lines holding any of several fixed strings of any length, counted one buffer at a time, for
// grep -c: the counting engine (mapio::Scanner with LineMatcher, threads over large files) when
// nothing but counting is asked for.
bool counts_alone(const GrepArgs& args, const std::vector<std::string>& patterns) {
  if (!args.count || args.quiet || args.list_matching || args.list_other || args.invert || args.ignore_case ||
      args.words || args.lines || args.max_count || args.text || args.recursive ||
      (args.color != "never" && args.color != "no" && args.color != "none")) {
    return false;
  }
  for (const auto& p : patterns) {
    if (p.size() > LineMatcher::max_pattern) return false;
  }
  return true;
}

int count_lines_alone(GrepArgs& args, const std::vector<std::string>& patterns) {
  std::string joined;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (i > 0) joined += '\n';
    joined += patterns[i];
  }
  std::unique_ptr<LineMatcher> matcher;
  try {
    matcher = std::make_unique<LineMatcher>(as_bytes(joined));
  } catch (const Error& e) {
    throw ArgumentError(fmt::format("bad PATTERN: {}", e.explanation()));
  }
  std::vector<std::string>& files = args.operands;
  ProgressBar progress(!args.scan.quiet, regular_total(files));
  Scanner scanner(args.scan.options(progress.counter()));
  if (files.empty()) files.push_back("-");
  const bool prefix = args.with_names || (files.size() > 1 && !args.no_names);
  bool matched = false;
  bool failed = false;
  LineOutput out;
  auto report = [&](const std::string& shown, std::uint64_t n) {
    matched = matched || n > 0;
    out.line(prefix ? fmt::format("{}:{}", shown, n) : fmt::format("{}", n));
  };
  try {
    for (const auto& file : files) {
      const std::string shown = file == "-" ? "(standard input)" : file;
      bool opened = false;
      LineMatcher::Summary so_far;
      try {
        Input input = Input::open(file);
        opened = true;
        if (input.is_directory()) {
          if (!args.no_messages) fmt::print(stderr, "mapio grep: {}: {}\n", shown, std::strerror(EISDIR));
          failed = true;
          report(shown, 0);
          continue;
        }
        report(shown, scanner.scan(input, *matcher, &so_far).matched);
      } catch (const Error& e) {
        if (!args.no_messages) {
          std::string text = fmt::format("mapio grep: {}: {}", shown, std::strerror(e.code().value()));
          if (!e.explanation().empty()) text += ": " + e.explanation();
          fmt::print(stderr, "{}\n", text);
        }
        failed = true;
        // A file that opened and then failed to read still gets its count, as in GNU grep: of
        // the lines read before the error (not for a file that shrank or lost pages during the
        // scan, which the scan explains: that count would be of a file that changed).
        if (opened && e.explanation().empty()) report(shown, so_far.matched);
      }
    }
    out.flush();
  } catch (const WriteError& e) {
    fmt::print(stderr, "mapio grep: write error{}\n",
               e.errno_value() != 0 ? fmt::format(": {}", std::strerror(e.errno_value())) : "");
    return 2;
  }
  return failed ? 2 : (matched ? 0 : 1);
}

int run_grep(GrepArgs& args) {
  if (args.extended || args.basic || args.perl) {
    throw ArgumentError(fmt::format("{}: mapio greps fixed strings only (as grep -F); regular expressions are "
                                    "not supported",
                                    args.extended ? "-E" : args.basic ? "-G" : "-P"));
  }
  const bool utf8 = check_locale();
  std::vector<std::string> patterns = collect_patterns(args);
  if (patterns.empty()) {
    // No pattern at all (only empty -f files) is, as in GNU grep, the empty pattern inverted: no
    // line is selected, or every line with -v.
    patterns.emplace_back();
    args.invert = !args.invert;
    args.words = args.lines = false;
  }
  // Where GNU grep sees that no line can be selected (-m 0, or the one empty pattern inverted), it
  // reads no file and exits 1; -L still names every file it can open.
  const bool hopeless = (args.max_count && *args.max_count == 0) ||
                        (patterns.size() == 1 && patterns[0].empty() && args.invert && !args.lines && !args.words);
  if (hopeless) {
    if (!args.list_other) return 1;
    args.max_count = 0;
  }
  if (counts_alone(args, patterns)) return count_lines_alone(args, patterns);
  Grep grep(args, utf8, std::move(patterns));
  return grep.run();
}

Registration grep{
    "grep",
    "Print lines holding fixed strings, as GNU grep -F 3.8 prints them (C and UTF-8 locales): grep's options, "
    "output and exit statuses; messages are GNU grep's after the word mapio",
    [](CLI::App& app) {
      auto args = std::make_shared<GrepArgs>();
      app.set_help_flag("--help", "Print this help message and exit");  // -h is grep's
      app.add_flag("-F,--fixed-strings", args->fixed, "The patterns are fixed strings (always so)");
      app.add_flag("-E,--extended-regexp", args->extended, "Refused: mapio greps fixed strings only (exit 2)");
      app.add_flag("-G,--basic-regexp", args->basic, "Refused: mapio greps fixed strings only (exit 2)");
      app.add_flag("-P,--perl-regexp", args->perl, "Refused: mapio greps fixed strings only (exit 2)");
      app.add_option("-e,--regexp", args->expressions, "A pattern (repeatable); PATTERN is then a FILE")
          ->allow_extra_args(false);
      app.add_option("-f,--file", args->pattern_files, "Patterns from FILE, one per line")->allow_extra_args(false);
      app.add_flag("-i,-y,--ignore-case", args->ignore_case,
                   "Ignore case: ASCII letters in the C locale; in a UTF-8 locale characters with the same "
                   "towupper() (as GNU grep folds them with glibc)");
      app.add_flag("-w,--word-regexp", args->words,
                   "Match only whole words: no letter, digit or _ of the locale just before or after");
      app.add_flag("-x,--line-regexp", args->lines, "Match only whole lines");
      app.add_flag("-v,--invert-match", args->invert, "Select the lines that do not match");
      app.add_flag("-c,--count", args->count, "Print the number of selected lines per file");
      app.add_option("--color,--colour", args->color,
                     "never, always or auto (a terminal, TERM not dumb): GNU grep's default GREP_COLORS "
                     "(GREP_COLORS and GREP_COLOR are not read)")
          ->expected(0, 1)
          ->check(CLI::IsMember({"never", "always", "auto", "yes", "no", "force", "none", "tty", "if-tty", ""}));
      app.add_flag("-L,--files-without-match", args->list_other, "Print only the names of files with no selected line");
      app.add_flag("-l,--files-with-matches", args->list_matching, "Print only the names of files with selected lines");
      app.add_option("-m,--max-count", args->max_count, "Stop reading a file after NUM selected lines");
      app.add_flag("-o,--only-matching", args->only_matching, "Print only the matches, one per line");
      app.add_flag("-q,--quiet,--silent", args->quiet, "Print nothing; exit 0 at the first match, as grep -q");
      app.add_flag("-s,--no-messages", args->no_messages, "No messages about unreadable files");
      app.add_flag("-a,--text", args->text,
                   "Search binary files as text. Without -a, as GNU grep 3.8: a file with a NUL byte prints no "
                   "lines from the 96 KiB read holding it on, and 'binary file matches' on stderr if one matched; "
                   "in UTF-8 a selected line that is not UTF-8 is left out, with the same message");
      app.add_flag("-H,--with-filename", args->with_names, "Always prefix lines with file names");
      app.add_flag("-h,--no-filename", args->no_names, "Never prefix lines with file names");
      app.add_flag("-n,--line-number", args->line_numbers, "Prefix lines with their line numbers");
      app.add_flag("-r,--recursive", args->recursive,
                   "Search directories' files, in the order GNU grep -r visits them (symbolic links met on the "
                   "way are passed over)");
      app.add_flag("-R,--dereference-recursive", args->dereference, "As -r, following symbolic links");
      app.add_option("PATTERN/FILE", args->operands,
                     "PATTERN (several, one per line, as grep -F takes them) unless -e or -f gives "
                     "them; then the files (- or none is standard input; none with -r is .)");
      args->scan.add_to(app, false);
      return [args] {
        if (args->dereference) args->recursive = true;
        if (args->color == "no" || args->color == "none") args->color = "never";
        return run_grep(*args);
      };
    }};

}  // namespace
}  // namespace mapio::cli

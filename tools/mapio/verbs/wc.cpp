// mapio wc [-l] [-w] [-c] [FILE...]: lines, words and bytes, in GNU wc's format, at the speed of
// memory. Large files are mapped and counted by all CPUs; small files and pipes are read. Words are
// counted as GNU wc counts them in the locale it runs in (LC_ALL, LC_CTYPE, LANG): the C/POSIX
// locale and UTF-8 locales; other encodings are refused for -w.
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/locale.hpp"
#include "mapio/scan/scan.hpp"
#include "progress.hpp"

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

void print_counts(const WcArgs& args, int width, const TextCounter::Summary& s, const std::string* name) {
  std::string line;
  auto put = [&](std::uint64_t value) {
    if (!line.empty()) line += ' ';
    line += fmt::format("{:>{}}", value, width);
  };
  if (args.lines) put(s.lines);
  if (args.words) put(s.words.words);
  if (args.bytes) put(s.bytes);
  if (name != nullptr) line += " " + *name;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
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

  int status = 0;
  TextCounter::Summary total;
  auto one = [&](const std::string* name) {
    TextCounter::Summary s;
    try {
      Input input = name == nullptr ? Input::standard_input() : Input::open(*name);
      if (input.is_directory()) {
        // GNU wc reports the directory and still prints its (zero) counts.
        fmt::print(stderr, "mapio wc: {}: Is a directory\n", input.name());
        status = 1;
      } else if (!args.lines && !args.words && input.is_regular() && input.size() > 0) {
        // Bytes only: the size says it (from the current offset), as GNU wc does.
        const off_t here = ::lseek(input.descriptor(), 0, SEEK_CUR);
        s.bytes = input.size() - std::min<std::uint64_t>(input.size(), here > 0 ? static_cast<std::uint64_t>(here) : 0);
      } else {
        s = scanner.scan(input, counter);
      }
    } catch (const Error& e) {
      std::fflush(stdout);
      fmt::print(stderr, "mapio wc: {}\n", e.what());
      status = 1;
      return;  // like GNU wc: no counts for an input that could not be read through
    }
    // Files are counted apart: a word does not run on from one file into the next.
    total.lines += s.lines;
    total.words.words += s.words.words;
    total.bytes += s.bytes;
    print_counts(args, width, s, name);
  };
  if (args.files.empty()) {
    one(nullptr);
  } else {
    for (const auto& file : args.files) one(&file);
  }
  if (args.files.size() > 1) {
    const std::string name = "total";
    print_counts(args, width, total, &name);
  }
  std::fflush(stdout);
  return status;
}

Registration wc{"wc", "Count lines, words and bytes (GNU wc's output)", [](CLI::App& app) {
                  auto args = std::make_shared<WcArgs>();
                  app.add_flag("-l,--lines", args->lines, "Print the newline count");
                  app.add_flag("-w,--words", args->words, "Print the word count (as GNU wc counts words in the C and UTF-8 locales)");
                  app.add_flag("-c,--bytes", args->bytes, "Print the byte count");
                  app.add_option("FILE", args->files, "Files to count; - or none is standard input");
                  args->scan.add_to(app);
                  return [args] { return run_wc(*args); };
                }};

}  // namespace
}  // namespace mapio::cli

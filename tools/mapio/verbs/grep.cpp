// mapio grep -c PATTERN FILE...: how many lines contain a fixed string — the answer of
// `grep -c -F PATTERN` (GNU grep, C locale; a PATTERN of several lines is several patterns), with
// FILE:N prefixes for several files. Exit status as
// grep's: 0 when some line matched, 1 when none did, 2 after an error.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/scan.hpp"
#include "progress.hpp"

namespace mapio::cli {
namespace {

struct GrepArgs {
  bool count = false;
  bool fixed = false;
  std::string pattern;
  std::vector<std::string> files;
  ScanFlags scan;
};

int run_grep(GrepArgs& args) {
  if (!args.count) {
    // A usage error, status 2 as in grep: status 1 would say "no line matched".
    throw ArgumentError("only counting is supported: use -c (grep -c -F semantics)");
  }
  // A pattern grep could not take (too long, a NUL) is a usage error: status 2, as every grep error.
  const LineMatcher matcher = [&] {
    try {
      return LineMatcher(as_bytes(args.pattern));
    } catch (const Error& e) {
      throw ArgumentError(fmt::format("bad PATTERN: {}", e.explanation()));
    }
  }();
  ProgressBar progress(!args.scan.quiet, regular_total(args.files));
  Scanner scanner(args.scan.options(progress.counter()));
  if (args.files.empty()) args.files.push_back("-");
  const bool prefix = args.files.size() > 1;
  bool matched = false;
  bool failed = false;
  for (const auto& file : args.files) {
    const std::string shown = file == "-" ? "(standard input)" : file;
    try {
      Input input = Input::open(file);
      if (input.is_directory()) {
        // GNU grep reports the directory and counts it as zero lines.
        fmt::print(stderr, "mapio grep: {}: Is a directory\n", file);
        failed = true;
        if (prefix) fmt::print("{}:0\n", shown);
        else fmt::print("0\n");
        continue;
      }
      const auto n = scanner.scan(input, matcher).matched;
      matched = matched || n > 0;
      if (prefix) fmt::print("{}:{}\n", shown, n);
      else fmt::print("{}\n", n);
    } catch (const Error& e) {
      std::fflush(stdout);
      fmt::print(stderr, "mapio grep: {}\n", e.what());
      failed = true;
    }
    std::fflush(stdout);
  }
  return failed ? 2 : (matched ? 0 : 1);
}

Registration grep{"grep", "Count lines containing a fixed string (grep -c -F)", [](CLI::App& app) {
                    auto args = std::make_shared<GrepArgs>();
                    app.add_flag("-c,--count", args->count, "Print the number of matching lines (required)");
                    app.add_flag("-F,--fixed-strings", args->fixed, "The pattern is a fixed string (always so)");
                    app.add_option("PATTERN", args->pattern, "The fixed string to look for; several, one per line, as grep -F takes them")->required();
                    app.add_option("FILE", args->files, "Files (- or none is standard input)");
                    args->scan.add_to(app);
                    return [args] { return run_grep(*args); };
                  }};

}  // namespace
}  // namespace mapio::cli

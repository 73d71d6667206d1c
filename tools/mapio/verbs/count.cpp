// mapio count BYTE FILE...: how many times one byte occurs. BYTE is a character ("x", "\n" as
// typed by the shell) or 0xNN. Several files print FILE:N lines, like grep -c.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/scan.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "quote.hpp"

namespace mapio::cli {
namespace {

struct CountArgs {
  std::string byte;
  std::vector<std::string> files;
  ScanFlags scan;
};

std::byte parse_byte(const std::string& text) {
  if (text.size() == 1) return static_cast<std::byte>(text[0]);
  if (text == "\\n") return std::byte{'\n'};
  if (text == "\\0") return std::byte{0};
  if (text.size() >= 3 && text.size() <= 4 && (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0)) {
    // One or two hex digits, read strictly: no sign or space slips in as stoul would let it.
    try {
      return static_cast<std::byte>(parse_number(text, "byte"));
    } catch (const ArgumentError&) {
    }
  }
  throw ArgumentError(fmt::format("bad byte '{}': use one character, \\n, \\0 or 0xNN (two hex digits)", text));
}

int run_count(CountArgs& args) {
  const ByteCounter counter(parse_byte(args.byte));
  ProgressBar progress(!args.scan.quiet, regular_total(args.files));
  Scanner scanner(args.scan.options(progress.counter()));
  LineOutput out;  // one write per line: parallel runs on one pipe do not mix inside a line
  int status = 0;
  try {
    for (const auto& file : args.files) {
      try {
        Input input = Input::open(file);
        const auto n = scanner.scan(input, counter).count;
        out.line(args.files.size() > 1 ? fmt::format("{}:{}", file, n) : fmt::format("{}", n));
      } catch (const Error& e) {
        // As GNU's tools word it: "mapio count: NAME: No such file or directory".
        fmt::print(stderr, "mapio count: {}\n", file_error(file, e));
        status = 1;
      }
    }
    out.flush();
  } catch (const WriteError& e) {
    fmt::print(stderr, "mapio count: write error{}\n",
               e.errno_value() != 0 ? fmt::format(": {}", std::strerror(e.errno_value())) : "");
    return 1;
  }
  return status;
}

Registration count{"count", "Count the occurrences of one byte in files", [](CLI::App& app) {
                     auto args = std::make_shared<CountArgs>();
                     app.add_option("BYTE", args->byte, "A character, \\n, \\0 or 0xNN (two hex digits)")->required();
                     app.add_option("FILE", args->files, "Files (- is standard input)")->required();
                     args->scan.add_to(app);
                     return [args] { return run_count(*args); };
                   }};

}  // namespace
}  // namespace mapio::cli

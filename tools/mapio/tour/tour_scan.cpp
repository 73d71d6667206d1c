// `mapio tour` step about scanning: the same count by three routes, and which one the policy takes.
#include <fstream>
#include <string>

#include "mapio/scan/input.hpp"
#include "mapio/scan/scan.hpp"
#include "tour_step.hpp"

namespace mapio::cli::tour {
namespace {

StepRegistration scanning{
    65, "Count lines the fastest way for each input",
    "mapio::Scanner picks per input: read() for small files and pipes, the mapping for a large file\n"
    "on disk or cached in 2 MiB pieces, parallel pread for one cached in small pieces (where mapping\n"
    "costs more than a copy).",
    [](Context& tour) {
      const auto path = tour.directory / "big.txt";
      {
        std::ofstream out(path, std::ios::binary);
        const std::string line = "a line of text for the scanner to count\n";  // 40 bytes
        for (int i = 0; i < (32 << 20) / 40; ++i) out << line;
      }
      const std::uint64_t expected = (32 << 20) / 40;
      for (const auto method : {InputMethod::automatic, InputMethod::map, InputMethod::read}) {
        InputOptions options;
        options.method = method;
        Scanner scanner(options);
        auto input = Input::open(path);
        const auto lines = scanner.scan(input, LineCounter{}).count;
        tour.say("{:<5} {} lines of {} ({})", input_method_name(method), lines, tour.name(path),
                 lines == expected ? "right" : "WRONG");
      }
      tour.say("scan kernel: {}; `mapio bench` measures every route on this machine", scan_kernel_name());
    }};

}  // namespace
}  // namespace mapio::cli::tour

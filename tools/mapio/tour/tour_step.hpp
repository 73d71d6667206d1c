// The steps of `mapio tour`. Each step is a short lesson: a title, a sentence or two of why, and a
// function that does the thing and reports what happened with real values. Steps register themselves
// (like verbs do), each file adding its own, so a new area of mapio joins the tour without editing
// tour.cpp:
//
//     namespace {
//     mapio::cli::tour::StepRegistration scanning{
//         25, "Scan a file in parallel",
//         "Large inputs are split across cores; the answer is the same as a single pass.",
//         [](mapio::cli::tour::Context& tour) { tour.say("counted {} lines", 1000); }};
//     }
//
// `order` places the step (the built-in ones use 10, 20, ... so that others fit between them). A step
// that cannot run on this machine (no device, no permission) throws Skipped with the reason; any
// other exception is reported as a failure and the tour goes on with the next step.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace mapio::cli::tour {

/// What every step may use: a scratch directory (removed when the tour ends) holding a sample text file.
struct Context {
  std::filesystem::path directory;
  std::filesystem::path sample;        ///< `sample_lines` lines of text, written with plain ofstream
  std::uint64_t sample_lines = 0;
  std::uint64_t sample_bytes = 0;

  /// One line of result, indented under the step's heading.
  template <class... Args>
  void say(fmt::format_string<Args...> format, Args&&... args) const {
    fmt::print("   - {}\n", fmt::format(format, std::forward<Args>(args)...));
  }
  /// A path shown relative to the scratch directory, so output stays short.
  std::string name(const std::filesystem::path& path) const { return path.lexically_relative(directory).string(); }
};

/// Thrown by a step that cannot run here; `what()` says why (shown, not counted as a failure).
class Skipped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Step {
  int order;
  std::string title;
  std::string why;  ///< may hold '\n' to break lines; each line is indented
  std::function<void(Context&)> run;
};

/// All registered steps (tour.cpp sorts them by order).
std::vector<Step>& steps();

struct StepRegistration {
  StepRegistration(int order, std::string title, std::string why, std::function<void(Context&)> run) {
    steps().push_back(Step{order, std::move(title), std::move(why), std::move(run)});
  }
};

}  // namespace mapio::cli::tour

// `mapio tour`: a guided walk through what mapio does, on a sample file it generates in a scratch
// directory and removes afterwards. The steps themselves live in tour_*.cpp (see tour_step.hpp).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "command.hpp"
#include "mapio/core/error.hpp"
#include "tour_step.hpp"

namespace mapio::cli::tour {

std::vector<Step>& steps() {
  static std::vector<Step> all;
  return all;
}

namespace {

/// mkdtemp(3) under `parent`, removed with everything in it when the object goes.
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::filesystem::path& parent) {
    std::string pattern = (parent / "mapio-tour-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp", pattern);
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The sample is written the ordinary way (ofstream), so what the steps find by mapping it is checked
// against something mapio did not produce.
void write_sample(Context& tour, std::uint64_t lines) {
  tour.sample = tour.directory / "sample.txt";
  std::ofstream out(tour.sample, std::ios::binary);
  constexpr std::string_view words[] = {"files", "memory", "devices", "pages", "seals", "guards"};
  for (std::uint64_t i = 1; i <= lines; ++i) {
    out << fmt::format("line {:04}: mapio maps {}\n", i, words[i % std::size(words)]);
  }
  out.close();
  if (!out) throw Error("write", tour.sample.string(), EIO, "could not write the tour's sample file");
  tour.sample_lines = lines;
  tour.sample_bytes = std::filesystem::file_size(tour.sample);
}

void print_why(const std::string& why) {
  std::string_view rest = why;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    fmt::print("   {}\n", rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
}

struct Outcome {
  int failed = 0;
  int skipped = 0;
};

Outcome run_steps(const std::vector<Step>& all, Context& tour) {
  Outcome outcome;
  int number = 0;
  for (const auto& step : all) {
    fmt::print("\n{}. {}\n", ++number, step.title);
    print_why(step.why);
    std::fflush(stdout);  // steps may fork: a child must not inherit unwritten output
    try {
      step.run(tour);
    } catch (const Skipped& e) {
      fmt::print("   skipped: {}\n", e.what());
      ++outcome.skipped;
    } catch (const std::exception& e) {
      fmt::print("   FAILED: {}\n", e.what());
      ++outcome.failed;
    }
    std::fflush(stdout);
  }
  return outcome;
}

int run_tour(const std::string& parent) {
  auto all = steps();
  std::stable_sort(all.begin(), all.end(), [](const Step& a, const Step& b) { return a.order < b.order; });

  std::filesystem::path directory;
  Outcome outcome;
  {
    ScratchDirectory scratch(parent.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(parent));
    Context tour;
    tour.directory = directory = scratch.path();
    write_sample(tour, 1000);
    fmt::print("mapio tour: {} steps through memory-mapped I/O\n", all.size());
    fmt::print("Working in {} (removed at the end); sample.txt has {} lines, {} bytes.\n",
               tour.directory.string(), tour.sample_lines, tour.sample_bytes);
    outcome = run_steps(all, tour);
  }  // the scratch directory goes here

  std::error_code ignored;
  const bool removed = !std::filesystem::exists(directory, ignored);
  fmt::print("\nDone: {} steps, {} failed, {} skipped; {} {}.\n", all.size(), outcome.failed, outcome.skipped,
             removed ? "removed" : "could not remove", directory.string());
  fmt::print("Next: the programs in examples/, and `mapio --help` for the other verbs.\n");
  return outcome.failed == 0 && removed ? 0 : 1;
}

Registration tour_verb{"tour", "A guided tour of memory-mapped I/O with mapio, on a generated sample", [](CLI::App& app) {
  auto parent = std::make_shared<std::string>();
  app.add_option("--dir", *parent, "Where to create the scratch directory (default: $TMPDIR or /tmp)");
  return [parent] { return run_tour(*parent); };
}};

}  // namespace
}  // namespace mapio::cli::tour

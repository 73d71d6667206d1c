// How a subcommand joins the CLI: each tools/mapio/verbs/<verb>.cpp defines one Registration at namespace
// scope. Its `setup` adds the verb's options to a CLI11 subcommand and returns the function that runs
// it (exit status). main.cpp knows no verb by name.
//
//     namespace {
//     mapio::cli::Registration hello{"hello", "Say hello", [](CLI::App& app) {
//       auto name = std::make_shared<std::string>("world");
//       app.add_option("name", *name, "Who to greet");
//       return [name] { fmt::print("hello {}\n", *name); return 0; };
//     }};
//     }
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mapio::cli {

using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App&)>;

struct Command {
  std::string name;
  std::string summary;
  Setup setup;
  /// Exit status for a usage error of this verb: 2 (usage_error_status), or the status of the
  /// tool whose interface the verb keeps (GNU wc and util-linux fincore exit 1).
  int usage_status = 2;
};

/// All registered verbs, in registration order (main sorts them by name).
std::vector<Command>& commands();

/// Reports a usage error CLI11 found as one line "mapio VERB: ..." (in mapio's words for a missing
/// argument) and returns the exit status: 0 after --help or --version, otherwise the verb's
/// usage_status (2 unless the verb keeps another tool's).
int usage_status(CLI::App& app, const CLI::ParseError& e);

struct Registration {
  Registration(std::string name, std::string summary, Setup setup, int usage_status = 2) {
    commands().push_back(Command{std::move(name), std::move(summary), std::move(setup), usage_status});
  }
};

}  // namespace mapio::cli

// mapio: the command-line face of the library. Verbs live one per file and register themselves.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/version.hpp"

int main(int argc, char** argv) {
  using namespace mapio::cli;
  CLI::App app{"mapio: memory-mapped I/O for files, memory and devices", "mapio"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("mapio ") + mapio::version());

  auto& all = commands();
  std::sort(all.begin(), all.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  std::map<CLI::App*, Runner> runners;
  for (auto& command : all) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    runners[sub] = command.setup(*sub);
  }
  // Set after the verbs are added, so that it stays the program's and no verb inherits it.
  app.footer(
      "Exit status: 0 on success, 1 when the work failed, 2 for a usage error; every error is one line\n"
      "on stderr starting 'mapio VERB: '.\n"
      "Files named on the command line are read as any reader reads them: a FIFO waits for its writer\n"
      "and is read to its end (as GNU wc and cat do), whichever verb reads it; a verb that maps a file\n"
      "or looks at its pages refuses a FIFO at once. Tables from the kernel or a user (--file, --iomem)\n"
      "are read up to 4 MiB, sysfs attributes up to 64 KiB: anything longer is an error (EFBIG).");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usage_status(app, e);
  }

  for (auto& [sub, run] : runners) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const mapio::Error& e) {
      fmt::print(stderr, "mapio {}: {}\n", sub->get_name(), e.what());
      return 1;
    } catch (const ArgumentError& e) {
      // A malformed argument, found by the verb before it did any work.
      fmt::print(stderr, "mapio {}: {}\n", sub->get_name(), e.what());
      return usage_error_status;
    } catch (const CLI::ParseError& e) {
      // A verb that leaves an error to CLI11 gets CLI11's report and mapio's usage status.
      return usage_status(app, e);
    } catch (const std::exception& e) {
      fmt::print(stderr, "mapio {}: {}\n", sub->get_name(), e.what());
      return 1;
    }
  }
  return 1;
}

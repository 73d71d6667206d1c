// The verb registry and the report of usage errors, shared by the CLI's verbs and its tests.
#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"

namespace mapio::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

namespace {

// "mapio bar: missing DEVICE (usage: mapio bar [OPTIONS] DEVICE BAR OFFSET [WIDTH] [VALUE])".
std::string missing(const CLI::App& app, const std::string& path, const std::string& what) {
  CLI::Formatter formatter;  // the usage line of --help, as the verb's help shows it
  formatter.label("Usage", "usage");
  std::string usage = formatter.make_usage(&app, path);
  while (!usage.empty() && usage.back() == '\n') usage.pop_back();
  // Errors name the verb ("mapio shm"), as every other message of the verb does; the usage line
  // shows the whole command ("mapio shm create ...").
  const auto verb_end = path.find(' ', path.find(' ') + 1);
  return fmt::format("{}: missing {} ({})", path.substr(0, verb_end), what, usage);
}

// CLI11's RequiredError says "DEVICE is required" or "A subcommand is required", without the
// command. Its checks run from the top: each command's options in order, then whether a
// subcommand was given, then the subcommand given; the same walk finds what was missing. Empty
// when it finds nothing (a requirement of another kind).
std::string missing_argument(const CLI::App& root) {
  const CLI::App* app = &root;
  std::string path = root.get_name();
  for (;;) {
    for (const CLI::Option* option : app->get_options()) {
      if (option->get_required() && option->count() == 0) return missing(*app, path, option->get_name());
    }
    const auto given = app->get_subcommands();
    if (given.size() < app->get_require_subcommand_min()) return missing(*app, path, "SUBCOMMAND");
    if (given.empty()) return {};
    app = given.front();
    path += " " + app->get_name();
  }
}

// The command a usage error belongs to, as far as the parse got: "mapio wc", "mapio" before a verb.
std::string verb_of(const CLI::App& root) {
  const auto given = root.get_subcommands();
  return given.empty() ? root.get_name() : root.get_name() + " " + given.front()->get_name();
}

}  // namespace

// CLI11 gives each kind of usage error a status of its own (105, 106, 109, 114, ...) and words
// without the command; mapio keeps to the Unix convention instead, so that scripts can tell a
// mistake from a failure: 0 after --help or --version, 2 for every usage error, 1 when the work
// itself failed. Every usage error is one line that starts "mapio VERB: ", like every other error
// of the verb; a missing argument is said in mapio's words, other errors in CLI11's.
int usage_status(CLI::App& app, const CLI::ParseError& e) {
  int status = usage_error_status;
  for (const CLI::App* given : app.get_subcommands()) {
    for (const Command& command : commands()) {
      if (command.name == given->get_name()) status = command.usage_status;
    }
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    if (const auto message = missing_argument(app); !message.empty()) {
      fmt::print(stderr, "{}\n", message);
      return status;
    }
  }
  if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
  fmt::print(stderr, "{}: {}\n", verb_of(app), e.what());
  return status;
}

}  // namespace mapio::cli

// `mapio iomem` and `mapio ioports`: the kernel's resource trees (/proc/iomem, /proc/ioports).
//
// Three formats:
//   default  each line is exactly the kernel's line, then two spaces and the size in parentheses:
//              fea00000-feafffff : 0000:00:04.0  (1 MiB)
//   --raw    exactly the kernel's lines (diff it against /proc/iomem)
//   --json   {"source": ..., "resources": [{"start", "end", "size", "range", "name", "children"}]}
// Every line is re-made from the parsed tree, never copied through, so comparing --raw with the
// kernel's file checks the parse (ranges, names, nesting).
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "json_text.hpp"
#include "mapio/mmio/iomem.hpp"

namespace mapio::cli {
namespace {

struct TableOptions {
  std::string file;
  bool raw = false;
  bool json = false;
};

nlohmann::ordered_json to_json(const mmio::ResourceTree& tree, const mmio::Resource& r) {
  nlohmann::ordered_json children = nlohmann::ordered_json::array();
  for (const auto& child : r.children) children.push_back(to_json(tree, child));
  // "range" repeats start and end as the kernel writes them, for readers whose JSON numbers are
  // doubles (53 bits) and would round a 64-bit address.
  return {{"start", r.start},
          {"end", r.end},
          {"size", r.size()},
          {"range", fmt::format("{:0{}x}-{:0{}x}", r.start, tree.address_digits(), r.end, tree.address_digits())},
          {"name", r.name},
          {"children", std::move(children)}};
}

int show(const TableOptions& o) {
  const auto tree = mmio::ResourceTree::read(o.file);
  std::string out;
  if (o.json) {
    nlohmann::ordered_json resources = nlohmann::ordered_json::array();
    for (const auto& r : tree.roots()) resources.push_back(to_json(tree, r));
    out = json_text(nlohmann::ordered_json{{"source", tree.source()}, {"resources", std::move(resources)}});
  } else if (o.raw) {
    out = tree.format();
  } else {
    tree.visit([&](const mmio::Resource& r, int depth) {
      out += fmt::format("{}  ({})\n", tree.format_line(r, depth), human_size(r.size()));
    });
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

Setup table_verb(std::string default_file) {
  return [default_file](CLI::App& app) -> Runner {
    auto o = std::make_shared<TableOptions>();
    o->file = default_file;
    app.footer(fmt::format(
        "Formats:\n"
        "  (default)  the kernel's line, then two spaces and the size:\n"
        "             fea00000-feafffff : 0000:00:04.0  (1 MiB)\n"
        "             (strip the size with: sed 's/  ([^)]*)$//')\n"
        "  --raw      exactly the kernel's lines, as in {}: START-END : NAME, hex zero-padded\n"
        "             like the kernel, nested two spaces per level\n"
        "  --json     {{\"source\", \"resources\": [{{\"start\", \"end\", \"size\", \"range\", \"name\", \"children\"}}]}}\n"
        "Lines are rebuilt from the parsed tree. Without CAP_SYS_ADMIN the kernel shows every range as\n"
        "zeros; mapio then fails (EPERM) instead of printing zeros.",
        default_file));
    app.add_option("--file", o->file, fmt::format("Table to read (default {})", default_file));
    auto* raw = app.add_flag("--raw", o->raw, "Print exactly the kernel's format");
    app.add_flag("--json", o->json, "Print JSON")->excludes(raw);
    return [o] { return show(*o); };
  };
}

Registration iomem{"iomem", "Show physical address ranges and their owners (/proc/iomem) as a tree",
                   table_verb("/proc/iomem")};
Registration ioports{"ioports", "Show I/O port ranges and their owners (/proc/ioports) as a tree",
                     table_verb("/proc/ioports")};

}  // namespace
}  // namespace mapio::cli

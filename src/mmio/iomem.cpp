#include "mapio/mmio/iomem.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"

namespace mapio::mmio {
namespace {

struct Line {
  int depth;
  Resource resource;
};

// Returns the value of a run of hex digits and how many there were; 0 digits means none.
std::size_t parse_hex(std::string_view text, std::uint64_t& value, bool& overflow) {
  value = 0;
  overflow = false;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    unsigned digit;
    if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
    else break;
    if (value >> 60) overflow = true;
    value = (value << 4) | digit;
  }
  return i;
}

[[noreturn]] void malformed(const std::string& source, std::size_t line_number, std::string_view line,
                            std::string_view reason) {
  throw Error("parse", fmt::format("{} line {}", source, line_number), EINVAL,
              fmt::format("{} in '{}' (expected 'START-END : NAME', nested by two spaces per level)", reason, line));
}

// One line of the kernel's r_show(): "%*s%0*llx-%0*llx : %s".
Line parse_line(std::string_view line, const std::string& source, std::size_t number, int& narrowest) {
  std::size_t spaces = 0;
  while (spaces < line.size() && line[spaces] == ' ') ++spaces;
  if (spaces % 2 != 0) malformed(source, number, line, "odd indentation");
  std::string_view rest = line.substr(spaces);

  Line out{static_cast<int>(spaces / 2), {}};
  bool overflow = false;
  const std::size_t start_digits = parse_hex(rest, out.resource.start, overflow);
  if (start_digits == 0) malformed(source, number, line, "no start address");
  if (overflow) malformed(source, number, line, "start address wider than 64 bits");
  rest.remove_prefix(start_digits);
  if (rest.empty() || rest.front() != '-') malformed(source, number, line, "no '-' after the start address");
  rest.remove_prefix(1);
  const std::size_t end_digits = parse_hex(rest, out.resource.end, overflow);
  if (end_digits == 0) malformed(source, number, line, "no end address");
  if (overflow) malformed(source, number, line, "end address wider than 64 bits");
  rest.remove_prefix(end_digits);
  // The kernel refuses a resource that ends before it starts (kernel/resource.c), so none is listed.
  if (out.resource.end < out.resource.start) malformed(source, number, line, "the end address is below the start");
  // The kernel always prints " : " and then the name, which may itself contain spaces and colons.
  if (rest.substr(0, 3) != " : ") malformed(source, number, line, "no ' : ' after the range");
  rest.remove_prefix(3);
  out.resource.name = std::string(rest);
  narrowest = std::min(narrowest, static_cast<int>(std::min(start_digits, end_digits)));
  return out;
}

// Builds the children at `depth` from lines[i...], stopping at the first line shallower than `depth`.
std::vector<Resource> build(std::vector<Line>& lines, std::size_t& i, int depth) {
  std::vector<Resource> level;
  while (i < lines.size() && lines[i].depth == depth) {
    Resource resource = std::move(lines[i].resource);
    ++i;
    if (i < lines.size() && lines[i].depth > depth) resource.children = build(lines, i, depth + 1);
    level.push_back(std::move(resource));
  }
  return level;
}

void walk(const std::vector<Resource>& level, int depth,
          const std::function<void(const Resource&, int)>& visit) {
  for (const auto& resource : level) {
    visit(resource, depth);
    walk(resource.children, depth + 1, visit);
  }
}

void collect_innermost(const std::vector<Resource>& level, std::uint64_t first, std::uint64_t last,
                       std::vector<const Resource*>& out) {
  for (const auto& resource : level) {
    if (!resource.overlaps(first, last)) continue;
    bool child_overlaps = false;
    for (const auto& child : resource.children) child_overlaps = child_overlaps || child.overlaps(first, last);
    if (child_overlaps) {
      collect_innermost(resource.children, first, last, out);
    } else {
      out.push_back(&resource);
    }
  }
}

bool any_system_ram(const std::vector<Resource>& level, std::uint64_t first, std::uint64_t last) {
  for (const auto& resource : level) {
    if (!resource.overlaps(first, last)) continue;
    if (resource.name == "System RAM") return true;
    if (any_system_ram(resource.children, first, last)) return true;
  }
  return false;
}

}  // namespace

ResourceTree ResourceTree::parse(std::string_view text, std::string source) {
  std::vector<Line> lines;
  std::vector<std::size_t> parents;  // parents[d]: the index of the last line at depth d
  int narrowest = 16;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++number;
    if (line.empty()) malformed(source, number, line, "empty line");
    Line parsed = parse_line(line, source, number, narrowest);
    const int deepest_allowed = lines.empty() ? 0 : lines.back().depth + 1;
    if (parsed.depth > deepest_allowed) {
      malformed(source, number, line,
                fmt::format("nested {} levels deep under a line at depth {}", parsed.depth,
                            lines.empty() ? 0 : lines.back().depth));
    }
    // A child lies inside its parent: the kernel inserts it there, and lookups rely on it.
    if (parsed.depth > 0) {
      const Resource& parent = lines[parents[static_cast<std::size_t>(parsed.depth - 1)]].resource;
      if (parsed.resource.start < parent.start || parsed.resource.end > parent.end) {
        malformed(source, number, line, "the range is not inside its parent's");
      }
    }
    parents.resize(static_cast<std::size_t>(parsed.depth) + 1);
    parents.back() = lines.size();
    lines.push_back(std::move(parsed));
  }

  bool all_zero = !lines.empty();
  for (const auto& line : lines) all_zero = all_zero && line.resource.start == 0 && line.resource.end == 0;
  if (all_zero) {
    throw Error("read", source, EPERM,
                "the kernel shows every range as zeros to readers without CAP_SYS_ADMIN; run as root "
                "(or with CAP_SYS_ADMIN) to see the addresses");
  }

  ResourceTree tree;
  std::size_t i = 0;
  tree.roots_ = build(lines, i, 0);
  tree.source_ = std::move(source);
  if (!lines.empty()) tree.address_digits_ = narrowest;
  return tree;
}

ResourceTree ResourceTree::read(const std::filesystem::path& path) {
  // Read as any reader reads a file: a FIFO waits for its writer and is read to its end, as every
  // verb of mapio reads one (docs/cli.md). /proc files report size 0: read until end of file.
  auto file = FileDescriptor::open(path, O_RDONLY);
  return parse(file.read_all(max_table_bytes), path.string());
}

std::vector<const Resource*> ResourceTree::path_to(std::uint64_t address) const {
  std::vector<const Resource*> path;
  const std::vector<Resource>* level = &roots_;
  for (bool found = true; found;) {
    found = false;
    for (const auto& resource : *level) {
      if (resource.contains(address)) {
        path.push_back(&resource);
        level = &resource.children;
        found = true;
        break;
      }
    }
  }
  return path;
}

const Resource* ResourceTree::deepest(std::uint64_t address) const {
  auto path = path_to(address);
  return path.empty() ? nullptr : path.back();
}

bool ResourceTree::overlaps_system_ram(std::uint64_t first, std::uint64_t last) const {
  return any_system_ram(roots_, first, last);
}

std::vector<const Resource*> ResourceTree::innermost_overlapping(std::uint64_t first, std::uint64_t last) const {
  std::vector<const Resource*> out;
  collect_innermost(roots_, first, last, out);
  return out;
}

void ResourceTree::visit(const std::function<void(const Resource&, int depth)>& visit) const {
  walk(roots_, 0, visit);
}

std::string ResourceTree::format_line(const Resource& resource, int depth) const {
  return fmt::format("{:{}}{:0{}x}-{:0{}x} : {}", "", depth * 2, resource.start, address_digits_, resource.end,
                     address_digits_, resource.name);
}

std::string ResourceTree::format() const {
  std::string text;
  visit([&](const Resource& resource, int depth) {
    text += format_line(resource, depth);
    text += '\n';
  });
  return text;
}

}  // namespace mapio::mmio

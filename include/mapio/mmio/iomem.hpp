// /proc/iomem and /proc/ioports as trees of resources.
//
// The kernel prints its resource tree one resource per line, "START-END : NAME", END inclusive, in
// lower-case hex zero-padded to 8 digits (iomem) or 4 (ioports), each level nested two spaces deeper
// (kernel/resource.c, r_show()):
//
//     00100000-bfffffff : System RAM
//       01000000-022090c7 : Kernel code
//     fea00000-feafffff : 0000:00:04.0
//
//     auto iomem = mapio::mmio::ResourceTree::read_iomem();             // /proc/iomem
//     if (const auto* r = iomem.deepest(0xfea00000)) fmt::print("{}\n", r->name);   // "0000:00:04.0"
//     bool ram = iomem.overlaps_system_ram(0x200000, 0x200fff);          // true: /dev/mem refuses it
//     fmt::print("{}", iomem.format());                                  // the kernel's text, exactly
//
// Without CAP_SYS_ADMIN the kernel prints every range as zeros (00000000-00000000): such a file is
// useless as data, so reading it throws mapio::Error (EPERM) with an explanation instead.
// A line that is not "START-END : NAME" (or nests deeper than its parent allows, ends before it
// starts, or lies outside its parent's range) throws
// mapio::Error (EINVAL) naming the file and the line number: a malformed table is never half-read.
// The kernel stops indenting at depth 5 (MAX_IORES_LEVEL); deeper resources print at depth 5 and are
// read back as siblings at that depth, as the text says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace mapio::mmio {

/// One resource: an inclusive range [start, end] and the name its owner gave it.
struct Resource {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  ///< inclusive, as the kernel prints it
  std::string name;
  std::vector<Resource> children;

  /// end - start + 1, saturating at 2^64 - 1 for a resource spanning everything.
  std::uint64_t size() const noexcept {
    return end - start == std::numeric_limits<std::uint64_t>::max() ? end - start : end - start + 1;
  }
  bool contains(std::uint64_t address) const noexcept { return start <= address && address <= end; }
  /// True when [first, last] (inclusive) shares at least one address with this resource.
  bool overlaps(std::uint64_t first, std::uint64_t last) const noexcept { return start <= last && first <= end; }
};

class ResourceTree {
 public:
  /// Parses the text of /proc/iomem or /proc/ioports. `source` names it in errors ("/proc/iomem").
  static ResourceTree parse(std::string_view text, std::string source);
  /// The most read() takes from a file: the kernel's tables are a few KiB (tens on large servers), so
  /// anything longer (/dev/zero, a runaway pipe) is not one and is refused before it fills memory.
  static constexpr std::size_t max_table_bytes = std::size_t{4} << 20;

  /// Reads and parses a file (default the kernel's own). A pipe is read to its end; a FIFO waits
  /// for its writer first, as open(2) does for any reader.
  /// A file longer than max_table_bytes is mapio::Error (EFBIG) naming it and the bound.
  static ResourceTree read(const std::filesystem::path& path);
  static ResourceTree read_iomem(const std::filesystem::path& path = "/proc/iomem") { return read(path); }
  static ResourceTree read_ioports(const std::filesystem::path& path = "/proc/ioports") { return read(path); }

  /// The top-level resources, in the kernel's order.
  const std::vector<Resource>& roots() const noexcept { return roots_; }
  bool empty() const noexcept { return roots_.empty(); }
  /// Where the text came from (for messages).
  const std::string& source() const noexcept { return source_; }
  /// Hex digits the kernel pads addresses to: 8 for iomem, 4 for ioports (the narrowest seen).
  int address_digits() const noexcept { return address_digits_; }

  /// The resources containing `address`, outermost first; empty when none does.
  std::vector<const Resource*> path_to(std::uint64_t address) const;
  /// The innermost resource containing `address`, or nullptr.
  const Resource* deepest(std::uint64_t address) const;
  /// True when any resource named "System RAM", at any depth, overlaps [first, last] (inclusive).
  bool overlaps_system_ram(std::uint64_t first, std::uint64_t last) const;
  /// The innermost resources overlapping [first, last] that have no children overlapping it: the
  /// most specific owners of the range, in address order.
  std::vector<const Resource*> innermost_overlapping(std::uint64_t first, std::uint64_t last) const;

  /// Calls visit(resource, depth) for every resource, depth-first in the kernel's order (depth 0 = top).
  void visit(const std::function<void(const Resource&, int depth)>& visit) const;

  /// The kernel's line for one resource at `depth`, without the newline: indentation, padded range, name.
  std::string format_line(const Resource& resource, int depth) const;
  /// The whole tree in the kernel's format, one line per resource, each ending in '\n'.
  std::string format() const;

 private:
  std::vector<Resource> roots_;
  std::string source_;
  int address_digits_ = 8;
};

}  // namespace mapio::mmio

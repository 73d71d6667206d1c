// /proc/iomem and /proc/ioports (ResourceTree::parse): any text either parses or is a mapio::Error,
// and a parsed tree printed in the kernel's format parses back to the same tree.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/iomem.hpp"

namespace {

using mapio::fuzz::require;
using mapio::mmio::Resource;

bool same(const std::vector<Resource>& a, const std::vector<Resource>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].name != b[i].name) return false;
    if (!same(a[i].children, b[i].children)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = mapio::fuzz::text_of(data, size);
  mapio::mmio::ResourceTree tree;
  try {
    tree = mapio::mmio::ResourceTree::parse(text, "fuzz");
  } catch (const mapio::Error&) {
    return 0;
  }
  // Round trip: format -> parse -> the same tree, and the same text again.
  const std::string formatted = tree.format();
  const auto again = mapio::mmio::ResourceTree::parse(formatted, "formatted");
  require(same(tree.roots(), again.roots()), "format() then parse() gives back the same tree");
  require(again.format() == formatted, "format() is stable");
  // Lookups over the addresses the table names stay inside it.
  tree.visit([&](const Resource& r, int) {
    const Resource* deepest = tree.deepest(r.start);
    require(deepest != nullptr && deepest->contains(r.start), "deepest() contains the address");
    for (const Resource* hit : tree.innermost_overlapping(r.start, r.end)) {
      require(hit->overlaps(r.start, r.end), "innermost_overlapping() overlaps the range");
    }
    (void)tree.overlaps_system_ram(r.start, r.end);
    require(r.size() >= 1, "a resource holds at least one address");
  });
  return 0;
}

// Reading /proc/self/smaps, for Mapping::huge_page_bytes. Private to core: the text is the
// kernel's, and only what mapio asks of it is parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mapio::detail {

/// How many bytes of the address range [first, last) the kernel maps with huge-page entries,
/// by the smaps text `smaps`: AnonHugePages, ShmemPmdMapped and FilePmdMapped summed over every
/// region that overlaps the range. A region counts whole, so the answer may exceed the range when
/// the kernel merged it with a neighbour; the caller clamps.
std::size_t huge_page_bytes(std::string_view smaps, std::uintptr_t first, std::uintptr_t last);

}  // namespace mapio::detail

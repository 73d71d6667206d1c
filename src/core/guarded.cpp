#include "mapio/core/guarded.hpp"

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/page.hpp"

namespace mapio {

GuardedBuffer::GuardedBuffer(std::size_t size, Placement placement, std::size_t guard_pages) {
  const std::size_t page = page_size();
  if (guard_pages == 0) throw Error("guarded buffer", fmt::format("[size {}]", size), EINVAL, "needs at least one guard page");
  guard_size_ = guard_pages * page;
  usable_pages_size_ = static_cast<std::size_t>(align_up(size == 0 ? 1 : size, page));
  // Reserve the whole span inaccessible, then open up the middle: the guards are never accessible,
  // not even for a moment.
  region_ = Mapping::anonymous(2 * guard_size_ + usable_pages_size_, Sharing::copy_on_write, Protection::none);
  std::byte* usable = const_cast<std::byte*>(region_.data()) + guard_size_;
  try {
    region_.protect(Protection::read_write, guard_size_, usable_pages_size_);
  } catch (const Error& e) {
    throw Error("mprotect", fmt::format("guarded buffer [size {}]", size), e.errno_value());
  }
  size_ = size;
  data_ = placement == Placement::detect_overrun ? usable + (usable_pages_size_ - size) : usable;
}

const std::byte* GuardedBuffer::front_guard() const noexcept { return region_.data(); }

const std::byte* GuardedBuffer::back_guard() const noexcept {
  return region_.data() + guard_size_ + usable_pages_size_;
}

}  // namespace mapio

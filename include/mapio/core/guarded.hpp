// GuardedBuffer: memory fenced by inaccessible (PROT_NONE) guard pages before and after, so an
// overrun or underrun faults at the first wrong byte instead of corrupting a neighbour.
//
//     mapio::GuardedBuffer buffer(100);          // 100 usable bytes, end flush against the back guard
//     buffer.bytes()[99] = std::byte{1};         // fine
//     buffer.data()[100] = std::byte{1};         // SIGSEGV: the back guard page
//
// The usable bytes are placed so that their END touches the back guard (Placement::detect_overrun,
// the default) or their START touches the front guard (Placement::detect_underrun); the other side
// is then up to a page away from its guard.
#pragma once

#include <cstddef>
#include <span>

#include "mapio/core/mapping.hpp"

namespace mapio {

enum class Placement { detect_overrun, detect_underrun };

class GuardedBuffer {
 public:
  /// `size` usable bytes, zeroed, with `guard_pages` PROT_NONE pages on each side.
  explicit GuardedBuffer(std::size_t size, Placement placement = Placement::detect_overrun,
                         std::size_t guard_pages = 1);

  std::byte* data() noexcept { return data_; }
  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::span<std::byte> bytes() noexcept { return {data_, size_}; }
  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

  /// First byte of each guard region: touching either kills with SIGSEGV.
  const std::byte* front_guard() const noexcept;
  const std::byte* back_guard() const noexcept;
  std::size_t guard_size() const noexcept { return guard_size_; }

 private:
  Mapping region_;  // [front guard][usable pages][back guard]
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t guard_size_ = 0;
  std::size_t usable_pages_size_ = 0;
};

}  // namespace mapio

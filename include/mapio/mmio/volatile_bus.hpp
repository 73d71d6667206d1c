// VolatileBus: register access to real device memory (a mapped PCI BAR, a /dev/mem window, a UIO
// or VFIO region).
//
//     auto fd = mapio::FileDescriptor::open("/sys/bus/pci/devices/0000:00:04.0/resource0", O_RDWR);
//     auto bar = mapio::Mapping::map_descriptor(fd.get(), 0, 1 << 20, mapio::Protection::read_write,
//                                               mapio::Sharing::shared, "edu BAR0");
//     mapio::mmio::VolatileBus bus(bar);
//     std::uint32_t id = bus.read<std::uint32_t>(0x00);          // like readl: one mov, ordered
//     bus.write<std::uint32_t>(0x04, 0x12345678);                // like writel
//     bus.write_relaxed<std::uint64_t>(0x80, dma_address);       // like writeq_relaxed
//     bus.read<std::uint32_t>(0x100000);                        // throws: read32 edu BAR0 + 0x100000 (ERANGE)
//
// Every access is one volatile load or store of exactly the requested width (no tearing: 64-bit
// accesses are single instructions on x86_64 and arm64 and must be naturally aligned). Ordered and
// relaxed variants differ only in barriers; barrier.hpp says what each architecture needs.
//
// The bus does not own the memory: the Mapping (or whatever provided `base`) must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "mapio/core/mapping.hpp"
#include "mapio/mmio/access.hpp"

namespace mapio::mmio {

/// The unchecked handle of a VolatileBus: just the base address. Trivially copyable, one register
/// wide, so a RegisterMap over it is as cheap to pass around as a pointer.
class VolatileWindow {
 public:
  explicit VolatileWindow(std::byte* base) noexcept : base_(base) {}
  template <Word T, Ordering O>
  T load(std::size_t offset) const noexcept { return mmio::load<T, O>(base_ + offset); }
  template <Word T, Ordering O>
  void store(std::size_t offset, T value) const noexcept { mmio::store<T, O>(base_ + offset, value); }

 private:
  std::byte* base_;
};

class VolatileBus {
 public:
  /// `size` bytes of device memory at `base`; `name` identifies them in errors and traces.
  VolatileBus(std::byte* base, std::size_t size, std::string name) noexcept
      : base_(base), size_(size), name_(std::move(name)) {}
  /// The whole of a mapping; named after it (mapping.description()). A read-only mapping (say a
  /// /dev/mem window opened for reading) gives a bus whose checked writes throw EACCES instead of
  /// faulting.
  explicit VolatileBus(Mapping& mapping)
      : base_(const_cast<std::byte*>(mapping.data())), size_(mapping.size()), name_(mapping.description()),
        writable_(mapping.writable()) {}

  std::size_t size() const noexcept { return size_; }
  const std::string& name() const noexcept { return name_; }
  bool writable() const noexcept { return writable_; }
  std::byte* base() const noexcept { return base_; }

  /// Ordered read of a T (uint8/16/32/64_t) at `offset`, like readb/readw/readl/readq.
  template <Word T>
  T read(std::size_t offset) const {
    check_fast(offset, sizeof(T), Direction::read);
    return mmio::load<T, Ordering::ordered>(base_ + offset);
  }
  /// Ordered write, like writeb/writew/writel/writeq.
  template <Word T>
  void write(std::size_t offset, T value) {
    check_fast(offset, sizeof(T), Direction::write);
    mmio::store<T, Ordering::ordered>(base_ + offset, value);
  }
  /// Relaxed read/write (readl_relaxed, writel_relaxed): no ordering against normal memory.
  template <Word T>
  T read_relaxed(std::size_t offset) const {
    check_fast(offset, sizeof(T), Direction::read);
    return mmio::load<T, Ordering::relaxed>(base_ + offset);
  }
  template <Word T>
  void write_relaxed(std::size_t offset, T value) {
    check_fast(offset, sizeof(T), Direction::write);
    mmio::store<T, Ordering::relaxed>(base_ + offset, value);
  }

  /// Unchecked accesses: the caller has proved offset and alignment (see `check`).
  template <Word T, Ordering O = Ordering::ordered>
  T load(std::size_t offset) const noexcept { return mmio::load<T, O>(base_ + offset); }
  template <Word T, Ordering O = Ordering::ordered>
  void store(std::size_t offset, T value) noexcept { mmio::store<T, O>(base_ + offset, value); }
  VolatileWindow handle() noexcept { return VolatileWindow(base_); }

  /// Throws mapio::Error unless a `bytes`-wide access at `offset` fits and is naturally aligned.
  void check(std::size_t offset, std::size_t bytes, std::string_view operation, std::string_view what = {}) const {
    check_access(operation, name_, size_, reinterpret_cast<std::uintptr_t>(base_) + offset, offset, bytes, what);
  }

 private:
  void check_fast(std::size_t offset, std::size_t bytes, Direction direction) const {
    const bool fits = offset <= size_ && size_ - offset >= bytes;
    if (!fits || (reinterpret_cast<std::uintptr_t>(base_) + offset) % bytes != 0) [[unlikely]]
      check(offset, bytes, access_name(direction, bytes));
    if (direction == Direction::write && !writable_) [[unlikely]]
      throw_read_only(access_name(direction, bytes), name_, offset);
  }

  std::byte* base_;
  std::size_t size_;
  std::string name_;
  bool writable_ = true;
};

}  // namespace mapio::mmio

// SimBus: a device made of plain C++ callbacks, so a driver can be tested with no hardware.
//
//     mapio::mmio::SimBus bus(0x100, "fake-timer");
//     std::uint32_t ticks = 0;
//     bus.on_read([&](std::size_t offset, unsigned width) -> std::uint64_t {
//       if (offset == 0x00) return ++ticks;              // a free-running counter
//       return bus.stored(offset, width);                // everything else: plain memory
//     });
//     bus.on_write([&](std::size_t offset, unsigned width, std::uint64_t value) {
//       if (offset == 0x10) ticks = 0;                   // a reset register
//       else bus.store_value(offset, width, value);
//     });
//     MyDriver driver(bus);                              // any driver written against the Bus concept
//
// `width` is in bits (8, 16, 32, 64), as in the trace and in devmem. Without a handler, reads and
// writes go to the backing store (zeroed memory of `size` bytes), so a SimBus with no callbacks is
// plain RAM; with `Store::none` there is no store, unhandled reads return all ones (what a PCI
// read of nothing returns) and unhandled writes are dropped.
//
// Every access, checked or not, is bounds- and alignment-checked like VolatileBus's checked ones:
// a simulated device is where a wrong offset should be caught. The bus counts accesses by kind so a
// test can assert how a driver talked to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mapio/mmio/access.hpp"

namespace mapio::mmio {

class SimBus {
 public:
  using ReadHandler = std::function<std::uint64_t(std::size_t offset, unsigned width)>;
  using WriteHandler = std::function<void(std::size_t offset, unsigned width, std::uint64_t value)>;
  enum class Store { memory, none };

  /// How the driver has used the bus so far.
  struct Counts {
    std::size_t reads = 0;
    std::size_t writes = 0;
    std::size_t relaxed = 0;  ///< of the reads and writes, how many were relaxed
  };

  explicit SimBus(std::size_t size, std::string name = "sim", Store store = Store::memory);
  SimBus(const SimBus&) = delete;  // handlers usually capture the bus: copies would dangle
  SimBus& operator=(const SimBus&) = delete;

  SimBus& on_read(ReadHandler handler) { read_handler_ = std::move(handler); return *this; }
  SimBus& on_write(WriteHandler handler) { write_handler_ = std::move(handler); return *this; }

  std::size_t size() const noexcept { return size_; }
  const std::string& name() const noexcept { return name_; }
  const Counts& counts() const noexcept { return counts_; }
  /// The ordering of the most recent access (ordered until something happened).
  Ordering last_ordering() const noexcept { return last_ordering_; }

  template <Word T>
  T read(std::size_t offset) const { return static_cast<T>(access_read(offset, bits<T>, Ordering::ordered)); }
  template <Word T>
  void write(std::size_t offset, T value) { access_write(offset, bits<T>, value, Ordering::ordered); }
  template <Word T>
  T read_relaxed(std::size_t offset) const { return static_cast<T>(access_read(offset, bits<T>, Ordering::relaxed)); }
  template <Word T>
  void write_relaxed(std::size_t offset, T value) { access_write(offset, bits<T>, value, Ordering::relaxed); }
  template <Word T, Ordering O = Ordering::ordered>
  T load(std::size_t offset) const { return static_cast<T>(access_read(offset, bits<T>, O)); }
  template <Word T, Ordering O = Ordering::ordered>
  void store(std::size_t offset, T value) { access_write(offset, bits<T>, value, O); }

  void check(std::size_t offset, std::size_t bytes, std::string_view operation, std::string_view what = {}) const {
    check_access(operation, name_, size_, offset, offset, bytes, what);
  }

  /// The backing store, for handlers and tests: read or write `width` bits at `offset` without
  /// calling any handler. Throws like a checked access when out of range or when there is no store.
  std::uint64_t stored(std::size_t offset, unsigned width) const;
  void store_value(std::size_t offset, unsigned width, std::uint64_t value);

 private:
  std::uint64_t access_read(std::size_t offset, unsigned width, Ordering ordering) const;
  void access_write(std::size_t offset, unsigned width, std::uint64_t value, Ordering ordering);

  std::size_t size_;
  std::string name_;
  std::vector<std::byte> store_;
  ReadHandler read_handler_;
  WriteHandler write_handler_;
  mutable Counts counts_;
  mutable Ordering last_ordering_ = Ordering::ordered;
};

}  // namespace mapio::mmio

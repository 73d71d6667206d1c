// What every bus has in common: the Bus concept, the bounds check, and the unchecked handle that
// typed registers use once a register map has been checked.
//
// A Bus is anything a driver can read and write registers through: VolatileBus (real device
// memory), TracingBus<B> (logs every access of another bus), SimBus (a device model in plain C++).
// Drivers are templates over the Bus, so the same code runs on hardware, in a unit test and under
// the tracer:
//
//     template <mapio::mmio::Bus B>
//     std::uint32_t identify(B& bus) { return bus.template read<std::uint32_t>(0x00); }
//
// Checked accesses (read/write/read_relaxed/write_relaxed) verify `offset + sizeof(T) <= size()`
// and natural alignment, and throw mapio::Error ("read32", "<bus> + 0x104", ERANGE or EINVAL).
// Unchecked ones (load/store) trust the caller: a RegisterMap proves its registers fit at bind time.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mapio/mmio/barrier.hpp"

namespace mapio::mmio {

enum class Direction { read, write };

/// Width of T in bits: 8, 16, 32 or 64.
template <Word T>
inline constexpr unsigned bits = sizeof(T) * 8;

/// "read32", "write64": the operation name errors and traces use.
std::string access_name(Direction direction, std::size_t bytes);

/// Throws the mapio::Error of a refused access: `operation` applied to "<bus> + <offset>", ERANGE
/// when [offset, offset + bytes) leaves the region, EINVAL when it is misaligned. `what` (optional)
/// starts the explanation, e.g. "register status".
[[noreturn]] void throw_bad_access(std::string_view operation, std::string_view bus_name, std::size_t bus_size,
                                   std::size_t offset, std::size_t bytes, bool misaligned,
                                   std::string_view what = {});

/// Throws the EACCES mapio::Error of a write through a bus over read-only memory.
[[noreturn]] void throw_read_only(std::string_view operation, std::string_view bus_name, std::size_t offset);

/// The bounds and alignment check every checked access makes. `address` is the real address for
/// alignment purposes (a simulated bus passes the offset).
inline void check_access(std::string_view operation, std::string_view bus_name, std::size_t bus_size,
                         std::uintptr_t address, std::size_t offset, std::size_t bytes,
                         std::string_view what = {}) {
  const bool fits = offset <= bus_size && bus_size - offset >= bytes;
  const bool aligned = address % bytes == 0;
  if (!fits || !aligned) [[unlikely]]
    throw_bad_access(operation, bus_name, bus_size, offset, bytes, !aligned && fits, what);
}

/// The interface every bus provides (see VolatileBus for the meaning of each member).
template <class B>
concept Bus = requires(B& bus, const B& const_bus, std::size_t offset, std::string_view operation) {
  { const_bus.size() } -> std::same_as<std::size_t>;
  { const_bus.name() } -> std::convertible_to<std::string_view>;
  { const_bus.template read<std::uint32_t>(offset) } -> std::same_as<std::uint32_t>;
  { const_bus.template read_relaxed<std::uint64_t>(offset) } -> std::same_as<std::uint64_t>;
  bus.template write<std::uint32_t>(offset, std::uint32_t{});
  bus.template write_relaxed<std::uint64_t>(offset, std::uint64_t{});
  // Unchecked fast paths, for callers that checked once (`check`) and access many times.
  { bus.template load<std::uint32_t, Ordering::ordered>(offset) } -> std::same_as<std::uint32_t>;
  bus.template store<std::uint32_t, Ordering::relaxed>(offset, std::uint32_t{});
  const_bus.check(offset, std::size_t{4}, operation);
};

/// A checked read of `width` bits (8, 16, 32 or 64) chosen at run time, as devmem-like tools need;
/// the value is zero-extended. Any other width reads 64 bits (validate widths where they are parsed).
template <Bus B>
std::uint64_t read_width(const B& bus, std::size_t offset, unsigned width) {
  switch (width) {
    case 8: return bus.template read<std::uint8_t>(offset);
    case 16: return bus.template read<std::uint16_t>(offset);
    case 32: return bus.template read<std::uint32_t>(offset);
    default: return bus.template read<std::uint64_t>(offset);
  }
}

/// A checked write of the low `width` bits of `value` (see read_width).
template <Bus B>
void write_width(B& bus, std::size_t offset, unsigned width, std::uint64_t value) {
  switch (width) {
    case 8: bus.template write<std::uint8_t>(offset, static_cast<std::uint8_t>(value)); break;
    case 16: bus.template write<std::uint16_t>(offset, static_cast<std::uint16_t>(value)); break;
    case 32: bus.template write<std::uint32_t>(offset, static_cast<std::uint32_t>(value)); break;
    default: bus.template write<std::uint64_t>(offset, value); break;
  }
}

/// A copyable handle for unchecked accesses through a bus. The generic one holds a pointer to the
/// bus; VolatileBus provides its own (just the base address), which is what makes a typed register
/// access compile to a bare `mov`.
template <class B>
class BusHandle {
 public:
  explicit BusHandle(B& bus) noexcept : bus_(&bus) {}
  template <Word T, Ordering O>
  T load(std::size_t offset) const { return bus_->template load<T, O>(offset); }
  template <Word T, Ordering O>
  void store(std::size_t offset, T value) const { bus_->template store<T, O>(offset, value); }

 private:
  B* bus_;
};

/// The unchecked handle of a bus: `bus.handle()` when it has one, else a BusHandle.
template <class B>
auto handle_of(B& bus) noexcept {
  if constexpr (requires { bus.handle(); }) {
    return bus.handle();
  } else {
    return BusHandle<B>(bus);
  }
}

}  // namespace mapio::mmio

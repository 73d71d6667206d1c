// The out-of-line parts of the buses: error text, trace formatting, the simulated bus.
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/mmio/bus.hpp"

namespace mapio::mmio {

std::string access_name(Direction direction, std::size_t bytes) {
  return fmt::format("{}{}", direction == Direction::read ? "read" : "write", bytes * 8);
}

void throw_bad_access(std::string_view operation, std::string_view bus_name, std::size_t bus_size,
                      std::size_t offset, std::size_t bytes, bool misaligned, std::string_view what) {
  std::string explanation = what.empty() ? std::string() : fmt::format("{}: ", what);
  if (misaligned) {
    explanation += fmt::format("a {}-byte access must be aligned to {} bytes", bytes, bytes);
  } else {
    explanation += fmt::format("a {}-byte access at {:#x} does not fit in the {:#x}-byte region", bytes, offset, bus_size);
  }
  throw Error(std::string(operation), fmt::format("{} + {:#x}", bus_name, offset), misaligned ? EINVAL : ERANGE,
              std::move(explanation));
}

void throw_read_only(std::string_view operation, std::string_view bus_name, std::size_t offset) {
  throw Error(std::string(operation), fmt::format("{} + {:#x}", bus_name, offset), EACCES,
              "the region is mapped read-only; map it writable to write registers");
}

std::string format_trace(const TraceEvent& event) {
  std::string name = fmt::format("{}{}", event.direction == Direction::read ? "read" : "write", event.width);
  return fmt::format("{:<7} {:#06x} {} {:#0{}x}{}", name, event.offset, event.direction == Direction::read ? "->" : "<-",
                     event.value, event.width / 4 + 2, event.ordering == Ordering::relaxed ? " (relaxed)" : "");
}

void FileTraceSink::operator()(const TraceEvent& event) const {
  std::string line = format_trace(event);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);
}

SimBus::SimBus(std::size_t size, std::string name, Store store)
    : size_(size), name_(std::move(name)), store_(store == Store::memory ? size : 0) {}

namespace {

std::size_t width_bytes(unsigned width) {
  if (width != 8 && width != 16 && width != 32 && width != 64)
    throw Error("access", fmt::format("{} bits", width), EINVAL, "a register is 8, 16, 32 or 64 bits wide");
  return width / 8;
}

}  // namespace

std::uint64_t SimBus::stored(std::size_t offset, unsigned width) const {
  const std::size_t bytes = width_bytes(width);
  check(offset, bytes, access_name(Direction::read, bytes));
  if (store_.empty())
    throw Error(access_name(Direction::read, bytes), fmt::format("{} + {:#x}", name_, offset), ENODEV,
                "this simulated bus has no backing store");
  std::uint64_t value = 0;
  std::memcpy(&value, store_.data() + offset, bytes);  // little-endian host, as the tested targets are
  return value;
}

void SimBus::store_value(std::size_t offset, unsigned width, std::uint64_t value) {
  const std::size_t bytes = width_bytes(width);
  check(offset, bytes, access_name(Direction::write, bytes));
  if (store_.empty())
    throw Error(access_name(Direction::write, bytes), fmt::format("{} + {:#x}", name_, offset), ENODEV,
                "this simulated bus has no backing store");
  std::memcpy(store_.data() + offset, &value, bytes);
}

std::uint64_t SimBus::access_read(std::size_t offset, unsigned width, Ordering ordering) const {
  const std::size_t bytes = width / 8;
  check(offset, bytes, access_name(Direction::read, bytes));
  ++counts_.reads;
  if (ordering == Ordering::relaxed) ++counts_.relaxed;
  last_ordering_ = ordering;
  if (read_handler_) return read_handler_(offset, width);
  if (store_.empty()) return ~std::uint64_t{0};
  return stored(offset, width);
}

void SimBus::access_write(std::size_t offset, unsigned width, std::uint64_t value, Ordering ordering) {
  const std::size_t bytes = width / 8;
  check(offset, bytes, access_name(Direction::write, bytes));
  ++counts_.writes;
  if (ordering == Ordering::relaxed) ++counts_.relaxed;
  last_ordering_ = ordering;
  if (write_handler_) return write_handler_(offset, width, value);
  if (!store_.empty()) store_value(offset, width, value);
}

}  // namespace mapio::mmio

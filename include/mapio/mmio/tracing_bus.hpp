// TracingBus<B>: another bus, with every access reported to a sink.
//
//     mapio::mmio::VolatileBus bar(mapping);
//     mapio::mmio::TracingBus traced(bar, mapio::mmio::FileTraceSink(stderr));
//     edu::Driver driver(traced);     // the same driver, now logging each register access:
//     //   read32  0x0000 -> 0x010000ed
//     //   write32 0x0004 <- 0x12345678
//
// The access happens first and is reported after, so only accesses that took place are logged
// (a refused one throws and leaves no line). The sink runs on the accessing thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "mapio/mmio/access.hpp"

namespace mapio::mmio {

/// One register access as a tracer sees it.
struct TraceEvent {
  std::string_view bus;     ///< name() of the traced bus
  std::size_t offset;       ///< byte offset in the bus
  unsigned width;           ///< 8, 16, 32 or 64 bits
  std::uint64_t value;      ///< value read or written
  Direction direction;
  Ordering ordering;
};

using TraceSink = std::function<void(const TraceEvent&)>;

/// "read32  0x0000 -> 0x010000ed", "write64 0x0080 <- 0x0000000000001000", with " (relaxed)"
/// appended for relaxed accesses. Offsets have at least four hex digits, values exactly the width.
std::string format_trace(const TraceEvent& event);

/// A sink that prints format_trace(event) and a newline to a FILE* (stderr, stdout, a log file).
class FileTraceSink {
 public:
  explicit FileTraceSink(std::FILE* out) noexcept : out_(out) {}
  void operator()(const TraceEvent& event) const;

 private:
  std::FILE* out_;
};

template <Bus B>
class TracingBus {
 public:
  TracingBus(B& inner, TraceSink sink) : inner_(&inner), sink_(std::move(sink)) {}

  std::size_t size() const noexcept { return inner_->size(); }
  decltype(auto) name() const noexcept { return inner_->name(); }
  B& inner() const noexcept { return *inner_; }

  template <Word T>
  T read(std::size_t offset) const { return report(offset, inner_->template read<T>(offset), Direction::read, Ordering::ordered); }
  template <Word T>
  void write(std::size_t offset, T value) {
    inner_->template write<T>(offset, value);
    report(offset, value, Direction::write, Ordering::ordered);
  }
  template <Word T>
  T read_relaxed(std::size_t offset) const {
    return report(offset, inner_->template read_relaxed<T>(offset), Direction::read, Ordering::relaxed);
  }
  template <Word T>
  void write_relaxed(std::size_t offset, T value) {
    inner_->template write_relaxed<T>(offset, value);
    report(offset, value, Direction::write, Ordering::relaxed);
  }

  template <Word T, Ordering O = Ordering::ordered>
  T load(std::size_t offset) const { return report(offset, inner_->template load<T, O>(offset), Direction::read, O); }
  template <Word T, Ordering O = Ordering::ordered>
  void store(std::size_t offset, T value) {
    inner_->template store<T, O>(offset, value);
    report(offset, value, Direction::write, O);
  }

  void check(std::size_t offset, std::size_t bytes, std::string_view operation, std::string_view what = {}) const {
    inner_->check(offset, bytes, operation, what);
  }

 private:
  template <Word T>
  T report(std::size_t offset, T value, Direction direction, Ordering ordering) const {
    if (sink_) sink_(TraceEvent{inner_->name(), offset, bits<T>, value, direction, ordering});
    return value;
  }

  B* inner_;
  TraceSink sink_;
};

}  // namespace mapio::mmio

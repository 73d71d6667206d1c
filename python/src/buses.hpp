// Register access from Python: the eight exact-width accessors (and their relaxed, block and
// polling companions) bound once for every bus mapio has — a device window (VolatileBus), SimBus
// and TracingBus.
#pragma once

#include <pybind11/numpy.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common.hpp"
#include "mapio/mmio/bus.hpp"
#include "mapio/mmio/registers.hpp"

namespace mapio::python {

/// Device memory mapped by mapio (a /dev/mem window, a PCI BAR, a UIO map) and the VolatileBus
/// over it. Not exported as a buffer: a view of device memory has no width guarantee.
struct Window : Lender {
  Window(Mapping mapping_, std::uint64_t address_, std::string note_)
      : mapping(std::move(mapping_)), address(address_), note(std::move(note_)),
        bus(std::make_unique<mmio::VolatileBus>(mapping)) {}
  Mapping mapping;
  std::uint64_t address = 0;  ///< physical address of byte 0, when known (0 otherwise)
  std::string note;
  std::unique_ptr<mmio::VolatileBus> bus;

  mmio::VolatileBus& checked_bus() {
    check_open("window");
    return *bus;
  }
};

/// Replaces Window's read8..read64/write8..write64 with direct CPython methods (fast_access.cpp).
void install_fast_window_access(py::handle window_class);

namespace detail {

template <mmio::Word T>
constexpr const char* write_name() {
  if constexpr (sizeof(T) == 1) return "write8";
  else if constexpr (sizeof(T) == 2) return "write16";
  else if constexpr (sizeof(T) == 4) return "write32";
  else return "write64";
}

template <mmio::Word T, class H, class GetBus>
void bind_width(py::class_<H>& cls, GetBus get_bus, const char* read_name, const char* write_name_) {
  constexpr unsigned bits = sizeof(T) * 8;
  const std::string width = std::to_string(bits);
  cls.def(
      read_name,
      [get_bus](H& h, std::size_t offset) -> std::uint64_t { return get_bus(h).template read<T>(offset); },
      py::arg("offset"),
      ("Reads " + width + " bits at `offset`: exactly one " + width +
       "-bit access at the device, ordered like the\nkernel's read" + (bits == 8 ? "b" : bits == 16 ? "w" : bits == 32 ? "l" : "q") +
       ". An offset outside the region or not a multiple of " + std::to_string(sizeof(T)) +
       " raises\nmapio.Error that is also a ValueError; nothing is accessed.")
          .c_str());
  cls.def(
      write_name_,
      [get_bus](H& h, std::size_t offset, py::handle value) {
        const auto v = static_cast<T>(unsigned_value(value, bits, write_name<T>()));
        get_bus(h).template write<T>(offset, v);
      },
      py::arg("offset"), py::arg("value"),
      ("Writes the " + width + "-bit `value` at `offset` as exactly one " + width +
       "-bit access (ordered: earlier\nmemory writes are visible first). A value that does not fit in " + width +
       " bits is a ValueError.")
          .c_str());
  cls.def(
      (std::string(read_name) + "_relaxed").c_str(),
      [get_bus](H& h, std::size_t offset) -> std::uint64_t { return get_bus(h).template read_relaxed<T>(offset); },
      py::arg("offset"), ("As " + std::string(read_name) + ", without ordering against normal memory.").c_str());
  cls.def(
      (std::string(write_name_) + "_relaxed").c_str(),
      [get_bus](H& h, std::size_t offset, py::handle value) {
        const auto v = static_cast<T>(unsigned_value(value, bits, write_name<T>()));
        get_bus(h).template write_relaxed<T>(offset, v);
      },
      py::arg("offset"), py::arg("value"),
      ("As " + std::string(write_name_) + ", without ordering against normal memory.").c_str());
}

template <class B>
std::uint64_t read_bits(const B& bus, std::size_t offset, unsigned width) {
  if (width != 8 && width != 16 && width != 32 && width != 64)
    throw py::value_error("width must be 8, 16, 32 or 64, not " + std::to_string(width));
  return mmio::read_width(bus, offset, width);
}

}  // namespace detail

/// Binds read8..read64, write8..write64, their relaxed forms, read_block32, poll_until, size and
/// name on `cls`. `get_bus(H&)` returns the bus (checking that the object is still open).
/// `ReleaseGil` says whether poll_until may drop the GIL (not when the bus calls Python); H is then a Lender.
template <bool ReleaseGil, class H, class GetBus>
void bind_bus_methods(py::class_<H>& cls, GetBus get_bus) {
  detail::bind_width<std::uint8_t>(cls, get_bus, "read8", "write8");
  detail::bind_width<std::uint16_t>(cls, get_bus, "read16", "write16");
  detail::bind_width<std::uint32_t>(cls, get_bus, "read32", "write32");
  detail::bind_width<std::uint64_t>(cls, get_bus, "read64", "write64");
  cls.def(
      "read",
      [get_bus](H& h, std::size_t offset, unsigned width) { return detail::read_bits(get_bus(h), offset, width); },
      py::arg("offset"), py::arg("width"), "read8/16/32/64 chosen by `width` in bits at run time.");
  cls.def(
      "write",
      [get_bus](H& h, std::size_t offset, unsigned width, py::handle value) {
        if (width != 8 && width != 16 && width != 32 && width != 64)
          throw py::value_error("width must be 8, 16, 32 or 64, not " + std::to_string(width));
        auto&& bus = get_bus(h);
        mmio::write_width(bus, offset, width, unsigned_value(value, width, "write"));
      },
      py::arg("offset"), py::arg("width"), py::arg("value"), "write8/16/32/64 chosen by `width` at run time.");
  cls.def(
      "read_block32",
      [get_bus](H& h, std::size_t offset, std::size_t count) {
        auto&& bus = get_bus(h);
        py::array_t<std::uint32_t> out(static_cast<py::ssize_t>(count));
        auto* words = out.mutable_data();
        for (std::size_t i = 0; i < count; ++i) words[i] = bus.template read<std::uint32_t>(offset + 4 * i);
        return out;
      },
      py::arg("offset"), py::arg("count"),
      "Reads `count` consecutive 32-bit registers from `offset` into a numpy uint32 array, each as\n"
      "one 32-bit access, in ascending order.");
  cls.def(
      "poll_until",
      [get_bus](H& h, std::size_t offset, std::uint64_t mask, std::uint64_t value, double timeout,
                             double interval, unsigned width) {
        auto&& bus = get_bus(h);
        if (width != 8 && width != 16 && width != 32 && width != 64)
          throw py::value_error("width must be 8, 16, 32 or 64, not " + std::to_string(width));
        if (timeout < 0 || interval < 0) throw py::value_error("timeout and interval must not be negative");
        bus.check(offset, width / 8, "poll");
        const auto to_ns = [](double seconds) {
          return std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
        };
        const std::string what = std::string(bus.name()) + " + " + hex(offset);
        auto run = [&] {
          return mmio::poll_until([&] { return mmio::read_width(bus, offset, width); },
                                  [&](std::uint64_t word) { return (word & mask) == value; }, to_ns(timeout),
                                  to_ns(interval), what);
        };
        if constexpr (ReleaseGil) {
          Loan loan(h);
          py::gil_scoped_release unlocked;
          return run();
        } else {
          return run();
        }
      },
      py::arg("offset"), py::arg("mask"), py::arg("value"), py::kw_only(), py::arg("timeout"),
      py::arg("interval") = 0.0, py::arg("width") = 32,
      "Reads the register at `offset` until (word & mask) == value and returns that word,\n"
      "sleeping `interval` seconds between reads. After `timeout` seconds it reads once more and\n"
      "then raises TimeoutError (a mapio.Error, ETIMEDOUT) with the last value read.");
  cls.def_property_readonly("size", [get_bus](H& h) { return get_bus(h).size(); }, "Bytes of the region.");
  cls.def_property_readonly(
      "name", [get_bus](H& h) { return std::string(get_bus(h).name()); }, "How errors and traces name the bus.");
}

}  // namespace mapio::python

// The edu program's modes and what they share: the parsed command line, a registry of modes, and
// `with_bus`, which opens the device (or its model) and hands a driver-ready bus to a mode.
//
// A mode lives in its own file and registers itself, so adding one touches no other file:
//
//     // examples/edu/hello_mode.cpp
//     #include "mode.hpp"
//     namespace {
//     int hello(const edu::cli::Invocation& invocation) {
//       return edu::cli::with_bus(invocation, [](auto& bus) {
//         edu::Driver driver(bus);
//         std::printf("id %#x\n", driver.identify().raw);
//         return 0;
//       });
//     }
//     const edu::cli::ModeRegistration registration{{"hello", "hello", "say hello to the device", hello}};
//     }  // namespace
#pragma once

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "edu_driver.hpp"
#include "edu_model.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/mmio/bus.hpp"

namespace edu::cli {

/// Where QEMU puts edu when it is the only extra device (`-device edu` on the pc machine).
inline constexpr std::string_view default_resource = "/sys/bus/pci/devices/0000:00:04.0/resource0";

/// The command line, parsed: `edu [--resource PATH | --simulate] [--trace] MODE [ARGS...]`.
struct Invocation {
  std::filesystem::path resource{std::string(default_resource)};
  bool simulate = false;          ///< run on EduModel instead of the device
  bool trace = false;             ///< log every register access to stderr
  std::string mode;
  std::vector<std::string> arguments;  ///< what follows the mode name
};

struct Mode {
  std::string_view name;
  std::string_view arguments;     ///< for the usage text, e.g. "N [N...]"
  std::string_view summary;
  int (*run)(const Invocation&);  ///< returns the exit status; may throw
};

inline std::vector<Mode>& modes() {
  static std::vector<Mode> registered;
  return registered;
}

/// Registers a mode at start-up; define one per mode file, at namespace scope.
struct ModeRegistration {
  explicit ModeRegistration(Mode mode) { modes().push_back(mode); }
};

namespace detail {
template <class B, class Body>
int run_on(B& bus, const Invocation& invocation, Body& body) {
  if (invocation.trace) {
    mapio::mmio::TracingBus traced(bus, mapio::mmio::FileTraceSink(stderr));
    return body(traced);
  }
  return body(bus);
}
}  // namespace detail

/// Calls `body(bus)` with the bus the invocation asks for: the edu model (--simulate), or edu's
/// BAR0 mapped from the sysfs resource file (--resource), wrapped in a TracingBus with --trace.
/// `body` is a generic lambda: it is compiled once per bus type.
template <class Body>
int with_bus(const Invocation& invocation, Body&& body) {
  if (invocation.simulate) {
    EduModel model;
    return detail::run_on(model.bus(), invocation, body);
  }
  const std::string path = invocation.resource.string();
  std::error_code error;
  const auto size = std::filesystem::file_size(invocation.resource, error);
  if (error) throw mapio::Error("stat", path, error.value(), "is this the device's sysfs resourceN file?");
  // sysfs resource files support only mmap (read() of a memory BAR fails with EIO).
  auto descriptor = mapio::FileDescriptor::open(invocation.resource, O_RDWR | O_SYNC);
  auto bar = mapio::Mapping::map_descriptor(descriptor.get(), 0, static_cast<std::size_t>(size),
                                            mapio::Protection::read_write, mapio::Sharing::shared, path);
  mapio::mmio::VolatileBus bus(bar);
  return detail::run_on(bus, invocation, body);
}

}  // namespace edu::cli
